"""The outbox: queue alerts, digests and webhooks; the worker sends them with retries.

Queueing writes a Delivery row in the caller's transaction (a case and its alert are stored
together or not at all) and never touches the network. ``deliveries_send_due`` (the worker)
sends what is due; a failure is retried after 1, 2, 4, 8 … minutes, up to MAX_ATTEMPTS, and
every attempt's outcome stays in the delivery log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cxray.errors import InvalidInputError
from cxray.web.accounts.models import Membership, Role
from cxray.web.notifications.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    WebhookEndpoint,
    WebhookFormat,
)
from cxray.web.workspaces.models import Workspace

if TYPE_CHECKING:
    from cxray.web.cases.models import Case

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
WEBHOOK_TIMEOUT_S = 5.0
# While one worker sends a delivery, its next attempt is pushed this far, so a second worker
# running at the same time does not pick it up too.
CLAIM_LEASE = timedelta(minutes=5)
SIGNATURE_HEADER = "X-Cxray-Signature"
EVENTS = ("case.opened", "case.escalated", "case.assigned")


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4, 8 … minutes, at most 6 h."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- endpoints -----------------------------------------------------------------------------
def webhook_create(
    *, workspace: Workspace, url: str, format: str = WebhookFormat.JSON, events: str = ""
) -> WebhookEndpoint:
    url = (url or "").strip()
    if not url.startswith(("http://", "https://")):
        raise InvalidInputError(
            _("webhook address %(url)s must start with http:// or https://") % {"url": repr(url)}
        )
    if format not in WebhookFormat.values:
        raise InvalidInputError(
            _("format %(format)s is not one of %(choices)s")
            % {"format": repr(format), "choices": ", ".join(WebhookFormat.values)}
        )
    names = [e.strip() for e in events.split(",") if e.strip()]
    unknown = set(names) - set(EVENTS)
    if unknown:
        raise InvalidInputError(
            _("unknown events %(names)s; use %(events)s or leave blank")
            % {"names": ", ".join(sorted(unknown)), "events": ", ".join(EVENTS)}
        )
    return WebhookEndpoint.objects.create(
        workspace=workspace, url=url, format=format, events=",".join(names)
    )


def webhook_delete(*, workspace: Workspace, pk: int) -> None:
    deleted, _n = WebhookEndpoint.objects.filter(workspace=workspace, pk=pk).delete()
    if not deleted:
        raise InvalidInputError(_("no webhook %(pk)s in this workspace") % {"pk": pk})


# --- queueing ------------------------------------------------------------------------------
def _enqueue(*, workspace: Workspace, key: str, now: datetime | None = None, **fields: Any) -> bool:
    """Store one delivery unless its key is already stored; True when it is new."""
    try:
        with transaction.atomic():  # a savepoint: a duplicate key does not spoil the caller's
            Delivery.objects.create(
                workspace=workspace, key=key[:200], next_attempt_at=now or timezone.now(), **fields
            )
        return True
    except IntegrityError:
        return False


def email_enqueue(
    *, workspace: Workspace, key: str, to: str, subject: str, body: str, event: str
) -> bool:
    return _enqueue(
        workspace=workspace,
        key=key,
        kind=DeliveryKind.EMAIL,
        event=event,
        recipient=to,
        subject=subject[:300],
        payload={"body": body},
    )


def _webhook_payload(
    ep: WebhookEndpoint, workspace: Workspace, event: str, data: dict, text: str
) -> dict:
    if ep.format == WebhookFormat.SLACK:
        return {"text": text}
    return {"event": event, "workspace": workspace.slug, "data": data, "text": text}


def webhooks_enqueue(*, workspace: Workspace, event: str, key: str, data: dict, text: str) -> int:
    """Queue the event for every active endpoint that wants it; return how many were new."""
    n = 0
    for ep in WebhookEndpoint.objects.filter(workspace=workspace, active=True):
        if not ep.wants(event):
            continue
        payload = _webhook_payload(ep, workspace, event, data, text)
        n += _enqueue(
            workspace=workspace,
            key=f"{key}:webhook:{ep.pk}",
            kind=DeliveryKind.WEBHOOK,
            event=event,
            endpoint=ep,
            recipient=ep.url,
            payload=payload,
        )
    return n


def case_recipients(case: Case) -> list[str]:
    """Who is told about a case: its owner; else the managers of its unit; else the
    workspace's CX managers and administrators."""
    if case.owner_user_id and case.owner_user.email:
        return [case.owner_user.email]
    members = Membership.objects.filter(workspace_id=case.workspace_id).select_related("user")
    if case.owner_unit_id:
        managers = [
            m.user.email
            for m in members.filter(role=Role.UNIT_MANAGER, unit_id=case.owner_unit_id)
            if m.user.email
        ]
        if managers:
            return sorted(set(managers))
    return sorted(
        {
            m.user.email
            for m in members.filter(role__in=[Role.ADMIN, Role.CX_MANAGER])
            if m.user.email
        }
    )


def case_link(case: Case) -> str:
    from cxray.web.surveys.invitations import public_base_url

    return f"{public_base_url()}/w/{case.workspace.slug}/cases/{case.pk}/"


