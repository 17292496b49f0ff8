"""Writes of the research app: churn interviews and their reasons, self-assessments, and the
import of competitor ratings into the analytics store."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cxray.analytics.assessment import check_answers
from cxray.analytics.competitors import BEST_ANYWHERE, OWN
from cxray.analytics.schema import METRIC_SCALES, TABLES
from cxray.errors import InvalidInputError
from cxray.ingest.headers import normalise
from cxray.text.churn_reasons import REASON_CODES, suggest_reasons
from cxray.web.analytics_store import analytics
from cxray.web.research.files import RowProblems, match_columns, parse_date, read_rows
from cxray.web.research.models import (
    QUESTIONS,
    Assessment,
    ChurnInterview,
    InterviewReason,
    ReasonStatus,
)
from cxray.web.research.questionnaires import questionnaire_get
from cxray.web.workspaces.models import Workspace

LANGUAGES = ("ru", "uk", "en")
MAX_TEXT = 10_000


class FieldError(InvalidInputError):
    """A bad value of one field, so that an importer can name its column."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# --- churn interviews ------------------------------------------------------------------------
def interview_save(
    *,
    workspace: Workspace,
    data: Mapping[str, Any],
    user: Any = None,
    interview: ChurnInterview | None = None,
) -> ChurnInterview:
    """Create or update an interview and refresh its suggested reasons.

    ``data``: customer_id, held_on (a date or text), interviewer, language, segment and the
    answers (keys of :data:`QUESTIONS`). Reasons a person already confirmed or rejected stay.
    """
    clean = _interview_fields(data)
    with transaction.atomic():
        if interview is None:
            interview = ChurnInterview(workspace=workspace, created_by=user)
        elif interview.workspace_id != workspace.pk:
            raise InvalidInputError("this interview belongs to another workspace")
        for k, v in clean.items():
            setattr(interview, k, v)
        try:
            interview.full_clean(exclude=["workspace", "created_by"])
        except ValidationError as exc:
            raise InvalidInputError("; ".join(exc.messages)) from exc
        interview.save()
        reasons_suggest(interview=interview)
    return interview


def _text(data: Mapping[str, Any], key: str) -> str:
    # NUL is no text a person typed, and PostgreSQL refuses it.
    return str(data.get(key) or "").replace("\x00", "").strip()


def _interview_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    customer = _text(data, "customer_id")
    if not customer:
        raise FieldError("customer_id", "an interview needs the customer's id (customer_id)")
    held = data.get("held_on")
    if isinstance(held, datetime):
        held = held.date()
    if not isinstance(held, date):
        try:
            held = parse_date(str(held or ""))
        except ValueError as exc:
            raise FieldError(
                "held_on", f"{held!r} is not a date; write it as 2024-12-31 or 31.12.2024"
            ) from exc
    language = _text(data, "language").lower()
    if language and language not in LANGUAGES:
        raise FieldError("language", f"language {language!r} is not one of ru, uk, en (or empty)")
    out: dict[str, Any] = {
        "customer_id": customer[:200],
        "held_on": held,
        "language": language,
        "interviewer": _text(data, "interviewer")[:200],
        "segment": _text(data, "segment")[:200],
    }
    for q in QUESTIONS:
        text = _text(data, q)
        if len(text) > MAX_TEXT:
            raise FieldError(q, f"the answer {q} is longer than {MAX_TEXT} characters")
        out[q] = text
    return out


def reasons_suggest(*, interview: ChurnInterview) -> list[InterviewReason]:
    """Replace the open suggestions with the rules' suggestions for the current answers."""
    reviewed = set(
        interview.reasons.exclude(status=ReasonStatus.SUGGESTED).values_list("code", flat=True)
    )
    interview.reasons.filter(status=ReasonStatus.SUGGESTED).delete()
    found = suggest_reasons(interview.answers(), language=interview.language or None)
    return InterviewReason.objects.bulk_create(
        InterviewReason(
            interview=interview,
            code=s.code,
            status=ReasonStatus.SUGGESTED,
            confidence=s.confidence,
            evidence=s.evidence[:300],
            question=s.question,
        )
        for s in found
        if s.code not in reviewed
    )


def reason_set(
    *, interview: ChurnInterview, code: str, status: str, user: Any = None
) -> InterviewReason:
    """A person's verdict on one reason: confirm or reject a suggestion, or add a reason
    the rules missed (it is confirmed at once)."""
    if code not in REASON_CODES:
        raise InvalidInputError(f"unknown reason {code!r}; use one of {', '.join(REASON_CODES)}")
    if status not in (ReasonStatus.CONFIRMED, ReasonStatus.REJECTED):
        raise InvalidInputError("a reason can be confirmed or rejected")
    reason, _created = InterviewReason.objects.update_or_create(
        interview=interview,
        code=code,
        defaults={"status": status, "reviewed_by": user, "reviewed_at": timezone.now()},
    )
    return reason


