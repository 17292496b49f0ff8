"""Writes for cases: open (by hand or from feedback), react, note, log a contact, resolve, escalate.

Every write is one transaction, and the notifications it causes are written into the outbox in
that same transaction (cxray.web.notifications): the worker sends them, never the request.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxray.analytics.anonymity import EMPLOYEE_METRICS
from cxray.analytics.reaction import is_low_score
from cxray.errors import InvalidInputError
from cxray.web.cases.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseFeedback,
    CaseReason,
    CaseSettings,
    CaseStatus,
    ContactChannel,
    EventKind,
    RoutingRule,
)
from cxray.web.cases.routing import CaseFacts, owner_for, unit_manager
from cxray.web.cases.selectors import case_settings_get
from cxray.web.people.models import Employee, Unit
from cxray.web.row_insert import rows_insert
from cxray.web.surveys.models import SurveyResponse
from cxray.web.workspaces.models import Workspace

log = logging.getLogger(__name__)

MAX_TEXT = 5000
TITLE_CHARS = 120

# Messages used in more than one place; read in the language of the request that raised them.
_OTHER_UNIT = gettext_lazy("unit %(code)s belongs to another workspace")
_NOT_MEMBER = gettext_lazy("user %(user)s is not a member of workspace %(workspace)s")
# Whole sentences per kind of text, so that a translation need not glue words together.
_EMPTY_TEXT = {
    "note": gettext_lazy("the note is empty; write what was done or said"),
    "contact summary": gettext_lazy("the contact summary is empty; write what was done or said"),
    "resolution": gettext_lazy("the resolution is empty; write what was done or said"),
}
_LONG_TEXT = {
    "note": gettext_lazy("the note is longer than %(n)s characters; shorten it"),
    "contact summary": gettext_lazy(
        "the contact summary is longer than %(n)s characters; shorten it"
    ),
    "resolution": gettext_lazy("the resolution is longer than %(n)s characters; shorten it"),
}


# --- settings and routing rules ------------------------------------------------------------
def case_settings_update(*, workspace: Workspace, **fields: Any) -> CaseSettings:
    allowed = {"reaction_hours", "open_on_low_score", "open_on_negative_comment", "escalate"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInputError(
            _("unknown case settings: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    hours = fields.get("reaction_hours")
    if hours is not None and not 1 <= int(hours) <= 24 * 60:
        raise InvalidInputError(_("the reaction deadline must be from 1 hour to 60 days (1440 h)"))
    obj, _created = CaseSettings.objects.get_or_create(workspace=workspace)
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save()
    return obj


def routing_rule_create(*, workspace: Workspace, **fields: Any) -> RoutingRule:
    """A rule: conditions (touchpoint_code, unit, segment, theme, min_value_at_risk) → owner."""
    allowed = {
        "position",
        "touchpoint_code",
        "unit",
        "segment",
        "theme",
        "min_value_at_risk",
        "owner_unit",
        "owner_user",
        "active",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInputError(
            _("unknown routing rule fields: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    if fields.get("owner_unit") is None and fields.get("owner_user") is None:
        raise InvalidInputError(_("a routing rule needs an owner unit or an owner user"))
    for key in ("unit", "owner_unit"):
        unit = fields.get(key)
        if unit is not None and unit.workspace_id != workspace.pk:
            raise InvalidInputError(_OTHER_UNIT % {"code": repr(unit.code)})
    user = fields.get("owner_user")
    if user is not None and not user.memberships.filter(workspace=workspace).exists():
        raise InvalidInputError(_NOT_MEMBER % {"user": user, "workspace": repr(workspace.slug)})
    if "position" not in fields:
        last = RoutingRule.objects.filter(workspace=workspace).order_by("-position").first()
        fields["position"] = (last.position + 1) if last else 1
    return RoutingRule.objects.create(workspace=workspace, **fields)


def routing_rule_delete(*, workspace: Workspace, pk: int) -> None:
    deleted, _n = RoutingRule.objects.filter(workspace=workspace, pk=pk).delete()
    if not deleted:
        raise InvalidInputError(_("no routing rule %(pk)s in this workspace") % {"pk": pk})


# --- opening -------------------------------------------------------------------------------
def _deadline(workspace: Workspace, now: datetime) -> datetime:
    return now + timedelta(hours=case_settings_get(workspace=workspace).reaction_hours)


def case_open(
    *,
    workspace: Workspace,
    title: str,
    reason: str = CaseReason.MANUAL,
    response: SurveyResponse | None = None,
    customer_id: str = "",
    touchpoint_code: str = "",
    unit_code: str = "",
    employee_code: str = "",
    segment: str = "",
    theme: str = "",
    metric: str = "",
    score: int | None = None,
    value_at_risk: Decimal | None = None,
    owner_unit: Unit | None = None,
    owner_user: AbstractBaseUser | None = None,
    created_by: AbstractBaseUser | None = None,
    text: str = "",
    now: datetime | None = None,
) -> Case:
    """Open a case, routed to its owner unless one is given, with the reaction deadline."""
    now = now or timezone.now()
    title = (title or "").strip()[:300]
    if not title:
        raise InvalidInputError(_("a case needs a title (what happened, in a few words)"))
    if reason not in CaseReason.values:
        raise InvalidInputError(
            _("reason %(reason)s is not one of %(choices)s")
            % {"reason": repr(reason), "choices": ", ".join(CaseReason.values)}
        )
    for obj in (owner_unit,):
        if obj is not None and obj.workspace_id != workspace.pk:
            raise InvalidInputError(_("%(what)s belongs to another workspace") % {"what": obj})
    if owner_user is not None and not owner_user.memberships.filter(workspace=workspace).exists():
        raise InvalidInputError(
            _NOT_MEMBER % {"user": owner_user, "workspace": repr(workspace.slug)}
        )
    if owner_unit is None and owner_user is None:
        routed = owner_for(
            workspace,
            CaseFacts(
                touchpoint_code=touchpoint_code,
                unit_code=unit_code,
                segment=segment,
                theme=theme,
                value_at_risk=value_at_risk,
            ),
        )
        owner_unit, owner_user = routed.unit, routed.user
    elif owner_user is None:
        owner_user = unit_manager(owner_unit)
    employee = (
        Employee.objects.filter(workspace=workspace, code=employee_code).first()
        if employee_code
        else None
    )
    due = _deadline(workspace, now)
    with transaction.atomic():
        case = Case.objects.create(
            workspace=workspace,
            title=title,
            reason=reason,
            response=response,
            customer_id=customer_id[:128],
            segment=segment[:128],
            touchpoint_code=touchpoint_code,
            unit_code=unit_code,
            employee_code=employee_code,
            employee=employee,
            theme=theme[:128],
            metric=metric,
            score=score,
            value_at_risk=value_at_risk,
            owner_unit=owner_unit,
            owner_user=owner_user,
            opened_at=now,
            due_at=due,
            first_due_at=due,
            created_by=created_by,
        )
        if response is not None:
            CaseFeedback.objects.create(case=case, response=response)
        CaseEvent.objects.create(case=case, kind=EventKind.OPENED, text=text[:MAX_TEXT], at=now)
        from cxray.web.notifications.services import notify_case_opened

        notify_case_opened(case)
    return case


@dataclass(frozen=True)
class FeedbackItem:
    """One piece of feedback checked for a case: a stored survey answer or an imported row."""

    metric: str
    score: float | None
    comment: str = ""
    follow_up: str = ""
    customer_id: str = ""
    touchpoint_code: str = ""
    unit_code: str = ""
    employee_code: str = ""
    name: str = ""  # the title when there is neither a low score nor a comment

    @classmethod
    def of_response(cls, response: SurveyResponse) -> FeedbackItem:
        return cls(
            metric=response.survey.type,
            score=response.score,
            comment=response.comment or "",
            follow_up=response.follow_up or "",
            customer_id=response.customer_id,
            touchpoint_code=response.touchpoint_code,
            unit_code=response.unit_code,
            employee_code=response.employee_code,
            name=response.survey.name,
        )

    @property
    def text(self) -> str:
        return "\n".join(t for t in (self.comment, self.follow_up) if t)

    @property
    def score_shown(self) -> str:
        s = self.score
        return "" if s is None else str(int(s)) if float(s).is_integer() else f"{s:g}"


def text_facts(texts: list[str]) -> list[tuple[bool, str]]:
    """(negative, first theme) of each text, analysed in one batch; blanks for no text."""
    out: list[tuple[bool, str]] = [(False, "")] * len(texts)
    todo = [i for i, t in enumerate(texts) if t]
    if todo:
        from cxray.text import analyze

        for i, result in zip(todo, analyze([texts[i] for i in todo]), strict=True):
            theme = result.themes[0].theme if result.themes else ""
            out[i] = (result.sentiment.label == "negative", theme)
    return out


def _title_for(item: FeedbackItem, low: bool) -> str:
    text = (item.comment or item.follow_up or "").strip().replace("\n", " ")
    lead = f"{item.metric.upper()} {item.score_shown}" if low else ""
    body = text[:TITLE_CHARS] + ("…" if len(text) > TITLE_CHARS else "")
    return " · ".join(p for p in (lead, body) if p) or lead or item.name or item.metric.upper()


VALUE_DAYS = 365  # value at risk of one customer: their revenue over the last year


def customer_facts(
    workspace: Workspace, customer_id: str, now: datetime
) -> tuple[str, Decimal | None]:
    """(segment, revenue over the last VALUE_DAYS) of one customer, from the analytics store.

    Read only when a routing rule needs it: it waits for the store's lock, which the intake
    should not do for nothing. A busy or failing store gives blanks (the case still opens).
    """
    from cxray.web.analytics_store import analytics

    try:
        with analytics() as store:
            c = store.table("customers", workspace.slug)
            rows = (
                c.filter(c.customer_id == customer_id)
                .select("segment")
                .limit(1)
                .to_pyarrow()
                .to_pylist()
            )
            t = store.table("transactions", workspace.slug)
            since = timezone.localtime(now).replace(tzinfo=None) - timedelta(days=VALUE_DAYS)
            total = (
                t.filter((t.customer_id == customer_id) & (t.at >= since)).amount.sum().execute()
            )
    except Exception:
        log.warning("customer facts for routing unavailable for %s", customer_id, exc_info=True)
        return "", None
    segment = (rows[0]["segment"] or "") if rows else ""
    value = None if total is None or total != total else Decimal(str(round(float(total), 2)))
    return segment, value


def workspaces_needing_facts(workspace_ids: Collection[int]) -> set[int]:
    """The workspaces among these with an active routing rule on a customer's segment or
    value at risk: facts that only the analytics store has."""
    return set(
        RoutingRule.objects.filter(workspace_id__in=workspace_ids, active=True)
        .exclude(segment="", min_value_at_risk__isnull=True)
        .values_list("workspace_id", flat=True)
        .distinct()
    )


def _needs_customer_facts(workspace: Workspace) -> bool:
    return workspace.pk in workspaces_needing_facts({workspace.pk})


def case_open_for_feedback(
    *,
    workspace: Workspace,
    item: FeedbackItem,
    facts: tuple[bool, str] | None = None,
    response: SurveyResponse | None = None,
    now: datetime | None = None,
) -> tuple[Case | None, bool]:
    """Open (or join) a case if the feedback is a low score or a negative comment.

    The one rule for live answers and imported rows. A second piece of feedback from the same
    customer about the same touchpoint or theme joins their open case instead of opening
    another one. Employees' answers (eNPS, internal NPS) never open a case: they are
    anonymous and seen only as groups. ``facts`` is the text's (negative, first theme) when
    the caller analysed a batch already. Returns the case (None: no case) and whether the
    feedback joined an open case.
    """
    if item.metric in EMPLOYEE_METRICS:
        return None, False
    settings = case_settings_get(workspace=workspace)
    negative, theme = facts if facts is not None else text_facts([item.text])[0]
    low = is_low_score(item.metric, item.score) and settings.open_on_low_score
    negative = negative and settings.open_on_negative_comment
    if not (low or negative):
        return None, False
    now = now or timezone.now()
    segment, value = "", None
    if item.customer_id and _needs_customer_facts(workspace):
        segment, value = customer_facts(workspace, item.customer_id, now)
    with transaction.atomic():
        twin = _open_twin(workspace, item.customer_id, item.touchpoint_code, theme)
        if twin is not None:
            if response is not None:
                CaseFeedback.objects.create(case=twin, response=response)
            CaseEvent.objects.create(
                case=twin,
                kind=EventKind.JOINED,
                text=(item.comment or item.follow_up or item.score_shown)[:MAX_TEXT],
                at=now,
            )
            return twin, True
        case = case_open(
            workspace=workspace,
            title=_title_for(item, low),
            reason=CaseReason.LOW_SCORE if low else CaseReason.NEGATIVE_COMMENT,
            response=response,
            customer_id=item.customer_id,
            touchpoint_code=item.touchpoint_code,
            unit_code=item.unit_code,
            employee_code=item.employee_code,
            segment=segment,
            value_at_risk=value,
            theme=theme,
            metric=item.metric,
            score=None if item.score is None else round(item.score),
            text="\n\n".join(t for t in (item.comment, item.follow_up) if t),
            now=now,
        )
        return case, False


def case_open_for_response(*, response: SurveyResponse, now: datetime | None = None) -> Case | None:
    """Open (or join) the case of a stored survey answer (see ``case_open_for_feedback``).

    Runs once per response: a response already linked to a case returns that case.
    """
    linked = CaseFeedback.objects.filter(response=response).select_related("case").first()
    case = linked.case if linked is not None else None
    if case is None and response.survey.type not in EMPLOYEE_METRICS:
        case, _joined = case_open_for_feedback(
            workspace=response.workspace,
            item=FeedbackItem.of_response(response),
            response=response,
            now=now,
        )
    _mark_checked([response.pk], now or timezone.now())
    return case


def _mark_checked(response_ids: list[int], now: datetime) -> None:
    SurveyResponse.objects.filter(pk__in=response_ids, case_checked_at__isnull=True).update(
        case_checked_at=now
    )


def _open_twin(ws: Workspace, customer_id: str, touchpoint_code: str, theme: str) -> Case | None:
    if not customer_id or not (touchpoint_code or theme):
        return None
    same = Case.objects.filter(workspace=ws, customer_id=customer_id, status__in=OPEN_STATUSES)
    if touchpoint_code:
        twin = same.filter(touchpoint_code=touchpoint_code).order_by("opened_at").first()
        if twin is not None:
            return twin
    if theme:
        return same.filter(theme=theme).order_by("opened_at").first()
    return None


def case_intake_response(response_id: int) -> bool:
    """Open (or join) the case of one stored answer; never raises, so it cannot break an
    answer. False when it failed (logged); the caller may retry, and the worker's
    ``cases_intake`` job picks the answer up anyway."""
    try:
        response = SurveyResponse.objects.select_related("survey", "workspace").get(pk=response_id)
        case_open_for_response(response=response)
    except Exception:
        log.exception("opening a case for survey response %s failed", response_id)
        return False
    return True


def case_intake_responses(response_ids: list[int], *, now: datetime | None = None) -> bool:
    """``case_intake_response`` for many answers at once (the intake's queue under load):
    the same rule and the same cases, at a fraction of the cost. Never raises; False when the
    batch failed (logged, nothing of it written): the caller then goes one answer at a time.
    """
    try:
        _intake_batch(response_ids, now=now)
    except IntegrityError:
        # The worker's job linked one of the answers meanwhile: its case stands, and the
        # caller's one-by-one pass skips it.
        log.info("one of %s survey responses was linked to a case meanwhile", len(response_ids))
        return False
    except Exception:
        log.exception("opening cases for %s survey responses failed", len(response_ids))
        return False
    return True


@dataclass
class _Intake:
    """One answer of a batch that opens or joins a case."""

    response: SurveyResponse
    item: FeedbackItem
    low: bool
    theme: str
    segment: str = ""
    value: Decimal | None = None
    case: Case | None = None  # the case it opened or joined


def _intake_batch(response_ids: list[int], *, now: datetime | None) -> int:
    """Open or join the cases of the answers, as ``case_open_for_feedback`` would one by one,
    in pk order: reads once per batch (settings, routing, employees, open cases of the
    customers), one ``analyze`` call for all texts, one transaction with one INSERT per table.
    Returns the number of answers that opened or joined a case."""
    from cxray.web.cases.routing import Router
    from cxray.web.notifications.services import notify_cases_opened
    from cxray.web.surveys.services import _intake_write

    responses = [
        r
        for r in SurveyResponse.objects.filter(pk__in=response_ids, case_link__isnull=True)
        .select_related("survey", "workspace")
        .order_by("pk")
        if r.survey.type not in EMPLOYEE_METRICS
    ]
    items = [FeedbackItem.of_response(r) for r in responses]
    facts = text_facts([it.text for it in items])
    settings: dict[int, CaseSettings] = {}
    needs_facts = workspaces_needing_facts({r.workspace_id for r in responses})
    now = now or timezone.now()
    todo: list[_Intake] = []
    for response, item, (negative, theme) in zip(responses, items, facts, strict=True):
        ws = response.workspace
        if ws.pk not in settings:
            settings[ws.pk] = case_settings_get(workspace=ws)
        low = is_low_score(item.metric, item.score) and settings[ws.pk].open_on_low_score
        negative = negative and settings[ws.pk].open_on_negative_comment
        if not (low or negative):
            continue
        one = _Intake(response=response, item=item, low=low, theme=theme)
        if item.customer_id and ws.pk in needs_facts:
            one.segment, one.value = customer_facts(ws, item.customer_id, now)
        todo.append(one)
    if not todo:
        with _intake_write():
            _mark_checked(response_ids, now)
        return 0
    # Owners and employees are read before the write lock is taken: they do not depend on
    # which answers join a case, only on each answer's facts.
    routers: dict[int, Router] = {}
    owners = []
    for one in todo:
        ws = one.response.workspace
        router = routers.setdefault(ws.pk, Router(ws))
        owners.append(
            router.owner(
                CaseFacts(
                    touchpoint_code=one.item.touchpoint_code,
                    unit_code=one.item.unit_code,
                    segment=one.segment,
                    theme=one.theme,
                    value_at_risk=one.value,
                )
            )
        )
    employees = {
        (e.workspace_id, e.code): e
        for e in Employee.objects.filter(
            workspace_id__in={one.response.workspace_id for one in todo},
            code__in={one.item.employee_code for one in todo if one.item.employee_code},
        )
    }
    customers = {(one.response.workspace_id, one.item.customer_id) for one in todo}
    # The answers' own write lock (SQLite): the batch queues behind the answers in Python
    # instead of meeting them at SQLite's lock, whose busy wait sleeps up to 100 ms a try.
    with _intake_write(), transaction.atomic():
        # The customers' open cases, oldest first, as ``_open_twin`` reads them one by one;
        # a case this batch opens is appended, so a later answer of the batch joins it.
        open_cases: dict[tuple[int, str], list[Case]] = {}
        for case in Case.objects.filter(
            workspace_id__in={ws for ws, _c in customers},
            customer_id__in={c for _ws, c in customers if c},
            status__in=OPEN_STATUSES,
        ).order_by("opened_at", "pk"):
            open_cases.setdefault((case.workspace_id, case.customer_id), []).append(case)
        opened: list[Case] = []
        events: list[tuple[Case, CaseEvent]] = []
        for one, owner in zip(todo, owners, strict=True):
            item, ws = one.item, one.response.workspace
            twin = _twin_of(open_cases.get((ws.pk, item.customer_id), []), item, one.theme)
            if twin is not None:
                one.case = twin
                text = (item.comment or item.follow_up or item.score_shown)[:MAX_TEXT]
                events.append((twin, CaseEvent(kind=EventKind.JOINED, text=text, at=now)))
                continue
            due = now + timedelta(hours=settings[ws.pk].reaction_hours)
            one.case = Case(
                workspace=ws,
                title=_title_for(item, one.low).strip()[:300],
                reason=CaseReason.LOW_SCORE if one.low else CaseReason.NEGATIVE_COMMENT,
                response=one.response,
                customer_id=item.customer_id[:128],
                segment=one.segment[:128],
                touchpoint_code=item.touchpoint_code,
                unit_code=item.unit_code,
                employee_code=item.employee_code,
                employee=employees.get((ws.pk, item.employee_code)) if item.employee_code else None,
                theme=one.theme[:128],
                metric=item.metric,
                score=None if item.score is None else round(item.score),
                value_at_risk=one.value,
                owner_unit=owner.unit,
                owner_user=owner.user,
                opened_at=now,
                due_at=due,
                first_due_at=due,
            )
            opened.append(one.case)
            if item.customer_id and (item.touchpoint_code or one.theme):
                open_cases.setdefault((ws.pk, item.customer_id), []).append(one.case)
            text = "\n\n".join(t for t in (item.comment, item.follow_up) if t)[:MAX_TEXT]
            events.append((one.case, CaseEvent(kind=EventKind.OPENED, text=text, at=now)))
        rows_insert(opened)
        rows_insert([CaseFeedback(case=one.case, response=one.response) for one in todo])
        for case, event in events:
            event.case = case  # now that the new cases have their ids
        rows_insert([event for _case, event in events])
        notify_cases_opened(opened)
        _mark_checked(response_ids, now)
    return len(todo)


def _twin_of(open_cases: list[Case], item: FeedbackItem, theme: str) -> Case | None:
    """``_open_twin`` over the customer's open cases, oldest first, read once per batch."""
    if not item.customer_id or not (item.touchpoint_code or theme):
        return None
    if item.touchpoint_code:
        for case in open_cases:
            if case.touchpoint_code == item.touchpoint_code:
                return case
    if theme:
        for case in open_cases:
            if case.theme == theme:
                return case
    return None


# --- reacting ------------------------------------------------------------------------------
def _react(case: Case, by: AbstractBaseUser | None, now: datetime) -> None:
    """A person's first action on a case is its reaction; a new case moves to in progress."""
    changed = []
    if case.first_reaction_at is None:
        case.first_reaction_at = now
        changed.append("first_reaction_at")
    if case.status == CaseStatus.NEW:
        case.status = CaseStatus.IN_PROGRESS
        changed.append("status")
    if changed:
        case.save(update_fields=changed)


def _text(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInputError(str(_EMPTY_TEXT[what]))
    if len(text) > MAX_TEXT:
        raise InvalidInputError(_LONG_TEXT[what] % {"n": MAX_TEXT})
    return text


def case_note(
    *, case: Case, by: AbstractBaseUser | None, text: str, now: datetime | None = None
) -> CaseEvent:
    now = now or timezone.now()
    text = _text(text, "note")
    with transaction.atomic():
        _react(case, by, now)
        return CaseEvent.objects.create(case=case, kind=EventKind.NOTE, text=text, by=by, at=now)


def case_contact(
    *,
    case: Case,
    by: AbstractBaseUser | None,
    channel: str,
    text: str,
    now: datetime | None = None,
) -> CaseEvent:
    """Log a contact with the customer (a call, a message, a meeting) and what was said."""
    if channel not in ContactChannel.values:
        raise InvalidInputError(
            _("contact channel %(channel)s is not one of %(choices)s")
            % {"channel": repr(channel), "choices": ", ".join(ContactChannel.values)}
        )
    now = now or timezone.now()
    text = _text(text, "contact summary")
    with transaction.atomic():
        _react(case, by, now)
        return CaseEvent.objects.create(
            case=case, kind=EventKind.CONTACT, channel=channel, text=text, by=by, at=now
        )


def case_set_status(
    *, case: Case, by: AbstractBaseUser | None, status: str, now: datetime | None = None
) -> Case:
    if status not in CaseStatus.values:
        raise InvalidInputError(
            _("status %(status)s is not one of %(choices)s")
            % {"status": repr(status), "choices": ", ".join(CaseStatus.values)}
        )
    if status in DONE_STATUSES:
        raise InvalidInputError(_("to resolve or close a case, give its resolution (case_resolve)"))
    now = now or timezone.now()
    with transaction.atomic():
        _react(case, by, now)
        if case.status != status:
            old = case.status
            case.status = status
            case.resolved_at = case.closed_at = None
            case.save(update_fields=["status", "resolved_at", "closed_at"])
            CaseEvent.objects.create(
                case=case, kind=EventKind.STATUS, text=f"{old} → {status}", by=by, at=now
            )
    return case


def case_resolve(
    *,
    case: Case,
    by: AbstractBaseUser | None,
    resolution: str,
    close: bool = False,
    now: datetime | None = None,
) -> Case:
    """Record what was done; ``close`` also closes the case (nothing more to follow up)."""
    now = now or timezone.now()
    resolution = _text(resolution, "resolution")
    with transaction.atomic():
        _react(case, by, now)
        case.resolution = resolution
        case.status = CaseStatus.CLOSED if close else CaseStatus.RESOLVED
        case.resolved_at = case.resolved_at or now
        if close:
            case.closed_at = now
        case.save(update_fields=["resolution", "status", "resolved_at", "closed_at"])
        CaseEvent.objects.create(case=case, kind=EventKind.RESOLVED, text=resolution, by=by, at=now)
    return case


def case_assign(
    *,
    case: Case,
    by: AbstractBaseUser | None,
    owner_unit: Unit | None = None,
    owner_user: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> Case:
    ws = case.workspace
    if owner_unit is not None and owner_unit.workspace_id != ws.pk:
        raise InvalidInputError(_OTHER_UNIT % {"code": repr(owner_unit.code)})
    if owner_user is not None and not owner_user.memberships.filter(workspace=ws).exists():
        raise InvalidInputError(_NOT_MEMBER % {"user": owner_user, "workspace": repr(ws.slug)})
    now = now or timezone.now()
    with transaction.atomic():
        case.owner_unit = owner_unit or case.owner_unit
        case.owner_user = owner_user or unit_manager(owner_unit) or case.owner_user
        case.save(update_fields=["owner_unit", "owner_user"])
        who = ", ".join(str(x) for x in (case.owner_unit, case.owner_user) if x)
        CaseEvent.objects.create(case=case, kind=EventKind.ASSIGNED, text=who, by=by, at=now)
        from cxray.web.notifications.services import notify_case_assigned

        notify_case_assigned(case)
    return case


# --- escalation (the worker's job) ---------------------------------------------------------
def cases_escalate_overdue(*, now: datetime | None = None) -> list[Case]:
    """Move every case past its deadline without a reaction one unit up, with a new deadline.

    Safe to run any number of times: an escalated case gets a new deadline, so it is not
    escalated again until that one is missed too, and its notification has a unique key.
    """
    now = now or timezone.now()
    escalated = []
    due = Case.objects.filter(
        status__in=OPEN_STATUSES, first_reaction_at__isnull=True, due_at__lt=now
    ).select_related("workspace", "owner_unit__parent")
    for case in due:
        settings = case_settings_get(workspace=case.workspace)
        if not settings.escalate:
            continue
        with transaction.atomic():
            # Re-read under the lock: another worker may have escalated it meanwhile.
            fresh = (
                Case.objects.select_for_update()
                .filter(pk=case.pk, first_reaction_at__isnull=True, due_at__lt=now)
                .first()
            )
            if fresh is None:
                continue
            parent = case.owner_unit.parent if case.owner_unit else None
            before = ", ".join(str(x) for x in (case.owner_unit, case.owner_user) if x) or "—"
            if parent is not None:
                fresh.owner_unit = parent
                fresh.owner_user = unit_manager(parent)
            else:
                # The top of the hierarchy: the workspace's CX managers and admins get it.
                fresh.owner_user = None
            fresh.escalation_level += 1
            fresh.escalated_at = now
            fresh.due_at = now + timedelta(hours=settings.reaction_hours)
            fresh.save(
                update_fields=[
                    "owner_unit",
                    "owner_user",
                    "escalation_level",
                    "escalated_at",
                    "due_at",
                ]
            )
            after = ", ".join(str(x) for x in (fresh.owner_unit, fresh.owner_user) if x) or "—"
            CaseEvent.objects.create(
                case=fresh, kind=EventKind.ESCALATED, text=f"{before} → {after}", at=now
            )
            from cxray.web.notifications.services import notify_case_escalated

            notify_case_escalated(fresh)
        escalated.append(fresh)
    return escalated


# Answers older than this are history, not a customer waiting for a reaction: the intake job
# does not open cases for them (a first worker run on an old database opens none).
INTAKE_HORIZON = timedelta(days=7)
# Each run looks back this far before its bookmark: a transaction that took a lower id may
# commit after a higher one was read (PostgreSQL), so a highest-id bookmark could skip it.
# Looking again is harmless: a response already linked to a case returns that case.
INTAKE_OVERLAP = timedelta(minutes=10)


def cases_intake(*, since: datetime | None, now: datetime | None = None) -> int:
    """Open cases for the survey responses stored since ``since`` (the worker's safety net for
    answers the intake hook missed); return how many responses were looked at."""
    now = now or timezone.now()
    start = now - INTAKE_HORIZON
    if since is not None:
        start = max(start, since - INTAKE_OVERLAP)
    n = 0
    for response in (
        SurveyResponse.objects.filter(created_at__gte=start, created_at__lte=now)
        # Checked or linked by the intake already: at hundreds of answers a second the window
        # holds tens of thousands of answers, nearly all checked.
        .filter(case_checked_at__isnull=True, case_link__isnull=True)
        .select_related("survey", "workspace")
        .order_by("pk")
        .iterator(chunk_size=500)
    ):
        try:
            case_open_for_response(response=response)
        except IntegrityError:
            # The intake hook linked this answer between our read and our write: its case
            # stands, and each answer's case was written in its own transaction.
            log.info("survey response %s was linked to a case meanwhile", response.pk)
        n += 1
    return n