def _case_data(case: Case) -> dict:
    return {
        "id": case.pk,
        "title": case.title,
        "reason": case.reason,
        "status": case.status,
        "touchpoint": case.touchpoint_code,
        "unit": case.unit_code,
        "owner_unit": case.owner_unit.code if case.owner_unit_id else None,
        "owner": case.owner_user.get_username() if case.owner_user_id else None,
        "score": case.score,
        "metric": case.metric,
        "opened_at": case.opened_at.isoformat(),
        "due_at": case.due_at.isoformat(),
        "escalation_level": case.escalation_level,
        "url": case_link(case),
    }


def _case_message(case: Case, subject: str, template: str) -> tuple[str, str]:
    """(subject, body) of a case's alert, in the workspace's language."""
    ws = case.workspace
    with translation.override(ws.language):
        context = {"case": case, "link": case_link(case), "workspace": ws}
        subject_text = subject % {"id": case.pk, "title": case.title[:80]}
        return subject_text, render_to_string(template, context)


def _notify(case: Case, event: str, key: str, subject: str, template: str) -> None:
    ws = case.workspace
    subject_text, body = _case_message(case, subject, template)
    for to in case_recipients(case):
        email_enqueue(
            workspace=ws,
            key=f"{key}:mail:{to}",
            to=to,
            subject=subject_text,
            body=body,
            event=event,
        )
    webhooks_enqueue(
        workspace=ws, event=event, key=key, data=_case_data(case), text=f"{subject_text}\n{body}"
    )


def notify_case_opened(case: Case) -> None:
    with translation.override(case.workspace.language):
        subject = _("New case #%(id)s: %(title)s")
    _notify(case, "case.opened", f"case.opened:{case.pk}", subject, "cases/mail/opened.txt")


def notify_cases_opened(cases: list[Case]) -> int:
    """``notify_case_opened`` for the new cases of one intake batch, stored with one INSERT:
    the recipients and the webhook endpoints are read once per owner and per workspace.
    Each key is new (it holds the new case's id), so nothing is skipped that the one-case
    path would have stored. Returns the number of deliveries queued."""
    now = timezone.now()
    recipients: dict[tuple[int, int | None, int | None], list[str]] = {}
    endpoints: dict[int, list[WebhookEndpoint]] = {}
    rows: list[Delivery] = []
    event = "case.opened"
    for case in cases:
        ws = case.workspace
        key = f"{event}:{case.pk}"
        who = (case.workspace_id, case.owner_user_id, case.owner_unit_id)
        if who not in recipients:
            recipients[who] = case_recipients(case)
        if ws.pk not in endpoints:
            endpoints[ws.pk] = list(WebhookEndpoint.objects.filter(workspace=ws, active=True))
        hooks = [ep for ep in endpoints[ws.pk] if ep.wants(event)]
        if not (recipients[who] or hooks):
            continue  # nobody to tell: no message to render (a template per case)
        with translation.override(ws.language):
            subject = _("New case #%(id)s: %(title)s")
        subject_text, body = _case_message(case, subject, "cases/mail/opened.txt")
        for to in recipients[who]:
            rows.append(
                Delivery(
                    workspace=ws,
                    key=f"{key}:mail:{to}"[:200],
                    next_attempt_at=now,
                    kind=DeliveryKind.EMAIL,
                    event=event,
                    recipient=to,
                    subject=subject_text[:300],
                    payload={"body": body},
                )
            )
        for ep in hooks:
            text = f"{subject_text}\n{body}"
            rows.append(
                Delivery(
                    workspace=ws,
                    key=f"{key}:webhook:{ep.pk}"[:200],
                    next_attempt_at=now,
                    kind=DeliveryKind.WEBHOOK,
                    event=event,
                    endpoint=ep,
                    recipient=ep.url,
                    payload=_webhook_payload(ep, ws, event, _case_data(case), text),
                )
            )
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def notify_case_escalated(case: Case) -> None:
    with translation.override(case.workspace.language):
        subject = _("Escalated: case #%(id)s got no reaction in time: %(title)s")
    _notify(
        case,
        "case.escalated",
        f"case.escalated:{case.pk}:{case.escalation_level}",
        subject,
        "cases/mail/escalated.txt",
    )


def notify_case_assigned(case: Case) -> None:
    with translation.override(case.workspace.language):
        subject = _("Case #%(id)s is now yours: %(title)s")
    n = case.events.count()  # one notification per assignment
    _notify(case, "case.assigned", f"case.assigned:{case.pk}:{n}", subject, "cases/mail/opened.txt")


# --- sending (the worker) ------------------------------------------------------------------
def _claim(delivery: Delivery, now: datetime) -> bool:
    """Take the delivery for this worker: only one of two concurrent workers succeeds."""
    return bool(
        Delivery.objects.filter(
            pk=delivery.pk,
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
            next_attempt_at=delivery.next_attempt_at,
        ).update(next_attempt_at=now + CLAIM_LEASE)
    )