def reason_replace(
    *, interview: ChurnInterview, code: str, replacement: str, user: Any = None
) -> InterviewReason:
    """ "Not this, that": reject ``code`` and confirm ``replacement``, together."""
    with transaction.atomic():
        reason_set(interview=interview, code=code, status=ReasonStatus.REJECTED, user=user)
        return reason_set(
            interview=interview, code=replacement, status=ReasonStatus.CONFIRMED, user=user
        )


def interview_delete(*, interview: ChurnInterview) -> None:
    interview.delete()


_INTERVIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "customer_id": ("customer", "client", "client_id", "клиент", "код клиента", "клієнт",
                    "код клієнта", "пациент", "пацієнт", "patient"),
    "held_on": ("date", "interview_date", "дата", "дата интервью", "дата інтерв'ю"),
    "interviewer": ("интервьюер", "інтерв'юер", "interviewed_by", "кто проводил", "хто проводив"),
    "language": ("lang", "язык", "мова"),
    "segment": ("сегмент",),
    "value_before": ("value", "value before", "ценность", "ценность раньше", "цінність",
                     "цінність раніше"),
    "what_changed": ("changed", "что изменилось", "що змінилося"),
    "why_others_stay": ("others stay", "почему другие остаются", "чому інші залишаються"),
    "also_gave_up": ("gave up", "от чего еще отказались", "від чого ще відмовилися"),
    "replaced_by": ("replaced", "что заменило", "що замінило"),
    "notes": ("note", "comment", "заметки", "примечания", "комментарий", "нотатки", "коментар"),
    "reasons": ("reason", "причины", "причина", "причини"),
}  # fmt: skip


def interviews_import(
    *, workspace: Workspace, path: Path, name: str | None = None, user: Any = None
) -> list[ChurnInterview]:
    """Import interviews from CSV/XLSX/JSON; all or nothing.

    A ``reasons`` column (codes separated by ``;`` or ``,``) holds reasons a person already
    coded: they are stored confirmed. Other reasons are suggested as for a typed interview.
    """
    file = read_rows(path, name=name)
    cols = match_columns(file, _INTERVIEW_COLUMNS, ("customer_id", "held_on"))
    problems = RowProblems(file)
    parsed: list[tuple[dict[str, Any], list[str]]] = []
    for row, cells in file.rows:
        data = {f: cells.get(h) for f, h in cols.items()}
        if not any(data.values()):
            continue  # blank line
        codes = [c.strip() for c in (data.pop("reasons", None) or "").replace(",", ";").split(";")]
        codes = [c for c in codes if c]
        bad = [c for c in codes if c not in REASON_CODES]
        if bad:
            problems.add(
                row,
                cols.get("reasons"),
                f"unknown reason {', '.join(bad)}; use {', '.join(REASON_CODES)}",
            )
        try:
            parsed.append((_interview_fields(data), codes))
        except FieldError as exc:
            problems.add(row, cols.get(exc.field), str(exc))
    problems.raise_if_any()
    if not parsed:
        raise InvalidInputError(f"cannot import {file.name}: it has no interview rows")
    out = []
    with transaction.atomic():
        for fields, codes in parsed:
            interview = ChurnInterview.objects.create(
                workspace=workspace, created_by=user, **fields
            )
            for code in codes:
                reason_set(interview=interview, code=code, status=ReasonStatus.CONFIRMED, user=user)
            reasons_suggest(interview=interview)
            out.append(interview)
    return out


# --- self-assessments ------------------------------------------------------------------------
def assessment_start(
    *, workspace: Workspace, questionnaire: str, user: Any = None, title: str = ""
) -> Assessment:
    q = questionnaire_get(questionnaire)
    return Assessment.objects.create(
        workspace=workspace,
        questionnaire=q.id,
        version=q.version,
        title=title.strip()[:200],
        created_by=user,
    )


def assessment_save(
    *,
    assessment: Assessment,
    answers: Mapping[str, Any],
    comments: Mapping[str, str] | None = None,
    complete: bool = False,
) -> Assessment:
    """Store the answers (0-4 per item, "na"/empty = not applicable); ``complete`` closes it.

    Unknown items and values off the scale are refused with the item named.
    """
    q = questionnaire_get(assessment.questionnaire)
    given = check_answers(q.structure, answers)
    known = {i for _s, items in q.structure for i in items}
    notes = {k: str(v).strip()[:2000] for k, v in (comments or {}).items() if k in known and v}
    if complete and not given:
        raise InvalidInputError("answer at least one item before completing the assessment")
    assessment.answers = given
    assessment.comments = notes
    if complete and assessment.completed_at is None:
        assessment.completed_at = timezone.now()
    assessment.save()
    return assessment


def assessment_delete(*, assessment: Assessment) -> None:
    assessment.delete()


