"""/api/v1/research: churn interviews and their reasons, self-assessments, competitors.

Research material spans the whole workspace (customers' histories, quotes), so a token of a
unit-scoped or frontline member gets 403; writes need an admin's or a CX manager's token.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import override
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from cxray.analytics.interview_reasons import reasons_as_dict
from cxray.errors import InvalidInputError
from cxray.web.accounts.scope import can_import
from cxray.web.api.schemas import ErrorOut, StrictIn
from cxray.web.research import selectors, services
from cxray.web.research.models import QUESTIONS, Assessment, ChurnInterview
from cxray.web.research.questionnaires import questionnaire_all, questionnaire_get

router = Router(tags=["research"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
METRICS = ("nps", "csat", "ces")


def _reader(request: HttpRequest) -> None:
    if not request.scope.is_full:
        raise HttpError(403, "research covers the whole workspace; this token's role sees part")


def _writer(request: HttpRequest) -> None:
    _reader(request)
    if not can_import(request.membership):
        raise HttpError(403, f"the role {request.membership.role!r} may not do this")


class InterviewIn(StrictIn):
    customer_id: str = Field(..., max_length=200)
    held_on: str = Field(..., max_length=30)  # 2024-12-31 or 31.12.2024 (strict JSON: a string)
    interviewer: str = Field("", max_length=200)
    language: str = ""
    segment: str = Field("", max_length=200)
    value_before: str = ""
    what_changed: str = ""
    why_others_stay: str = ""
    also_gave_up: str = ""
    replaced_by: str = ""
    notes: str = ""
    reasons: list[str] = []  # codes already confirmed by a person


class ReasonIn(StrictIn):
    code: str
    status: str  # confirmed | rejected


class AssessmentIn(StrictIn):
    questionnaire: str
    title: str = ""
    answers: dict[str, int | str | None] = {}
    comments: dict[str, str] = {}
    complete: bool = True


class InitiativeOut(Schema):
    id: int
    title: str
    source: str


def _interview_out(i: ChurnInterview) -> dict[str, Any]:
    return {
        "id": i.pk,
        "customer_id": i.customer_id,
        "held_on": i.held_on.isoformat(),
        "interviewer": i.interviewer,
        "language": i.language,
        "segment": i.segment,
        "answers": {q: getattr(i, q) for q in QUESTIONS},
        "reasons": [
            {
                "code": r.code,
                "status": r.status,
                "confidence": r.confidence,
                "evidence": r.evidence,
                "question": r.question,
            }
            for r in i.reasons.all()
        ],
    }


@router.get("/interviews", response={200: list[dict], **ERRORS})
def interviews(request: HttpRequest, reason: Query[str] = ""):
    """Interviews, newest first; ``reason`` keeps those with that confirmed reason."""
    _reader(request)
    qs = selectors.interview_list(workspace=request.workspace, reason=reason or None)
    return [_interview_out(i) for i in qs]


@router.get("/interviews/{pk}", response={200: dict, **ERRORS})
def interview(request: HttpRequest, pk: int):
    """One interview with its reasons and the customer's history from the analytics store."""
    _reader(request)
    i = selectors.interview_get(workspace=request.workspace, pk=pk)
    history = selectors.customer_history(workspace=request.workspace, customer_id=i.customer_id)
    return {**_interview_out(i), "history": _jsonable(history.as_dict())}


@router.post("/interviews", response={201: dict, **ERRORS})
def interview_add(request: HttpRequest, body: InterviewIn):
    """Record an interview; reasons are suggested from the answers (status ``suggested``),
    and ``reasons`` in the body are stored as confirmed."""
    _writer(request)
    data = body.model_dump()
    codes = data.pop("reasons")
    i = services.interview_save(workspace=request.workspace, data=data, user=request.user)
    for code in codes:
        services.reason_set(interview=i, code=code, status="confirmed", user=request.user)
    services.reasons_suggest(interview=i)
    return Status(201, _interview_out(i))


@router.post("/interviews/{pk}/reasons", response={200: dict, **ERRORS})
def interview_reason(request: HttpRequest, pk: int, body: ReasonIn):
    """Confirm or reject a reason (a code not suggested yet is added)."""
    _writer(request)
    i = selectors.interview_get(workspace=request.workspace, pk=pk)
    services.reason_set(interview=i, code=body.code, status=body.status, user=request.user)
    return _interview_out(i)


