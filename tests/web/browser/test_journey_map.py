"""Open a journey map in the browser, click a touchpoint, see its NPS and a customer quote;
download the map as a PNG drawn in the browser."""

import io
import struct
from pathlib import Path

import pytest
from PIL import Image

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


def test_png_export_downloads_the_map_drawn_at_twice_its_size(page, login):
    c = make_company("acme", n_promoters=6, n_detractors=2)
    journey_import(workspace=c["ws"], text=JOURNEY)
    login("acme-admin", "pw-12345-xyz")
    page.goto(f"{page.base_url}/w/acme/journeys/patient-as-is/?lang=en")
    with page.expect_download() as d:
        page.get_by_role("button", name="PNG").click()
    assert d.value.suggested_filename == "patient-as-is.png"
    data = Path(d.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    # The SVG of two steps is 120 (lanes) + 2 x 168 + 10 = 466 px wide and 40 + 24 + 10 +
    # 32 text lines x 13 + 9 lanes x 10 = 580 px high; the PNG is drawn at twice that.
    assert struct.unpack(">II", data[16:24]) == (932, 1160)
    assert 10_000 < len(data) < 2_000_000
    image = Image.open(io.BytesIO(data)).convert("L")
    image.load()
    # Drawn, not blank: a white page with dark text and lines on it.
    histogram = image.histogram()
    assert histogram[255] > 0.5 * image.width * image.height
    assert sum(histogram[:128]) > 2_000
