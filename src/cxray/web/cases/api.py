"""/api/v1/cases: list, read, open, update cases, add notes and contacts; reaction figures."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from cxray.errors import InvalidInputError
from cxray.web.accounts.models import Membership, Role
from cxray.web.cases.groups import case_groups
from cxray.web.cases.models import Case, CaseStatus
from cxray.web.cases.selectors import case_get, case_list, reaction_report
from cxray.web.cases.services import (
    case_assign,
    case_contact,
    case_note,
    case_open,
    case_resolve,
    case_set_status,
)
from cxray.web.notifications.models import DeliveryStatus, WebhookEndpoint
from cxray.web.notifications.services import webhook_test
from cxray.web.people.models import Unit

router = Router(tags=["cases"])


class ErrorOut(Schema):
    detail: str


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class EventOut(Schema):
    kind: str
    text: str
    channel: str
    by: str | None
    at: datetime


class CaseOut(Schema):
    id: int
    title: str
    reason: str
    status: str
    customer_id: str
    segment: str
    touchpoint: str
    unit: str
    employee: str
    theme: str
    metric: str
    score: int | None
    value_at_risk: Decimal | None
    owner_unit: str | None
    owner: str | None
    opened_at: datetime
    due_at: datetime
    first_reaction_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution: str
    escalation_level: int
    overdue: bool
    responses: list[int]


class CaseDetailOut(CaseOut):
    events: list[EventOut]


class CaseIn(Schema):
    title: str
    customer_id: str = ""
    touchpoint: str = ""
    unit: str = ""
    employee: str = ""
    theme: str = ""
    segment: str = ""
    text: str = ""
    owner_unit: str | None = None
    owner: str | None = None  # a member's username


class CasePatch(Schema):
    status: str | None = None
    resolution: str | None = None
    owner_unit: str | None = None
    owner: str | None = None


class NoteIn(Schema):
    text: str


class ContactIn(Schema):
    channel: str
    text: str


def _out(case: Case, now: datetime) -> dict:
    return {
        "id": case.pk,
        "title": case.title,
        "reason": case.reason,
        "status": case.status,
        "customer_id": case.customer_id,
        "segment": case.segment,
        "touchpoint": case.touchpoint_code,
        "unit": case.unit_code,
        "employee": case.employee_code,
        "theme": case.theme,
        "metric": case.metric,
        "score": case.score,
        "value_at_risk": case.value_at_risk,
        "owner_unit": case.owner_unit.code if case.owner_unit_id else None,
        "owner": case.owner_user.get_username() if case.owner_user_id else None,
        "opened_at": case.opened_at,
        "due_at": case.due_at,
        "first_reaction_at": case.first_reaction_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "resolution": case.resolution,
        "escalation_level": case.escalation_level,
        "overdue": case.is_open and case.first_reaction_at is None and case.due_at < now,
        "responses": list(case.feedback.values_list("response_id", flat=True)),
    }


def _detail(case: Case) -> dict:
    events = [
        {
            "kind": e.kind,
            "text": e.text,
            "channel": e.channel,
            "by": e.by.get_username() if e.by_id else None,
            "at": e.at,
        }
        for e in case.events.select_related("by")
    ]
    return _out(case, timezone.now()) | {"events": events}


def _may_act(request: HttpRequest) -> None:
    if request.membership.role == Role.VIEWER:
        raise HttpError(403, _("the role 'viewer' may read cases but not change them"))


def _get(request: HttpRequest, pk: int) -> Case:
    return case_get(
        workspace=request.workspace, scope=request.scope, user_id=request.user.pk, pk=pk
    )


def _unit(request: HttpRequest, code: str | None) -> Unit | None:
    if not code:
        return None
    unit = Unit.objects.filter(workspace=request.workspace, code=code).first()
    if unit is None:
        raise HttpError(
            400, _("unit %(code)s does not exist in this workspace") % {"code": repr(code)}
        )
    return unit


def _member(request: HttpRequest, username: str | None):
    if not username:
        return None
    m = (
        Membership.objects.filter(workspace=request.workspace, user__username=username)
        .select_related("user")
        .first()
    )
    if m is None:
        raise HttpError(
            400, _("user %(user)s is not a member of this workspace") % {"user": repr(username)}
        )
    return m.user


@router.get("", response={200: list[CaseOut], **ERRORS})
def cases(
    request: HttpRequest,
    status: Query[str] = "",
    overdue: Query[bool] = False,
    unit: Query[str] = "",
    limit: Query[int] = 200,
):
    """Cases the token's role sees; ``status`` is one status or ``open``."""
    if status and status not in ("open", *CaseStatus.values):
        raise HttpError(
            400,
            _("status must be open or one of %(choices)s")
            % {"choices": ", ".join(CaseStatus.values)},
        )
    qs = case_list(
        workspace=request.workspace,
        scope=request.scope,
        user_id=request.user.pk,
        status=status,
        overdue=overdue,
        unit=unit,
    )
    now = timezone.now()
    return [_out(c, now) for c in qs.prefetch_related("feedback")[: max(1, min(limit, 1000))]]


