"""Every chart downloads as SVG and PNG, every table as CSV, from the page itself."""

from pathlib import Path

import pytest

from ..conftest import make_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chart_and_table_downloads_on_the_scores_page(page, login):
    make_company("acme", n_promoters=6, n_detractors=2)
    login("acme-admin", "pw-12345-xyz")
    page.goto(f"{page.base_url}/w/acme/scores/?by=unit&lang=en")
    with page.expect_download() as d:
        page.get_by_role("button", name="Download CSV").first.click()
    text = Path(d.value.path()).read_bytes().decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0].startswith("Group,NPS,")
    # Each unit has 3 promoters and 1 detractor of 4 answers: NPS (3 - 1) / 4 = 50.
    assert any(line.startswith("Dept,50.0,") and line.endswith(",4") for line in lines)

    page.goto(f"{page.base_url}/w/acme/scores/?lang=en")
    with page.expect_download() as d:
        page.get_by_role("button", name="Download PNG").first.click()
    assert d.value.suggested_filename.endswith(".png")
    assert Path(d.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as d:
        page.get_by_role("button", name="Download SVG").first.click()
    assert Path(d.value.path()).read_text(encoding="utf-8").startswith("<svg")
