"""/api/v1/audit: the audit log for administrators' tokens."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from cxray.web.accounts.scope import can_manage
from cxray.web.audit.selectors import audit_event_list, audit_event_row

router = Router(tags=["audit"])
MAX_EVENTS = 1000


class ErrorOut(Schema):
    detail: str


class AuditEventOut(Schema):
    at: str
    actor: str
    via: str
    kind: str
    action: str
    object_type: str
    object_id: str
    detail: str
    ip: str


@router.get("", response={200: list[AuditEventOut], 401: ErrorOut, 403: ErrorOut})
def audit(
    request: HttpRequest,
    action: Query[str] = "",
    actor: Query[str] = "",
    kind: Query[str] = "",
    since: Query[date | None] = None,
    until: Query[date | None] = None,
):
    """The newest 1,000 events matching the filters (the web page's CSV has them all)."""
    if not can_manage(request.membership):
        raise HttpError(403, "only an administrator's token may read the audit log")
    events = audit_event_list(
        workspace=request.workspace,
        action=action,
        actor=actor,
        kind=kind,
        since=since,
        until=until,
    )
    return [audit_event_row(e) for e in events[:MAX_EVENTS]]