@router.get("/reaction", response={200: dict, **ERRORS})
def reaction(request: HttpRequest):
    """Time to first reaction and to closure (median, p90, n), share within the deadline
    (with its interval), and retention and next score of handled vs matched not-handled
    customers (difference, 95% interval, n)."""
    times, outcome = reaction_report(
        workspace=request.workspace,
        scope=request.scope,
        user_id=request.user.pk,
        now=timezone.now(),
    )
    return {"times": times.as_dict(), "outcome": outcome.as_dict() if outcome else None}


@router.get("/groups", response={200: list[dict], **ERRORS})
def groups(request: HttpRequest):
    """Cases of the last 90 days grouped by root cause: theme, touchpoint, seam."""
    visible = case_list(workspace=request.workspace, scope=request.scope, user_id=request.user.pk)
    return [
        {
            "kind": g.kind,
            "key": g.key,
            "label": g.label,
            "cases": g.case_ids,
            "open": g.n_open,
            "late": g.n_late,
        }
        for g in case_groups(visible, workspace=request.workspace)
    ]


@router.get("/{int:pk}", response={200: CaseDetailOut, **ERRORS})
def case(request: HttpRequest, pk: int):
    return _detail(_get(request, pk))


@router.post("", response={201: CaseDetailOut, **ERRORS})
def case_add(request: HttpRequest, body: CaseIn):
    """Open a case by hand; without an owner the routing rules choose one."""
    _may_act(request)
    try:
        c = case_open(
            workspace=request.workspace,
            title=body.title,
            customer_id=body.customer_id,
            touchpoint_code=body.touchpoint,
            unit_code=body.unit,
            employee_code=body.employee,
            theme=body.theme,
            segment=body.segment,
            text=body.text,
            owner_unit=_unit(request, body.owner_unit),
            owner_user=_member(request, body.owner),
            created_by=request.user,
        )
    except InvalidInputError as exc:
        raise HttpError(400, str(exc)) from exc
    return Status(201, _detail(c))


@router.patch("/{int:pk}", response={200: CaseDetailOut, **ERRORS})
def case_update(request: HttpRequest, pk: int, body: CasePatch):
    """Change the status, resolve (``status`` resolved or closed with a ``resolution``),
    or reassign (``owner_unit``, ``owner``)."""
    _may_act(request)
    c = _get(request, pk)
    try:
        if body.owner_unit or body.owner:
            case_assign(
                case=c,
                by=request.user,
                owner_unit=_unit(request, body.owner_unit),
                owner_user=_member(request, body.owner),
            )
        if body.status in ("resolved", "closed"):
            case_resolve(
                case=c,
                by=request.user,
                resolution=body.resolution or "",
                close=body.status == "closed",
            )
        elif body.status:
            case_set_status(case=c, by=request.user, status=body.status)
    except InvalidInputError as exc:
        raise HttpError(400, str(exc)) from exc
    c.refresh_from_db()
    return _detail(c)


@router.post("/{int:pk}/notes", response={201: CaseDetailOut, **ERRORS})
def note_add(request: HttpRequest, pk: int, body: NoteIn):
    _may_act(request)
    c = _get(request, pk)
    try:
        case_note(case=c, by=request.user, text=body.text)
    except InvalidInputError as exc:
        raise HttpError(400, str(exc)) from exc
    c.refresh_from_db()
    return Status(201, _detail(c))


@router.post("/{int:pk}/contacts", response={201: CaseDetailOut, **ERRORS})
def contact_add(request: HttpRequest, pk: int, body: ContactIn):
    """Log a contact with the customer: channel phone, email, message or meeting."""
    _may_act(request)
    c = _get(request, pk)
    try:
        case_contact(case=c, by=request.user, channel=body.channel, text=body.text)
    except InvalidInputError as exc:
        raise HttpError(400, str(exc)) from exc
    c.refresh_from_db()
    return Status(201, _detail(c))


class WebhookOut(Schema):
    id: int
    url: str
    format: str
    events: list[str]
    active: bool


class WebhookTestOut(Schema):
    delivery_id: int
    sent: bool
    response_code: int | None
    error: str


def _may_configure(request: HttpRequest) -> None:
    if request.membership.role not in (Role.ADMIN, Role.CX_MANAGER):
        raise HttpError(403, _("only administrators and CX managers may manage webhooks"))


@router.get("/webhooks", response={200: list[WebhookOut], **ERRORS})
def webhooks(request: HttpRequest):
    """The workspace's webhook endpoints (their secrets are shown only on the settings page)."""
    _may_configure(request)
    return [
        {
            "id": ep.pk,
            "url": ep.url,
            "format": ep.format,
            "events": [e for e in ep.events.split(",") if e],
            "active": ep.active,
        }
        for ep in WebhookEndpoint.objects.filter(workspace=request.workspace)
    ]


@router.post("/webhooks/{int:pk}/test", response={200: WebhookTestOut, **ERRORS})
def webhook_test_send(request: HttpRequest, pk: int):
    """Send a signed test payload to the endpoint now; the answer is its HTTP status or the
    error (a receiver that fails still gives 200 here, with ``sent`` false)."""
    _may_configure(request)
    try:
        d = webhook_test(workspace=request.workspace, pk=pk)
    except InvalidInputError as exc:
        raise HttpError(404, str(exc)) from exc
    return {
        "delivery_id": d.pk,
        "sent": d.status == DeliveryStatus.SENT,
        "response_code": d.response_code,
        "error": d.last_error,
    }
