"""Writes for surveys: create, publish, close, submit a response, sync to the analytics store."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyarrow as pa
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxray.analytics.anonymity import EMPLOYEE_METRICS, RESPONDENT_UNIT_PREFIX
from cxray.analytics.schema import TABLES
from cxray.errors import InvalidInputError
from cxray.web.journeys.models import Touchpoint
from cxray.web.people.models import Employee, Unit
from cxray.web.row_insert import row_insert
from cxray.web.surveys.models import (
    LANGUAGES,
    Channel,
    Invitation,
    InvitationStatus,
    Survey,
    SurveyResponse,
    SurveyStatus,
    SurveyType,
)
from cxray.web.workspaces.models import Workspace

log = logging.getLogger(__name__)

MAX_COMMENT = 5000
MAX_KEY = 64
SYNC_BATCH = 5000
WORDING_FIELDS = tuple(f"{kind}_{lang}" for kind in ("question", "follow_up") for lang in LANGUAGES)


class ResponseRejected(InvalidInputError):
    """A respondent's answer that cannot be stored; the message is shown in their language.

    The message stays lazy until ``str()``: the view renders it under the respondent's
    language, the API under the server's.
    """

    def __init__(self, message: Any, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


class SurveyNotOpen(ResponseRejected):
    """The survey is closed (410 on the public page)."""


class AlreadyAnswered(ResponseRejected):
    """A personal link was answered more than EDIT_WINDOW ago (one response per link)."""


# An answer through a personal link may be changed this long after it was first given.
EDIT_WINDOW = timedelta(hours=24)


# --- surveys -------------------------------------------------------------------------------
def _check_owner(
    *, workspace: Workspace, owner_user: AbstractBaseUser | None, owner_employee: Employee | None
) -> None:
    if owner_employee is not None and owner_employee.workspace_id != workspace.pk:
        raise InvalidInputError(f"employee {owner_employee.code!r} belongs to another workspace")
    if owner_user is not None and not owner_user.memberships.filter(workspace=workspace).exists():
        raise InvalidInputError(
            f"user {owner_user} is not a member of workspace {workspace.slug!r}"
        )


def _check_context(
    *,
    workspace: Workspace,
    touchpoint: Touchpoint | None,
    unit: Unit | None,
    employee: Employee | None,
) -> None:
    for obj in (touchpoint, unit, employee):
        if obj is not None and obj.workspace_id != workspace.pk:
            raise InvalidInputError(f"{obj} belongs to another workspace")


def survey_create(
    *,
    workspace: Workspace,
    name: str,
    type: str = SurveyType.NPS,
    purpose: str = "",
    owner_user: AbstractBaseUser | None = None,
    owner_employee: Employee | None = None,
    touchpoint: Touchpoint | None = None,
    unit: Unit | None = None,
    employee: Employee | None = None,
    competitor: str = "",
    **wording: str,
) -> Survey:
    """A new draft survey. ``wording`` takes question_ru … follow_up_en (blank = default);
    ``competitor`` adds "How would you rate <competitor> on the same?"."""
    if type not in SurveyType.values:
        raise InvalidInputError(
            f"survey type {type!r} is not one of {', '.join(SurveyType.values)}"
        )
    if not name.strip():
        raise InvalidInputError("a survey needs a name")
    unknown = set(wording) - set(WORDING_FIELDS)
    if unknown:
        raise InvalidInputError(f"unknown wording fields: {', '.join(sorted(unknown))}")
    _check_owner(workspace=workspace, owner_user=owner_user, owner_employee=owner_employee)
    _check_context(workspace=workspace, touchpoint=touchpoint, unit=unit, employee=employee)
    competitor = _check_competitor(type, competitor)
    return Survey.objects.create(
        workspace=workspace,
        name=name.strip(),
        type=type,
        purpose=purpose.strip(),
        owner_user=owner_user,
        owner_employee=owner_employee,
        touchpoint=touchpoint,
        unit=unit,
        employee=employee,
        competitor=competitor,
        **wording,
    )


def _check_competitor(type: str, competitor: str | None) -> str:
    name = (competitor or "").strip()
    if name and type in EMPLOYEE_METRICS:
        raise InvalidInputError(
            f"a {type} survey cannot ask about a competitor: employees rate their own "
            "company; leave the competitor empty or choose a customer survey type"
        )
    if name.lower() in ("own", "best_anywhere"):
        raise InvalidInputError(
            f"{name!r} is reserved in the competitors comparison; give the competitor's name"
        )
    if len(name) > 200:
        raise InvalidInputError("the competitor's name is longer than 200 characters")
    return name


def survey_update(*, survey: Survey, **fields: Any) -> Survey:
    """Change a survey's name, purpose, owner, wording or default context.

    The type of a survey that has responses is fixed: its scores would change meaning.
    """
    allowed = {
        "name",
        "type",
        "purpose",
        "owner_user",
        "owner_employee",
        "touchpoint",
        "unit",
        "employee",
        "competitor",
        *WORDING_FIELDS,
    }
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInputError(f"cannot change {', '.join(sorted(unknown))} of a survey")
    if "type" in fields and fields["type"] != survey.type and survey.responses.exists():
        raise InvalidInputError(
            "the type of a survey with responses cannot change (its scores would change "
            "meaning); close it and create a new survey"
        )
    ws = survey.workspace
    _check_owner(
        workspace=ws,
        owner_user=fields.get("owner_user"),
        owner_employee=fields.get("owner_employee"),
    )
    _check_context(
        workspace=ws,
        touchpoint=fields.get("touchpoint"),
        unit=fields.get("unit"),
        employee=fields.get("employee"),
    )
    if "type" in fields or "competitor" in fields:
        fields["competitor"] = _check_competitor(
            fields.get("type", survey.type), fields.get("competitor", survey.competitor)
        )
    for key, value in fields.items():
        setattr(survey, key, value.strip() if isinstance(value, str) else value)
    if survey.status == SurveyStatus.PUBLISHED:
        _check_publishable(survey)
    survey.save()
    return survey


def _check_publishable(survey: Survey) -> None:
    missing = []
    if not survey.purpose.strip():
        missing.append("its purpose (the decision it serves)")
    if not (survey.owner_user_id or survey.owner_employee_id):
        missing.append("its owner (a user or an employee)")
    if missing:
        raise InvalidInputError(
            f"survey {survey.name!r} cannot be published without {' and '.join(missing)}: "
            "a survey nobody will act on only tires the people it asks; fill them in and "
            "publish again"
        )


def survey_publish(*, survey: Survey) -> Survey:
    """Open the survey for answers; refused without a purpose and an owner."""
    _check_publishable(survey)
    survey.status = SurveyStatus.PUBLISHED
    survey.published_at = survey.published_at or timezone.now()
    survey.closed_at = None
    survey.save(update_fields=["status", "published_at", "closed_at"])
    return survey


def survey_close(*, survey: Survey) -> Survey:
    """Stop accepting answers; the link then says the survey is closed (410)."""
    survey.status = SurveyStatus.CLOSED
    survey.closed_at = timezone.now()
    survey.save(update_fields=["status", "closed_at"])
    return survey


# --- responses -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ResponseContext:
    """Codes of the workspace's own entities; anything unknown was dropped."""

    touchpoint: str = ""
    unit: str = ""
    employee: str = ""


