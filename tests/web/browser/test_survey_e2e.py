"""A respondent in a real browser: the public page on a phone in Ukrainian, and the widget
embedded in another site's page."""

from __future__ import annotations

import pytest

from cxray.web.surveys.models import SurveyResponse
from cxray.web.surveys.services import survey_create, survey_publish

from ..conftest import make_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def survey():
    a = make_company("alpha", n_promoters=0, n_detractors=0)
    s = survey_create(
        workspace=a["ws"],
        name="After the visit",
        purpose="Decide whether to add evening reception hours",
        owner_user=a["admin"],
        touchpoint=a["tp"],
    )
    return survey_publish(survey=s)


def test_nps_with_the_follow_up_on_a_phone_in_ukrainian(browser, live_server, survey):
    context = browser.new_context(
        locale="uk-UA", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{survey.public_token}/?lang=uk")
    assert page.locator("html").get_attribute("lang") == "uk"
    # Nothing wider than the phone: no sideways scrolling on the respondent page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.tap("label[for=s6]")
    follow_up = page.locator("#follow_up")
    assert follow_up.is_visible()
    follow_up.fill("Менше чекати в реєстратурі")
    page.fill("#comment", "Лікар уважний")
    page.get_by_role("button", name="Надіслати").tap()
    # A tap schedules the form's navigation; wait for it, not for the page already loaded.
    page.wait_for_url("**/thanks/**")
    assert "Дякуємо" in page.inner_text("body")
    r = SurveyResponse.objects.get(survey=survey)
    assert (r.score, r.follow_up, r.comment, r.language) == (
        6,
        "Менше чекати в реєстратурі",
        "Лікар уважний",
        "uk",
    )
    # The top score hides the follow-up question: it is asked only below the top.
    page.goto(f"{live_server.url}/s/{survey.public_token}/?lang=uk")
    page.tap("label[for=s10]")
    assert not page.locator("#follow_up").is_visible()
    context.close()


@pytest.fixture
def other_site():
    """A static page served by another web server (another origin) on loopback; the test
    sets ``other_site.html`` before opening ``other_site.url``."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from types import SimpleNamespace

    site = SimpleNamespace(html="")

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            body = site.html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site.url = f"http://127.0.0.1:{server.server_port}/checkout/done"
    yield site
    server.shutdown()


def test_the_widget_on_another_site_submits_a_response(page, live_server, survey, other_site):
    other_site.html = (
        '<!doctype html><html lang="en"><head><title>Shop</title></head><body><h1>Thanks</h1>'
        f'<script src="{live_server.url}/static/cxray/widget.js" data-survey="'
        f'{survey.public_token}" data-trigger="after:0s" data-customer="c-77"></script>'
        "</body></html>"
    )
    page.goto(other_site.url)
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    dialog.get_by_role("button", name="3", exact=True).click()
    dialog.locator("#cxw-fu").fill("Faster delivery")
    dialog.locator("button[type=submit]").click()
    page.get_by_role("status").wait_for()
    r = SurveyResponse.objects.get(survey=survey)
    assert (r.score, r.follow_up, r.channel) == (3, "Faster delivery", "widget")


def test_the_widget_asks_the_competitor_question(page, live_server, survey, other_site):
    from cxray.web.surveys.services import survey_update

    survey_update(survey=survey, competitor="Rival Clinic")
    other_site.html = (
        '<!doctype html><html lang="en"><head><title>Shop</title></head><body>'
        f'<script src="{live_server.url}/static/cxray/widget.js" data-survey="'
        f'{survey.public_token}" data-trigger="after:0s"></script></body></html>'
    )
    page.goto(other_site.url)
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    own = dialog.get_by_role("group", name="How likely are you to recommend us")
    own.get_by_role("button", name="8", exact=True).click()
    rival = dialog.get_by_role("group", name="How would you rate Rival Clinic on the same?")
    rival.get_by_role("button", name="4", exact=True).click()
    assert rival.get_by_role("button", name="I don't know them").is_visible()
    dialog.locator("button[type=submit]").click()
    page.get_by_role("status").wait_for()
    r = SurveyResponse.objects.get(survey=survey)
    assert (r.score, r.competitor_score, r.channel) == (8, 4, "widget")