# --- competitor ratings ----------------------------------------------------------------------
_BENCHMARK_COLUMNS: dict[str, tuple[str, ...]] = {
    "subject": ("competitor", "company", "brand", "rated", "конкурент", "компания", "компанія",
                "бренд", "кого оценивали", "кого оцінювали", "объект", "об'єкт"),
    "score": ("rating", "оценка", "оцінка", "балл", "бал"),
    "metric": ("метрика", "показатель", "показник"),
    "touchpoint_id": ("touchpoint", "точка контакта", "точка контакту", "этап", "етап"),
    "customer_id": ("customer", "client", "клиент", "клієнт", "respondent", "респондент"),
    "at": ("date", "дата"),
}  # fmt: skip
_BEST_NAMES = ("best_anywhere", "best anywhere", "best", "best experience", "лучший опыт",
               "лучший", "найкращий досвід", "найкращий")  # fmt: skip
_BEST = {normalise(s) for s in _BEST_NAMES}
_OWN = {normalise(s) for s in ("own", "we", "us", "мы", "ми", "наша компания", "наша компанія")}


def _subject(value: str) -> str:
    key = normalise(value)
    if key in _BEST:
        return BEST_ANYWHERE
    if key in _OWN:
        return OWN
    return value.strip()[:200]


def benchmarks_import(
    *, workspace: Workspace, path: Path, name: str | None = None, metric: str = "nps"
) -> int:
    """Import ratings of competitors / the best experience anywhere; all or nothing.

    Columns: subject and score (required), metric (else ``metric`` for every row),
    touchpoint, customer, date. Returns how many rows were new (a re-import adds none).
    """
    if metric not in METRIC_SCALES:
        raise InvalidInputError(f"unknown metric {metric!r}; use one of {sorted(METRIC_SCALES)}")
    file = read_rows(path, name=name)
    cols = match_columns(file, _BENCHMARK_COLUMNS, ("subject", "score"))
    problems = RowProblems(file)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row, cells in file.rows:
        v = {f: cells.get(h) for f, h in cols.items()}
        if not any(v.values()):
            continue
        m = (v.get("metric") or metric).strip().lower()
        if m not in METRIC_SCALES:
            problems.add(row, cols.get("metric"), f'"{m}" is not a metric; use nps, csat or ces')
            continue
        lo, hi = METRIC_SCALES[m]
        score = None
        with contextlib.suppress(ValueError):
            score = float((v.get("score") or "").replace(",", "."))
        if score is None or not lo <= score <= hi:
            problems.add(
                row, cols["score"], f'"{v.get("score") or ""}" is not a number from {lo} to {hi}'
            )
            continue
        if not v.get("subject"):
            problems.add(row, cols["subject"], "empty: name the competitor, or best_anywhere")
            continue
        at = None
        if v.get("at"):
            try:
                at = datetime.combine(parse_date(v["at"]), datetime.min.time())
            except ValueError:
                problems.add(row, cols["at"], f'"{v["at"]}" is not a date (2024-12-31, 31.12.2024)')
                continue
        record = {
            "workspace": workspace.slug,
            "customer_id": v.get("customer_id"),
            "at": at,
            "touchpoint_id": v.get("touchpoint_id"),
            "subject": _subject(v["subject"]),
            "metric": m,
            "score": score,
        }
        content = "\x1f".join(str(record[k]) for k in sorted(record))
        # The ordinal keeps identical rows of one file apart; the same file twice, same keys.
        seen[content] = seen.get(content, 0) + 1
        record["row_key"] = hashlib.md5(
            f"{content}\x1e{seen[content]}".encode(), usedforsecurity=False
        ).hexdigest()
        rows.append(record)
    problems.raise_if_any()
    if not rows:
        raise InvalidInputError(f"cannot import {file.name}: it has no rating rows")
    schema = TABLES["benchmark_ratings"].to_pyarrow()
    table = pa.Table.from_pylist([{c: r.get(c) for c in schema.names} for r in rows], schema=schema)
    with analytics() as store, store.transaction():
        return store.write("benchmark_ratings", table)


def gap_initiative(*, assessment: Assessment, item: str, language: str = "en") -> Any:
    """A proposed initiative for one gap of an assessment (an item answered 0-2)."""
    # Imported here: the initiatives app is another app's, and this is its only use.
    from cxray.web.initiatives.services import initiative_create

    q = questionnaire_get(assessment.questionnaire)
    try:
        section, found = q.item(item)
    except KeyError:
        raise InvalidInputError(f"item {item!r} is not in {q.id}") from None
    answer = assessment.answers.get(item)
    if answer is None or int(answer) > 2:
        raise InvalidInputError(
            f"item {item!r} is not a gap of this assessment (answer {answer!r}; gaps are 0-2)"
        )
    lang = language if language in LANGUAGES else "en"
    return initiative_create(
        workspace=assessment.workspace,
        title=found.label(lang)[:200],
        source=f"{q.id}:{assessment.pk}:{item}",
        description=f"{q.label(lang)} — {section.label(lang)}: {answer}/4",
    )