def context_resolve(
    *, survey: Survey, touchpoint: str = "", unit: str = "", employee: str = ""
) -> ResponseContext:
    """The context of a response: codes from the link if they exist in the survey's own
    workspace (unknown codes are ignored, never looked up elsewhere), else the survey's."""
    ws = survey.workspace_id

    def known(model: Any, code: str) -> str:
        code = (code or "").strip()[:64]
        if code and model.objects.filter(workspace_id=ws, code=code).exists():
            return code
        return ""

    tp = known(Touchpoint, touchpoint) or (survey.touchpoint.code if survey.touchpoint else "")
    un = known(Unit, unit) or (survey.unit.code if survey.unit else "")
    em = known(Employee, employee) or (survey.employee.code if survey.employee else "")
    return ResponseContext(touchpoint=tp, unit=un, employee=em)


def _score(survey: Survey, raw: object) -> int:
    low, high = survey.scale
    if isinstance(raw, bool):
        raw = None
    if isinstance(raw, str):
        raw = raw.strip()
        raw = int(raw) if raw.isdigit() else None
    if not isinstance(raw, int) or not low <= raw <= high:
        if raw is None or raw == "":
            raise ResponseRejected(
                _("Please choose a score from %(low)s to %(high)s."), low=low, high=high
            )
        raise ResponseRejected(
            _("The score must be a whole number from %(low)s to %(high)s."), low=low, high=high
        )
    return raw


