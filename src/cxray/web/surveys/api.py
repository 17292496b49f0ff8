"""/api/v1/surveys: list the workspace's surveys, submit responses from other systems."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from cxray.analytics.anonymity import EMPLOYEE_METRICS
from cxray.web.accounts.scope import can_export, can_manage
from cxray.web.api.schemas import ErrorOut, StrictIn
from cxray.web.surveys.export import export_rows
from cxray.web.surveys.models import Channel, Survey, SurveyStatus
from cxray.web.surveys.selectors import ResponseFilters, survey_list
from cxray.web.surveys.services import (
    MAX_COMMENT,
    MAX_KEY,
    ResponseRejected,
    SurveyNotOpen,
    context_resolve,
    response_submit,
)

router = Router(tags=["surveys"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 410: ErrorOut, 422: ErrorOut}


class SurveyOut(Schema):
    id: int
    name: str
    type: str
    purpose: str
    owner: str
    status: str
    competitor: str
    public_token: str
    public_link: str
    responses: int
    responses_30d: int


class ResponseIn(StrictIn):
    score: int
    comment: str = Field("", max_length=MAX_COMMENT)
    follow_up: str = Field("", max_length=MAX_COMMENT)
    language: str = ""
    channel: str = Channel.API.value
    touchpoint: str = ""
    unit: str = ""
    employee: str = ""
    customer_id: str = ""
    idempotency_key: str = Field("", max_length=MAX_KEY)
    # Internal NPS: the unit code of the respondent's own department (required there).
    respondent_unit: str = ""
    # The rating of the survey's competitor (only on a survey that names one).
    competitor_score: int | None = None


class ResponseOut(Schema):
    id: int
    survey: int
    score: int
    created: bool
    touchpoint: str
    unit: str
    employee: str
    respondent_unit: str
    competitor_score: int | None


def survey_out(request: HttpRequest, s: Survey) -> dict:
    return {
        "id": s.pk,
        "name": s.name,
        "type": s.type,
        "purpose": s.purpose,
        "owner": s.owner_label,
        "status": s.status,
        "competitor": s.competitor,
        "public_token": s.public_token,
        "public_link": request.build_absolute_uri(f"/s/{s.public_token}/"),
        "responses": s.n_responses,
        "responses_30d": s.n_recent,
    }


@router.get("", response={200: list[SurveyOut], **ERRORS})
def surveys(request: HttpRequest):
    return [survey_out(request, s) for s in survey_list(workspace=request.workspace)]


@router.get("/value", response={200: list[dict], **ERRORS})
def survey_value(request: HttpRequest):
    """Each survey's answers, response rate by month, cases reacted to and resolved, linked
    initiatives, last action, and ``idle`` when nobody acted on it for 90 days."""
    from cxray.web.surveys.value import survey_values

    return [v.as_dict() for v in survey_values(workspace=request.workspace)]


@router.post("/resync", response={200: dict, **ERRORS})
def survey_resync(request: HttpRequest):
    """Copy every survey answer of the workspace to the analytics store again, from the app
    database (administrators only). Answers ``{"copied": N}``."""
    from cxray.web.surveys.resync import responses_resync

    if not can_manage(request.membership):
        raise HttpError(403, f"the role {request.membership.role!r} may not rebuild the store")
    return {"copied": responses_resync(workspace=request.workspace)}


@router.post("/{token}/responses", response={200: ResponseOut, 201: ResponseOut, **ERRORS})
def response_add(request: HttpRequest, token: str, body: ResponseIn):
    """Submit one response. Send an ``idempotency_key`` (or the ``Idempotency-Key`` header):
    a retry with the same key returns the stored response (200) instead of a second one."""
    survey = (
        Survey.objects.select_related("workspace", "touchpoint", "unit", "employee")
        .filter(public_token=token, workspace=request.workspace)
        .exclude(status=SurveyStatus.DRAFT)
        .first()
    )
    if survey is None:
        raise HttpError(404, "no such survey in this workspace")
    if body.channel not in (Channel.API, Channel.IMPORT):
        raise HttpError(400, "channel must be 'api' or 'import'")
    key = body.idempotency_key or request.headers.get("Idempotency-Key", "")[:MAX_KEY]
    context = context_resolve(
        survey=survey, touchpoint=body.touchpoint, unit=body.unit, employee=body.employee
    )
    try:
        response, created = response_submit(
            survey=survey,
            score=body.score,
            comment=body.comment,
            follow_up=body.follow_up,
            language=body.language,
            channel=body.channel,
            context=context,
            customer_id=body.customer_id,
            idempotency_key=key,
            respondent_unit=body.respondent_unit,
            competitor_score=body.competitor_score,
        )
    except SurveyNotOpen as exc:
        raise HttpError(410, str(exc)) from exc
    except ResponseRejected as exc:
        raise HttpError(400, str(exc)) from exc
    out = {
        "id": response.pk,
        "survey": survey.pk,
        "score": response.score,
        "created": created,
        "touchpoint": response.touchpoint_code,
        "unit": response.unit_code,
        "employee": response.employee_code,
        "respondent_unit": response.respondent_unit_code,
        "competitor_score": response.competitor_score,
    }
    return Status(201 if created else 200, out)


@router.get("/{token}/responses", response={200: list[dict], **ERRORS})
def responses_export(request: HttpRequest, token: str):
    """The survey's responses as on the export of the responses page, with each answer's
    ``themes`` and ``codes`` (text analysis) and the ``case`` it opened with its
    ``case_notes``. Filters: ``since``, ``until`` (dates), ``score_min``, ``score_max``,
    ``language``, ``touchpoint``. Admins and CX managers only; not for employee surveys."""
    if not can_export(request.membership):
        raise HttpError(403, f"the role {request.membership.role!r} may not export responses")
    survey = Survey.objects.filter(public_token=token, workspace=request.workspace).first()
    if survey is None:
        raise HttpError(404, "no such survey in this workspace")
    if survey.type in EMPLOYEE_METRICS:
        raise HttpError(
            403, "an employee survey's answers are anonymous: see /api/v1/people instead"
        )
    rows = export_rows(
        survey=survey, scope=request.scope, filters=ResponseFilters.from_query(request.GET)
    )
    header = next(rows)
    return [dict(zip(header, row, strict=True)) for row in rows]