def _post(delivery: Delivery) -> int:
    body = json.dumps(delivery.payload, ensure_ascii=False).encode()
    ep = delivery.endpoint
    request = urllib.request.Request(
        ep.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "cxray-webhook/1",
            "X-Cxray-Event": delivery.event,
            "X-Cxray-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: sign(ep.secret, body),
        },
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as resp:
        return resp.status


def _send_one(delivery: Delivery, connection) -> int | None:
    if delivery.kind == DeliveryKind.EMAIL:
        EmailMessage(
            subject=delivery.subject,
            body=delivery.payload.get("body", ""),
            to=[delivery.recipient],
            connection=connection,
        ).send()
        return None
    return _post(delivery)


def _attempt(delivery: Delivery, connection) -> str:
    """One try at sending: counts the attempt, keeps the HTTP status; the error, or ""."""
    delivery.attempts += 1
    try:
        delivery.response_code = _send_one(delivery, connection)
    except urllib.error.HTTPError as exc:
        delivery.response_code = exc.code
        return f"HTTP {exc.code} {exc.reason}"
    except Exception as exc:  # a refused connection, a timeout, a mail server's refusal
        return f"{type(exc).__name__}: {exc}"
    return ""


def deliveries_send_due(*, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send every delivery that is due; return counts of sent, failed (will retry), gave up."""
    now = now or timezone.now()
    counts = {"sent": 0, "failed": 0, "gave_up": 0}
    due = list(
        Delivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now
        )
        .select_related("endpoint")
        .order_by("next_attempt_at", "pk")[:limit]
    )
    if not due:
        return counts
    connection = get_connection()
    for d in due:
        if not _claim(d, now):
            continue
        error = _attempt(d, connection)
        if not error:
            d.status, d.sent_at, d.last_error = DeliveryStatus.SENT, now, ""
            counts["sent"] += 1
        elif d.attempts >= MAX_ATTEMPTS:
            d.status, d.last_error = DeliveryStatus.GAVE_UP, error[:2000]
            counts["gave_up"] += 1
        else:
            d.status, d.last_error = DeliveryStatus.FAILED, error[:2000]
            d.next_attempt_at = now + backoff(d.attempts)
            counts["failed"] += 1
        d.save(
            update_fields=[
                "status",
                "attempts",
                "sent_at",
                "last_error",
                "response_code",
                "next_attempt_at",
            ]
        )
    return counts


def delivery_retry(*, workspace: Workspace, pk: int) -> Delivery:
    """Send a failed delivery again at the worker's next round (a button in the log)."""
    d = Delivery.objects.filter(workspace=workspace, pk=pk).first()
    if d is None:
        raise InvalidInputError(_("no delivery %(pk)s in this workspace") % {"pk": pk})
    if d.status == DeliveryStatus.SENT:
        raise InvalidInputError(
            _("delivery %(pk)s was sent; there is nothing to retry") % {"pk": pk}
        )
    d.status, d.next_attempt_at = DeliveryStatus.PENDING, timezone.now()
    if d.attempts >= MAX_ATTEMPTS:
        d.attempts = MAX_ATTEMPTS - 1  # one more try
    d.save(update_fields=["status", "next_attempt_at", "attempts"])
    return d


# --- a test, sent at once ------------------------------------------------------------------
TEST_EVENT = "webhook.test"


def webhook_test(*, workspace: Workspace, pk: int, now: datetime | None = None) -> Delivery:
    """Send a signed test payload to one endpoint now and log it in the delivery log.

    The only delivery a request sends itself: whoever presses the button waits for the answer
    (at most WEBHOOK_TIMEOUT_S). It goes out like a real one (same format, headers and
    signature) but is tried once: a failure is logged as given up, never retried by the
    worker. The returned delivery has the HTTP status or the error.
    """
    ep = WebhookEndpoint.objects.filter(workspace=workspace, pk=pk).first()
    if ep is None:
        raise InvalidInputError(_("no webhook %(pk)s in this workspace") % {"pk": pk})
    now = now or timezone.now()
    with translation.override(workspace.language):
        text = _(
            "Test message from cxray: the webhook %(url)s of workspace %(workspace)s works."
        ) % {"url": ep.url, "workspace": workspace.name}
    data = {"test": True, "endpoint": ep.pk, "sent_at": now.isoformat()}
    # The lease keeps the worker off it while this request sends it.
    delivery = Delivery.objects.create(
        workspace=workspace,
        key=f"{TEST_EVENT}:{ep.pk}:{secrets.token_hex(8)}",
        kind=DeliveryKind.WEBHOOK,
        event=TEST_EVENT,
        endpoint=ep,
        recipient=ep.url,
        payload=_webhook_payload(ep, workspace, TEST_EVENT, data, text),
        next_attempt_at=now + CLAIM_LEASE,
    )
    error = _attempt(delivery, None)
    if error:
        delivery.status, delivery.last_error = DeliveryStatus.GAVE_UP, error[:2000]
    else:
        delivery.status, delivery.sent_at = DeliveryStatus.SENT, now
    delivery.save(update_fields=["status", "attempts", "sent_at", "last_error", "response_code"])
    return delivery