def invited_employee(invitation: Invitation | None) -> Employee | None:
    """The employee a personal link was sent to (the contact's email is theirs), if any."""
    if invitation is None or not invitation.contact.email:
        return None
    return (
        Employee.objects.select_related("unit")
        .filter(workspace_id=invitation.workspace_id, email__iexact=invitation.contact.email)
        .order_by("pk")
        .first()
    )


def respondent_units(survey: Survey, rated: str = "") -> list[Unit]:
    """The units a respondent of an internal NPS survey may say they belong to: every unit
    of the workspace but the rated one (a department rating itself is left out anyway)."""
    qs = Unit.objects.filter(workspace_id=survey.workspace_id).order_by("name", "code")
    return list(qs.exclude(code=rated) if rated else qs)


def _respondent(
    survey: Survey, invitation: Invitation | None, respondent_unit: str, context: ResponseContext
) -> tuple[str, str]:
    """(employee code, unit code) of who answered an employee survey; ("", "") otherwise.

    A personal link to an employee names them (and so their unit); otherwise an internal
    NPS answer must say which unit the respondent belongs to, else it rates nobody's
    internal service and the matrix could not use it.
    """
    if survey.type not in EMPLOYEE_METRICS:
        return "", ""
    employee = invited_employee(invitation)
    if employee is not None:
        return employee.code, employee.unit.code
    code = (respondent_unit or "").strip()[:64]
    if code and not Unit.objects.filter(workspace_id=survey.workspace_id, code=code).exists():
        raise ResponseRejected(_("Please choose your department from the list."))
    if survey.type == SurveyType.INTERNAL_NPS:
        if not context.unit:
            raise ResponseRejected(
                _(
                    "This link does not say which department you are rating. "
                    "Please ask for the complete link."
                )
            )
        if not code:
            raise ResponseRejected(_("Please choose your department."))
    return "", code


def _competitor_score(survey: Survey, raw: object) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not survey.competitor:
        raise ResponseRejected(_("This survey does not ask about a competitor."))
    low, high = survey.scale
    if isinstance(raw, str):
        raw = int(raw.strip()) if raw.strip().isdigit() else None
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise ResponseRejected(
            _("The competitor's score must be a whole number from %(low)s to %(high)s."),
            low=low,
            high=high,
        )
    return raw


# SQLite has one write lock, and a writer that finds it taken polls for it with sleeps that
# grow to 100 ms: under a stream of answers, eight server threads polling lost to each other
# until some waited past the 5 s busy timeout ("database is locked", a 500 to the respondent).
# The threads of this process queue here instead and are woken as soon as the one before them
# has committed; only one of them at a time meets the other writers (cases, the sync) at
# SQLite's lock. Not inside an outer transaction (it may hold SQLite's lock already, and
# waiting here for a thread that waits for it would stall both until the busy timeout), and
# not on PostgreSQL, whose row locks let writers go side by side.
# The case checker process (cxray.web.cases.intake) writes its batches under the same lock:
# a file lock beside the database, which a waiter gets the moment it is released, where
# SQLite's polling would have slept on for up to 100 ms with every answer queued behind it.
_intake_lock = threading.Lock()
_intake_files: dict[str, int] = {}


@contextmanager
def _intake_write() -> Iterator[None]:
    connection = transaction.get_connection()
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with _intake_lock:
        if connection.is_in_memory_db():  # one process only (tests)
            yield
            return
        with file_lock(f"{connection.settings_dict['NAME']}.intake-lock"):
            yield


