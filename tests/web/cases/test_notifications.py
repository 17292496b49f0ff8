"""The worker: alerts, digests and signed webhooks, sent once, retried with back-off, logged."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from cxray.web.cases.services import case_open
from cxray.web.notifications.models import Delivery, JobBookmark
from cxray.web.notifications.scheduler import job_run, run_once
from cxray.web.notifications.services import backoff, sign, webhook_create

pytestmark = pytest.mark.django_db


class Receiver(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):  # the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def receiver():
    Receiver.received, Receiver.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", Receiver
    server.shutdown()
    server.server_close()


def closed_port_url() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/down"  # nothing listens there any more


def test_running_the_worker_twice_sends_the_alert_once(company, monkeypatch):
    monkeypatch.setenv("CXRAY_DIGEST_HOUR", "24")  # no digest in this test
    case_open(workspace=company["ws"], title="Long queue", touchpoint_code=company["tp"].code)
    assert mail.outbox == []  # the request only queues
    run_once()
    run_once()
    assert [m.to for m in mail.outbox] == [["dept@example.com"]]
    assert "Long queue" in mail.outbox[0].subject
    assert JobBookmark.objects.get(name="deliveries").runs == 2
    assert Delivery.objects.get().status == "sent"


def test_webhook_is_signed_and_slack_gets_text(company, receiver):
    url, handler = receiver
    ep = webhook_create(workspace=company["ws"], url=url)
    webhook_create(
        workspace=company["ws"], url=url + "/slack", format="slack", events="case.escalated"
    )
    case = case_open(workspace=company["ws"], title="Rude", touchpoint_code=company["tp"].code)
    job_run("deliveries")
    assert len(handler.received) == 1  # the Slack endpoint wants escalations only
    headers, body = handler.received[0]
    expected = "sha256=" + hmac.new(ep.secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Cxray-Signature"] == expected == sign(ep.secret, body)
    payload = json.loads(body)
    assert (payload["event"], payload["data"]["id"], payload["data"]["owner_unit"]) == (
        "case.opened",
        case.pk,
        company["dept"].code,
    )
    # An escalation reaches the Slack-format endpoint as {"text": ...} only.
    from cxray.web.cases.services import cases_escalate_overdue

    cases_escalate_overdue(now=case.due_at + timedelta(minutes=1))
    job_run("deliveries")
    slack = [
        json.loads(b) for h, b in handler.received if h.get("X-Cxray-Event") == "case.escalated"
    ]
    assert len(slack) == 2
    assert any(set(p) == {"text"} and "Rude" in p["text"] for p in slack)


def test_a_down_endpoint_is_retried_with_backoff_and_logged(company, receiver):
    webhook_create(workspace=company["ws"], url=closed_port_url())
    case_open(workspace=company["ws"], title="X", touchpoint_code=company["tp"].code)
    t0 = timezone.now()
    job_run("deliveries", now=t0)
    hook = Delivery.objects.get(kind="webhook")
    assert (hook.status, hook.attempts) == ("failed", 1)
    assert "Connection" in hook.last_error or "refused" in hook.last_error
    assert hook.next_attempt_at == t0 + timedelta(minutes=1)
    job_run("deliveries", now=t0 + timedelta(seconds=30))  # not due yet
    hook.refresh_from_db()
    assert hook.attempts == 1
    job_run("deliveries", now=t0 + timedelta(seconds=61))
    hook.refresh_from_db()
    assert (hook.attempts, hook.next_attempt_at) == (2, t0 + timedelta(seconds=61 + 120))
    assert [backoff(n).total_seconds() / 60 for n in range(1, 6)] == [1, 2, 4, 8, 16]
    # The endpoint comes back: the next due attempt delivers.
    url, handler = receiver
    hook.endpoint.url = url
    hook.endpoint.save()
    job_run("deliveries", now=t0 + timedelta(minutes=10))
    hook.refresh_from_db()
    assert (hook.status, hook.attempts, hook.response_code) == ("sent", 3, 200)
    assert len(handler.received) == 1
    # After MAX_ATTEMPTS failures it gives up and says so in the log.
    handler.status = 500
    case_open(workspace=company["ws"], title="Y", touchpoint_code=company["tp"].code)
    later = t0 + timedelta(minutes=20)
    for _ in range(6):
        job_run("deliveries", now=later)
        later += timedelta(hours=7)
    last = Delivery.objects.filter(kind="webhook").order_by("-pk").first()
    assert (last.status, last.attempts, last.response_code) == ("gave_up", 6, 500)
    assert last.last_error.startswith("HTTP 500")


def test_daily_digest_once_per_day_per_person(company, settings, monkeypatch):
    monkeypatch.setenv("CXRAY_DIGEST_HOUR", "8")
    case_open(workspace=company["ws"], title="Open one", touchpoint_code=company["tp"].code)
    tz = timezone.get_current_timezone()
    early = timezone.make_aware(datetime(2030, 3, 4, 7, 30), tz)
    job_run("digest", now=early)
    assert Delivery.objects.filter(event="digest").count() == 0  # before 08:00 local
    morning = timezone.make_aware(datetime(2030, 3, 4, 9, 0), tz)
    job_run("digest", now=morning)
    job_run("digest", now=morning + timedelta(hours=3))
    digests = Delivery.objects.filter(event="digest")
    # Those who see the open case: the admin (all) and the department's and branch's managers.
    assert sorted(digests.values_list("recipient", flat=True)) == [
        "admin@example.com",
        "branch@example.com",
        "dept@example.com",
    ]
    assert "Open one" in digests.first().payload["body"]
    assert JobBookmark.objects.get(name="digest").position["days"] == {
        "alpha": "2030-03-04",
        "beta": "2030-03-04",
    }
    job_run("digest", now=morning + timedelta(days=1))
    assert Delivery.objects.filter(event="digest").count() == 6


def test_worker_intake_opens_cases_the_hook_missed(company):
    from cxray.web.surveys.services import response_submit

    # Without on_commit callbacks running (the hook never fired), the intake job catches up.
    response_submit(survey=company["survey"], score=2, customer_id="c-7")
    response_submit(survey=company["survey"], score=10, customer_id="c-8")
    run_once()
    from cxray.web.cases.models import Case

    assert list(Case.objects.values_list("customer_id", flat=True)) == ["c-7"]
    run_once()
    assert Case.objects.count() == 1
    assert JobBookmark.objects.get(name="cases_intake").position["since"]


def test_worker_intake_skips_linked_answers_and_survives_a_race_with_the_hook(company, monkeypatch):
    from django.db import IntegrityError

    from cxray.web.cases import services
    from cxray.web.cases.models import Case
    from cxray.web.surveys.services import response_submit

    linked, _ = response_submit(survey=company["survey"], score=1, customer_id="c-1")
    services.case_open_for_response(response=linked)  # the hook did its work
    raced, _ = response_submit(survey=company["survey"], score=2, customer_id="c-2")
    late, _ = response_submit(survey=company["survey"], score=3, customer_id="c-3")
    seen = []
    real = services.case_open_for_response

    def hook_wins_the_race(*, response, now=None):
        seen.append(response.pk)
        if response.pk == raced.pk:
            raise IntegrityError("UNIQUE constraint failed: cases_casefeedback.response_id")
        return real(response=response, now=now)

    monkeypatch.setattr(services, "case_open_for_response", hook_wins_the_race)
    assert job_run("cases_intake") == 2  # the linked answer is not looked at again
    assert seen == [raced.pk, late.pk]
    assert sorted(Case.objects.values_list("customer_id", flat=True)) == ["c-1", "c-3"]
    assert JobBookmark.objects.get(name="cases_intake").last_error == ""
