"""Settings → "Send a test webhook" in a real browser: an admin adds a webhook that points at a
real HTTP receiver on loopback, presses the button, and sees what the receiver answered; the
receiver checks the HMAC signature against the endpoint's secret shown on the page."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from cxray.web.notifications.models import Delivery, DeliveryStatus

from ..conftest import make_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver() -> Iterator[SimpleNamespace]:
    """A webhook receiver on 127.0.0.1: keeps every request (headers, raw body) and answers
    204 when X-Cxray-Signature is the HMAC-SHA256 of the body with ``secret``, else 401.
    The secret is set by the test once the page shows it."""
    state = SimpleNamespace(secret="", received=[], url="")

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # the name http.server calls
            body = self.rfile.read(int(self.headers["Content-Length"]))
            expected = "sha256=" + hmac.new(state.secret.encode(), body, hashlib.sha256).hexdigest()
            good = hmac.compare_digest(expected, self.headers.get("X-Cxray-Signature", ""))
            state.received.append((dict(self.headers), body, good))
            self.send_response(204 if good else 401)
            self.end_headers()

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/cx"
    yield state
    server.shutdown()
    server.server_close()


def test_test_webhook_button_reaches_the_receiver_signed(page, login, receiver):
    make_company("alpha", n_promoters=0, n_detractors=0)
    login("alpha-admin", "pw-12345-xyz")
    page.goto(f"{page.base_url}/w/alpha/cases/settings/?lang=en")

    hooks = page.locator("section[aria-labelledby=h-hooks]")
    hooks.locator("input[name=url]").fill(receiver.url)
    hooks.get_by_role("button", name="Add webhook").click()
    row = hooks.locator("tr", has_text=receiver.url)
    # The signing secret as the admin sees it: what they would copy into their receiver.
    receiver.secret = row.locator("code").inner_text().strip()
    assert len(receiver.secret) >= 16
    assert receiver.received == []  # adding a webhook sends nothing

    row.get_by_role("button", name="Send a test webhook").click()
    # expect() waits for the page after the redirect, not the one the click started from.
    expect(page.locator("ul.messages li")).to_have_text(
        f"Test webhook sent to {receiver.url}: the receiver answered HTTP 204."
    )

    [(headers, raw, good)] = receiver.received
    assert good  # X-Cxray-Signature = sha256=HMAC(secret, body)
    body = json.loads(raw)
    assert (headers["X-Cxray-Event"], body["event"], body["workspace"]) == (
        "webhook.test",
        "webhook.test",
        "alpha",
    )
    assert body["data"]["test"] is True
    d = Delivery.objects.get(event="webhook.test")
    assert (d.status, d.response_code, d.recipient) == (DeliveryStatus.SENT, 204, receiver.url)
    assert headers["X-Cxray-Delivery"] == str(d.pk)
    # The delivery log on the page lists it.
    log = page.locator("section[aria-labelledby=h-log]")
    assert receiver.url in log.inner_text() and "webhook.test" in log.inner_text()


def test_a_receiver_that_refuses_the_signature_is_reported(page, login, receiver):
    make_company("alpha", n_promoters=0, n_detractors=0)
    login("alpha-admin", "pw-12345-xyz")
    page.goto(f"{page.base_url}/w/alpha/cases/settings/?lang=en")
    hooks = page.locator("section[aria-labelledby=h-hooks]")
    hooks.locator("input[name=url]").fill(receiver.url)
    hooks.get_by_role("button", name="Add webhook").click()
    receiver.secret = "not-the-endpoints-secret"
    hooks.locator("tr", has_text=receiver.url).get_by_role(
        "button", name="Send a test webhook"
    ).click()
    expect(page.locator("ul.messages li")).to_have_text(
        f"Test webhook to {receiver.url} failed: HTTP 401 Unauthorized"
    )
    [(_headers, _raw, good)] = receiver.received
    assert not good