@router.get("/reasons", response={200: list[dict], **ERRORS})
def reasons(request: HttpRequest):
    """Confirmed reasons by segment: count, share of coded interviews with a 95% Wilson
    interval, and quotes; the first entry is all interviews."""
    _reader(request)
    return reasons_as_dict(selectors.reason_report(workspace=request.workspace))


@router.get("/questionnaires", response={200: list[dict], **ERRORS})
def questionnaires(request: HttpRequest, language: Query[str] = "en"):
    """The self-test questionnaires with their sections and items."""
    _reader(request)
    lang = language if language in ("ru", "uk", "en") else "en"
    return [
        {
            "id": q.id,
            "version": q.version,
            "title": q.label(lang),
            "sections": [
                {
                    "id": s.id,
                    "title": s.label(lang),
                    "items": [{"id": i.id, "text": i.label(lang)} for i in s.items],
                }
                for s in q.sections
            ],
        }
        for q in questionnaire_all().values()
    ]


def _assessment_out(a: Assessment) -> dict[str, Any]:
    score = selectors.assessment_score(assessment=a)
    return {
        "id": a.pk,
        "questionnaire": a.questionnaire,
        "version": a.version,
        "title": a.title,
        "created_at": a.created_at.isoformat(),
        "completed_at": a.completed_at.isoformat() if a.completed_at else None,
        "answers": a.answers,
        "comments": a.comments,
        **score.as_dict(),
    }


@router.get("/assessments", response={200: list[dict], **ERRORS})
def assessments(request: HttpRequest, questionnaire: Query[str] = ""):
    """Self-assessments, newest first, with section scores, total and gaps."""
    _reader(request)
    qs = selectors.assessment_list(workspace=request.workspace, questionnaire=questionnaire or None)
    return [_assessment_out(a) for a in qs]


@router.get("/assessments/{pk}", response={200: dict, **ERRORS})
def assessment(request: HttpRequest, pk: int):
    _reader(request)
    return _assessment_out(selectors.assessment_get(workspace=request.workspace, pk=pk))


@router.post("/assessments", response={201: dict, **ERRORS})
def assessment_add(request: HttpRequest, body: AssessmentIn):
    """Record a self-assessment (answers: item id → 0..4, or "na"); completed by default."""
    _writer(request)
    try:
        questionnaire_get(body.questionnaire)
    except LookupError as exc:
        raise HttpError(400, str(exc)) from exc
    a = services.assessment_start(
        workspace=request.workspace,
        questionnaire=body.questionnaire,
        user=request.user,
        title=body.title,
    )
    try:
        services.assessment_save(
            assessment=a, answers=body.answers, comments=body.comments, complete=body.complete
        )
    except InvalidInputError:
        a.delete()
        raise
    return Status(201, _assessment_out(a))


@router.post("/assessments/{pk}/gaps/{item}/initiative", response={201: InitiativeOut, **ERRORS})
def gap_initiative(request: HttpRequest, pk: int, item: str, language: Query[str] = "en"):
    """Turn one gap of an assessment into a proposed initiative (title = the item's text)."""
    _writer(request)
    a = selectors.assessment_get(workspace=request.workspace, pk=pk)
    with override(language if language in ("ru", "uk", "en") else "en"):
        initiative = services.gap_initiative(assessment=a, item=item, language=language)
    return Status(
        201, {"id": initiative.pk, "title": initiative.title, "source": initiative.source}
    )


@router.get("/competitors", response={200: list[dict], **ERRORS})
def competitors(request: HttpRequest, metric: Query[str] = "nps"):
    """Own score against each competitor and the best experience anywhere, overall and per
    touchpoint: both scores with n and interval, the difference (own − other) with its 95%
    interval and p-value."""
    _reader(request)
    if metric not in METRICS:
        raise HttpError(400, f"metric must be one of {', '.join(METRICS)}")
    rows = selectors.competitor_report(workspace=request.workspace, metric=metric)
    return [r.as_dict() for r in rows]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value
