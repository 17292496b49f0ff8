"""Open a journey map in the browser, click a touchpoint, see its NPS and a customer quote."""

import pytest

from cxray.web.analytics_store import analytics
from cxray.web.journeys.services import journey_import

from ..conftest import facts, make_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOURNEY = """\
journey: patient-as-is
name: Patient journey (as is)
stages:
  - name: Booking
    steps:
      - id: call
        title: Booking call
        touchpoint: booking
        owner: acme-br2
  - name: Visit
    steps:
      - id: desk
        title: Reception desk
        touchpoint: acme-tp
        owner: acme-dep
        communications:
          - message: How was your visit?
            channel: sms
            survey: true
"""


def test_click_a_touchpoint_shows_its_nps_and_a_quote(page, login):
    c = make_company("acme", n_promoters=6, n_detractors=2)
    journey_import(workspace=c["ws"], text=JOURNEY)
    with analytics() as store:
        store.write(
            "response_texts",
            facts(
                "response_texts",
                [{"workspace": "acme", "row_key": "r7:comment", "response_key": "r7",
                  "field": "comment", "language": "en", "sentiment": "negative",
                  "sentiment_score": -0.7, "themes": "waiting",
                  "masked": "Forty minutes in the queue at the desk"}],
            ),
        )  # fmt: skip
    login("acme-admin", "pw-12345-xyz")
    page.goto(f"{page.base_url}/w/acme/journeys/?lang=en")
    page.click("text=Patient journey (as is)")
    assert "Booking call" in page.inner_text("table.jmap")
    page.click("a.tp-link[data-touchpoint='acme-tp']")
    panel = page.locator("#panel")
    panel.wait_for()
    # 6 promoters and 2 detractors of 8: NPS = (6 - 2) / 8 * 100 = 50.
    assert panel.locator("[data-metric=nps]").inner_text().strip() == "50"
    assert "n = 8" in panel.inner_text()
    assert "Forty minutes in the queue at the desk" in panel.inner_text()
    # The hand-off from the other branch to the department is flagged on the map.
    assert "acme-br2 → acme-dep" in page.inner_text("table.jmap")
