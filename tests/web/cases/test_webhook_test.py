"""'Send a test webhook': signed like a real delivery, sent at once, logged, never retried."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from cxray.web.accounts.services import api_token_create
from cxray.web.notifications.models import Delivery, DeliveryStatus
from cxray.web.notifications.scheduler import job_run
from cxray.web.notifications.services import TEST_EVENT, webhook_create, webhook_test

from .test_notifications import closed_port_url

pytestmark = pytest.mark.django_db


class Checker(BaseHTTPRequestHandler):
    """Answers 204 when the signature is the HMAC of the body with ``secret``, else 401."""

    secret = ""
    received: list = []

    def do_POST(self):  # the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = (
            "sha256=" + hmac.new(type(self).secret.encode(), body, hashlib.sha256).hexdigest()
        )
        good = hmac.compare_digest(expected, self.headers.get("X-Cxray-Signature", ""))
        type(self).received.append((dict(self.headers), json.loads(body), good))
        self.send_response(204 if good else 401)
        self.end_headers()

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def checker():
    Checker.received, Checker.secret = [], ""
    server = HTTPServer(("127.0.0.1", 0), Checker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", Checker
    server.shutdown()
    server.server_close()


def test_signed_json_test_reaches_the_receiver_and_is_logged(company, checker):
    url, handler = checker
    ep = webhook_create(workspace=company["ws"], url=url, events="case.opened")
    handler.secret = ep.secret

    d = webhook_test(workspace=company["ws"], pk=ep.pk)

    assert (d.status, d.response_code, d.attempts, d.last_error) == (
        DeliveryStatus.SENT,
        204,
        1,
        "",
    )
    [(headers, body, good)] = handler.received
    assert good  # the receiver checked the signature against the endpoint's secret
    assert headers["X-Cxray-Event"] == TEST_EVENT == "webhook.test"
    assert headers["X-Cxray-Delivery"] == str(d.pk)
    assert (body["event"], body["workspace"], body["data"]["test"]) == (
        "webhook.test",
        "alpha",
        True,
    )
    assert url in body["text"]
    logged = Delivery.objects.get(pk=d.pk)
    assert (logged.kind, logged.event, logged.recipient) == ("webhook", "webhook.test", url)


def test_a_wrong_secret_shows_the_receivers_refusal(company, checker):
    url, handler = checker
    ep = webhook_create(workspace=company["ws"], url=url, format="slack")
    handler.secret = "not-the-secret"

    d = webhook_test(workspace=company["ws"], pk=ep.pk)

    assert (d.status, d.response_code, d.last_error) == (
        DeliveryStatus.GAVE_UP,
        401,
        "HTTP 401 Unauthorized",
    )
    [(_headers, body, good)] = handler.received
    assert not good and list(body) == ["text"]  # the Slack format: {"text": ...} only


def test_closed_port_is_logged_as_an_error_and_the_worker_does_not_retry_it(company):
    ep = webhook_create(workspace=company["ws"], url=closed_port_url())

    d = webhook_test(workspace=company["ws"], pk=ep.pk)

    assert d.status == DeliveryStatus.GAVE_UP and d.response_code is None
    assert "Connection refused" in d.last_error or "URLError" in d.last_error
    # An hour on, past any lease: the worker finds nothing to send or retry.
    later = timezone.now() + timedelta(hours=1)
    assert job_run("deliveries", now=later) == {"sent": 0, "failed": 0, "gave_up": 0}
    d.refresh_from_db()
    assert d.attempts == 1


def test_settings_button_posts_a_plain_form_and_shows_the_result(client, company, checker):
    url, handler = checker
    ep = webhook_create(workspace=company["ws"], url=url)
    handler.secret = ep.secret
    down = webhook_create(workspace=company["ws"], url=closed_port_url())
    client.force_login(company["admin"])
    page_url = reverse("cases_settings", args=["alpha"])
    page = client.get(page_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="action" value="webhook_test"' in page
    assert "onclick" not in page  # a plain POST form: nothing the CSP would block

    ok = client.post(
        page_url,
        {"action": "webhook_test", "pk": ep.pk},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    ).content.decode()
    assert f"Test webhook sent to {url}: the receiver answered HTTP 204." in ok
    failed = client.post(
        page_url,
        {"action": "webhook_test", "pk": down.pk},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert failed.status_code == 200
    assert f"Test webhook to {down.url} failed:" in failed.content.decode()
    assert Delivery.objects.filter(event="webhook.test").count() == 2


def test_api_sends_a_test_and_only_configurers_may(client, company, checker):
    url, handler = checker
    ep = webhook_create(workspace=company["ws"], url=url)
    handler.secret = ep.secret
    h = {"HTTP_AUTHORIZATION": f"Bearer {company['token']}"}

    listed = client.get("/api/v1/cases/webhooks", **h).json()
    assert listed == [{"id": ep.pk, "url": url, "format": "json", "events": [], "active": True}]
    sent = client.post(f"/api/v1/cases/webhooks/{ep.pk}/test", **h)
    assert sent.status_code == 200
    body = sent.json()
    assert (body["sent"], body["response_code"], body["error"]) == (True, 204, "")
    assert client.post("/api/v1/cases/webhooks/999999/test", **h).status_code == 404
    manager_key = api_token_create(workspace=company["ws"], user=company["dept_mgr"], name="m")[1]
    refused = client.post(
        f"/api/v1/cases/webhooks/{ep.pk}/test", HTTP_AUTHORIZATION=f"Bearer {manager_key}"
    )
    assert refused.status_code == 403
    assert len(handler.received) == 1  # the refused call sent nothing
