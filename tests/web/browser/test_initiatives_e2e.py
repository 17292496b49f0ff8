"""A CX manager turns a problem into an initiative from a prefilled link, plans it, ticks a
task off, and downloads the leadership report."""

import pytest

from ..conftest import make_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_initiative_from_a_prefilled_link(page, login):
    make_company("acme", n_promoters=6, n_detractors=2)
    login("acme-admin", "pw-12345-xyz")
    page.goto(
        f"{page.base_url}/w/acme/initiatives/new/?lang=en&title=Shorter+queues"
        "&touchpoint=acme-tp&theme=waiting&source=case+group+3"
    )
    assert page.input_value("#id_title") == "Shorter queues"
    page.fill("#id_expected_effect", "120000")
    page.click("button[type=submit].primary")
    page.wait_for_selector("h1:has-text('Shorter queues')")
    assert "Reception" in page.inner_text("main")  # the touchpoint came with the link
    page.fill("#id_task", "Second receptionist at 9-11")
    page.click("text=Add task")
    page.click("text=Mark done")
    page.wait_for_selector("s:has-text('Second receptionist at 9-11')")
    page.goto(f"{page.base_url}/w/acme/initiatives/?lang=en")
    row = page.inner_text("table")
    assert "Shorter queues" in row and "1 / 1" in row and "120,000" in row
    page.goto(f"{page.base_url}/w/acme/report/?lang=en")
    with page.expect_download() as download:
        page.click("text=Download PDF")
    assert download.value.suggested_filename.endswith("-en.pdf")