@contextmanager
def file_lock(path: str) -> Iterator[None]:
    """An exclusive lock between processes (``flock``) on ``path``, created if missing; the
    file stays open for the process's next turn. Not between threads: they share the file."""
    fd = _intake_files.get(path)
    if fd is None:
        fd = _intake_files.setdefault(path, os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def response_submit(
    *,
    survey: Survey,
    score: object,
    comment: str = "",
    follow_up: str = "",
    language: str = "",
    channel: str = Channel.LINK,
    context: ResponseContext | None = None,
    customer_id: str = "",
    idempotency_key: str = "",
    invitation: Invitation | None = None,
    respondent_unit: str = "",
    competitor_score: object = None,
) -> tuple[SurveyResponse, bool]:
    """Store one answer; return it and whether it is new.

    ``respondent_unit`` is the unit code the respondent of an internal NPS survey chose
    (required there unless the personal link names an employee); ``competitor_score`` the
    optional rating of the survey's competitor, on the survey's scale.

    The same ``idempotency_key`` (a double click, a retried request, a resent form) returns
    the response stored the first time instead of a second one. A personal link
    (``invitation``) holds one response: answering again within EDIT_WINDOW changes it,
    later is refused.
    """
    if survey.status == SurveyStatus.CLOSED:
        raise SurveyNotOpen(_("This survey is closed. Thank you for wanting to answer."))
    if survey.status != SurveyStatus.PUBLISHED:
        raise SurveyNotOpen(_("This survey is not open yet."))
    value = _score(survey, score)
    comment = (comment or "").strip()
    follow_up = (follow_up or "").strip()
    for text in (comment, follow_up):
        if len(text) > MAX_COMMENT:
            raise ResponseRejected(
                _("Please shorten your answer to %(max)s characters (it has %(n)s)."),
                max=f"{MAX_COMMENT:,}".replace(",", " "),
                n=f"{len(text):,}".replace(",", " "),
            )
    if channel not in Channel.values:
        raise InvalidInputError(f"channel {channel!r} is not one of {', '.join(Channel.values)}")
    key = (idempotency_key or "").strip()
    if len(key) > MAX_KEY:
        raise InvalidInputError(f"the idempotency key is longer than {MAX_KEY} characters")
    if value == survey.scale[1]:
        follow_up = ""  # asked only below the top score
    context = context or ResponseContext()
    rival = _competitor_score(survey, competitor_score)
    respondent_employee, respondent_unit_code = _respondent(
        survey, invitation, respondent_unit, context
    )
    if invitation is not None:
        return _submit_invited(
            survey=survey,
            invitation=invitation,
            fields={
                "score": value,
                "comment": comment,
                "follow_up": follow_up,
                "language": language if language in LANGUAGES else "",
                "competitor_score": rival,
                "respondent_employee_code": respondent_employee,
                "respondent_unit_code": respondent_unit_code,
            },
            channel=channel,
            context=context,
            customer_id=customer_id,
            key=key,
        )
    # No lookup of the key first: nearly every key is new, and the unique constraint on
    # (survey, key) turns a repeat into the IntegrityError below, which returns the first one.
    try:
        with _intake_write(), transaction.atomic():
            response = row_insert(
                SurveyResponse(
                    workspace_id=survey.workspace_id,
                    survey=survey,
                    score=value,
                    comment=comment,
                    follow_up=follow_up,
                    language=language if language in LANGUAGES else "",
                    channel=channel,
                    touchpoint_code=context.touchpoint,
                    unit_code=context.unit,
                    employee_code=context.employee,
                    customer_id=(customer_id or "").strip()[:128],
                    idempotency_key=key,
                    competitor_score=rival,
                    respondent_employee_code=respondent_employee,
                    respondent_unit_code=respondent_unit_code,
                )
            )
    except IntegrityError:
        # A retry, a double click or a concurrent twin stored this key first: return that one.
        existing = (
            SurveyResponse.objects.filter(survey=survey, idempotency_key=key).first()
            if key
            else None
        )
        if existing is None:
            raise
        return existing, False
    workspace_id = survey.workspace_id
    transaction.on_commit(lambda: responses_sync_soon(workspace_id=workspace_id), robust=True)
    transaction.on_commit(lambda: _case_hook(response.pk, workspace_id), robust=True)
    return response, True


def _submit_invited(
    *,
    survey: Survey,
    invitation: Invitation,
    fields: dict[str, Any],
    channel: str,
    context: ResponseContext,
    customer_id: str,
    key: str,
) -> tuple[SurveyResponse, bool]:
    if invitation.survey_id != survey.pk:
        raise InvalidInputError("the invitation belongs to another survey")
    with _intake_write(), transaction.atomic():
        # The lock serialises two answers through one link (a double click, two tabs).
        inv = Invitation.objects.select_for_update().select_related("contact").get(pk=invitation.pk)
        existing = SurveyResponse.objects.filter(invitation=inv).first()
        if existing is not None:
            if timezone.now() - existing.created_at > EDIT_WINDOW:
                raise AlreadyAnswered(_("You have already answered this survey. Thank you!"))
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.synced_at = None  # the analytics copy is replaced on the next sync
            existing.save()
            response, created = existing, False
        else:
            response = SurveyResponse.objects.create(
                workspace_id=survey.workspace_id,
                survey=survey,
                invitation=inv,
                channel=channel,
                touchpoint_code=context.touchpoint,
                unit_code=context.unit,
                employee_code=context.employee,
                customer_id=((customer_id or "").strip() or inv.contact.customer_id)[:128],
                idempotency_key="",
                **fields,
            )
            created = True
            Invitation.objects.filter(pk=inv.pk).update(status=InvitationStatus.ANSWERED)
    workspace_id = survey.workspace_id
    transaction.on_commit(lambda: responses_sync_soon(workspace_id=workspace_id), robust=True)
    transaction.on_commit(lambda: _case_hook(response.pk, workspace_id), robust=True)
    return response, created


def _case_hook(response_id: int, workspace_id: int) -> None:
    """A low score or a negative comment opens a case (cxray.web.cases), in a background
    thread or the checker process; never raises, never waits."""
    from cxray.web.cases.intake import case_intake_soon

    case_intake_soon(response_id, workspace_id)


# --- the analytics store -------------------------------------------------------------------
def _local_naive(at: Any) -> Any:
    return timezone.localtime(at).replace(tzinfo=None)


def _respondent_id(r: SurveyResponse) -> str | None:
    # Only the respondent's unit goes to the store, never the employee: the unit is all the
    # anonymous groups need, and it is the unit at the time of answering.
    return f"{RESPONDENT_UNIT_PREFIX}{r.respondent_unit_code}" if r.respondent_unit_code else None


def _response_rows(workspace: Workspace, responses: list[SurveyResponse]) -> pa.Table:
    rows = []
    for r in responses:
        survey = r.survey
        rows.append(
            {
                "workspace": workspace.slug,
                "row_key": r.row_key,
                "response_id": r.row_key,
                "customer_id": r.customer_id or None,
                "respondent_employee_id": _respondent_id(r),
                "survey_id": str(survey.pk),
                "touchpoint_id": r.touchpoint_code or None,
                "employee_id": r.employee_code or None,
                "unit_id": r.unit_code or None,
                "at": _local_naive(r.created_at),
                "metric": survey.type,
                "score": float(r.score),
                "scale_max": survey.scale[1],
                "comment": r.comment or None,
                "follow_up": r.follow_up or None,
                "language": r.language or None,
                "channel": r.channel,
            }
        )
    return pa.Table.from_pylist(rows, schema=TABLES["responses"].to_pyarrow())


def _competitor_rows(workspace: Workspace, responses: list[SurveyResponse]) -> pa.Table:
    """Ratings of the survey's competitor, for the competitors comparison only."""
    rows = [
        {
            "workspace": workspace.slug,
            "row_key": f"{r.row_key}:competitor",
            "customer_id": r.customer_id or None,
            "at": _local_naive(r.created_at),
            "touchpoint_id": r.touchpoint_code or None,
            "subject": r.survey.competitor,
            "metric": r.survey.type,
            "score": float(r.competitor_score),
        }
        for r in responses
        if r.competitor_score is not None and r.survey.competitor
    ]
    return pa.Table.from_pylist(rows, schema=TABLES["benchmark_ratings"].to_pyarrow())


def responses_sync(*, workspace: Workspace) -> int:
    """Copy the responses not yet in the analytics store there; return how many were new.

    Safe to run at any time and any number of times: the rows carry
    ``row_key = survey-response-<pk>``, which the store never inserts twice, and a row is
    marked synced only after the store has it.
    """
    from cxray.web.analytics_store import analytics

    written = 0
    while True:
        batch = list(
            SurveyResponse.objects.filter(workspace=workspace, synced_at__isnull=True)
            .select_related("survey")
            .order_by("pk")[:SYNC_BATCH]
        )
        if not batch:
            return written
        # An answer through a personal link may have been changed (EDIT_WINDOW): its new
        # version replaces the old copy. Invitation answers are few; link/QR/API ones never change.
        edited = [r.row_key for r in batch if r.invitation_id]
        with analytics() as store:
            if edited and store.is_duckdb:
                store.raw.executemany(
                    "DELETE FROM responses WHERE workspace = ? AND row_key = ?",
                    [[workspace.slug, k] for k in edited],
                )
                store.raw.executemany(
                    "DELETE FROM benchmark_ratings WHERE workspace = ? AND row_key = ?",
                    [[workspace.slug, f"{k}:competitor"] for k in edited],
                )
            written += store.write("responses", _response_rows(workspace, batch))
            store.write("benchmark_ratings", _competitor_rows(workspace, batch))
        SurveyResponse.objects.filter(pk__in=[r.pk for r in batch]).update(synced_at=timezone.now())
        if len(batch) < SYNC_BATCH:
            # Everything stored before the query is copied. Answers committed since asked for
            # a round of their own (responses_sync_soon): looping for them here ran a round of
            # a few rows back to back under a stream of answers, 10–25 a second instead of one.
            return written


# The sync runs in one background thread per process, never in the request: a submission only
# marks its workspace as pending and returns. The thread waits SYNC_DELAY_S so that under load
# one write carries many responses, and sweeps every workspace now and then, so rows left
# unsynced by a failure or a restart are picked up without any new submission. A round costs
# 30–100 ms of the process's time almost whatever its size (1 row or 100): at 0.25 s it took a
# fifth of the server under a steady stream of answers; at 1 s the dashboards lag by a second.
SYNC_DELAY_S = 1.0
SYNC_SWEEP_S = 60.0
SYNC_RETRY_S = 2.0  # a failed workspace (the app database busy, say) is tried again this soon
_sync_state = threading.Condition()
_sync_pending: set[int] = set()
_sync_busy = False
_sync_thread: threading.Thread | None = None


def _sync_worker() -> None:
    global _sync_busy
    last_sweep = last_due = 0.0
    while True:
        with _sync_state:
            # The first round does not wait: it sweeps what a killed process left unsynced.
            if not _sync_pending and last_sweep:
                _sync_state.wait(timeout=SYNC_SWEEP_S)
        time.sleep(SYNC_DELAY_S)
        with _sync_state:
            pending = set(_sync_pending)
            _sync_pending.clear()
            _sync_busy = True
        failed: set[int] = set()
        try:
            if time.monotonic() - last_sweep > SYNC_SWEEP_S:
                last_sweep = time.monotonic()
                pending |= set(
                    SurveyResponse.objects.filter(synced_at__isnull=True)
                    .values_list("workspace_id", flat=True)
                    .distinct()
                )
            for ws_id in sorted(pending):
                try:
                    responses_sync(workspace=Workspace.objects.get(pk=ws_id))
                except Exception:  # the rows stay unsynced and go with a round soon
                    log.exception("survey responses sync failed for workspace %s", ws_id)
                    failed.add(ws_id)
            if failed:
                time.sleep(SYNC_RETRY_S)
            if time.monotonic() - last_due > SYNC_SWEEP_S / 2:
                last_due = time.monotonic()
                try:  # invitations that waited for the end of quiet hours (CXRAY_PUBLIC_URL)
                    from cxray.web.surveys.invitations import invitations_send_due

                    invitations_send_due()
                except Exception:
                    log.exception("sending the waiting survey invitations failed")
        finally:
            close_old_connections()
            with _sync_state:
                _sync_pending.update(failed)
                _sync_busy = False
                _sync_state.notify_all()


def responses_sync_soon(*, workspace_id: int) -> None:
    """Ask the background thread to sync this workspace shortly. Never raises, never waits."""
    if getattr(settings, "CXRAY_SURVEY_SYNC_INLINE", False):
        # Tests: the test transaction is invisible to another thread's connection.
        try:
            responses_sync(workspace=Workspace.objects.get(pk=workspace_id))
        except Exception:
            log.exception("survey responses sync failed for workspace %s", workspace_id)
        return
    with _sync_state:
        _sync_pending.add(workspace_id)
        _worker_start()
        _sync_state.notify_all()


def _worker_start() -> None:
    global _sync_thread
    if _sync_thread is None or not _sync_thread.is_alive():
        _sync_thread = threading.Thread(target=_sync_worker, name="survey-sync", daemon=True)
        _sync_thread.start()


def background_start() -> None:
    """Make sure the background thread runs: it also sends invitations that waited for the
    end of quiet hours, at its next round (at most SYNC_SWEEP_S later)."""
    if getattr(settings, "CXRAY_SURVEY_SYNC_INLINE", False):
        return
    with _sync_state:
        _worker_start()


def responses_sync_wait(timeout: float = 10.0) -> bool:
    """Block until the background sync has nothing pending (tests, a clean shutdown)."""
    end = time.monotonic() + timeout
    with _sync_state:
        while _sync_pending or _sync_busy:
            left = end - time.monotonic()
            if left <= 0:
                return False
            _sync_state.wait(timeout=min(left, 0.05))
    return True
