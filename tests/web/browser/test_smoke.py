import pytest

from ..conftest import make_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_and_home_shows_the_nps(page, login):
    make_company("acme", n_promoters=6, n_detractors=2)
    login("acme-admin", "pw-12345-xyz")
    page.goto(f"{page.base_url}/w/acme/?lang=en")
    assert "NPS" in page.inner_text("main")
    # 6 promoters, 2 detractors of 8: NPS = (6 - 2) / 8 * 100 = 50
    assert "50" in page.inner_text("main")
