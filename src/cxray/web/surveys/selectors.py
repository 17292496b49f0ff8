"""Reads for surveys: lists with their counts, filtered responses, the respondent's language."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import trans_real

from cxray.web.accounts.scope import Scope
from cxray.web.journeys.models import Touchpoint
from cxray.web.people.models import Employee, Unit
from cxray.web.surveys.models import LANGUAGES, Survey, SurveyResponse, SurveyStatus
from cxray.web.workspaces.models import Workspace


def survey_list(*, workspace: Workspace, now: datetime | None = None) -> QuerySet[Survey]:
    """The workspace's surveys with their response counts (all time and last 30 days)."""
    since = (now or timezone.now()) - timedelta(days=30)
    return (
        Survey.objects.filter(workspace=workspace)
        .select_related("owner_user", "owner_employee")
        .annotate(
            n_responses=Count("responses"),
            n_recent=Count("responses", filter=Q(responses__created_at__gte=since)),
        )
    )


def survey_get(*, workspace: Workspace, pk: int) -> Survey:
    """A survey of this workspace, or 404 (a survey of another workspace is 'not found')."""
    survey = Survey.objects.filter(workspace=workspace, pk=pk).first()
    if survey is None:
        raise Http404("no such survey")
    return survey


# Every answer through /s/<token>/ needs its survey (status, scale, wording, default context and
# workspace): one four-table join per request, the largest part of a submission's ORM time.
# Each process keeps the surveys it served for SURVEY_CACHE_S. A change made in this process
# (the editor, publish, close; the workspace, a touchpoint, unit or employee) empties the cache
# at once; a change made in another process (a second server worker, the CLI) is seen within
# SURVEY_CACHE_S, so a survey closed there may take answers for that much longer.
SURVEY_CACHE_S = 5.0
SURVEY_CACHE_MAX = 1000
_surveys: dict[str, tuple[float, Survey | None]] = {}


def survey_by_token(*, token: str) -> Survey | None:
    """The survey behind a public link (None when the link is unknown or not yet published).

    The object may be shared by concurrent requests of this process: read it, never change it.
    """
    now = time.monotonic()
    hit = _surveys.get(token)
    if hit is not None and now - hit[0] < SURVEY_CACHE_S:
        return hit[1]
    survey = (
        Survey.objects.select_related("workspace", "touchpoint", "unit", "employee")
        .filter(public_token=token)
        .first()
    )
    if survey is not None and survey.status == SurveyStatus.DRAFT:
        survey = None
    if survey is not None:  # unknown tokens are not kept: anyone can send endless new ones
        if len(_surveys) >= SURVEY_CACHE_MAX:
            _surveys.clear()
        _surveys[token] = (now, survey)
    return survey


def survey_cache_clear(**_kwargs: object) -> None:
    """Forget every cached survey (a signal receiver; also for tests)."""
    _surveys.clear()


for _model in (Survey, Workspace, Touchpoint, Unit, Employee):
    post_save.connect(survey_cache_clear, sender=_model, dispatch_uid=f"survey-cache-{_model}")
for _model in (Survey, Workspace):
    post_delete.connect(survey_cache_clear, sender=_model, dispatch_uid=f"survey-cache-d-{_model}")


@dataclass(frozen=True, slots=True)
class ResponseFilters:
    since: date | None = None
    until: date | None = None
    score_min: int | None = None
    score_max: int | None = None
    language: str = ""
    touchpoint: str = ""

    @classmethod
    def from_query(cls, params: dict) -> ResponseFilters:
        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(params.get(name, ""))
            except ValueError:
                return None

        def number(name: str) -> int | None:
            value = (params.get(name) or "").strip()
            return int(value) if value.lstrip("-").isdigit() else None

        lang = params.get("language", "")
        return cls(
            since=day("since"),
            until=day("until"),
            score_min=number("score_min"),
            score_max=number("score_max"),
            language=lang if lang in LANGUAGES else "",
            touchpoint=(params.get("touchpoint") or "").strip(),
        )


def response_list(
    *, survey: Survey, scope: Scope, filters: ResponseFilters | None = None
) -> QuerySet[SurveyResponse]:
    """The survey's responses a member may see (their scope), filtered."""
    qs = SurveyResponse.objects.filter(survey=survey, workspace=survey.workspace)
    if scope.unit_ids is not None:
        qs = qs.filter(unit_code__in=scope.unit_ids)
    if scope.employee_ids is not None:
        qs = qs.filter(employee_code__in=scope.employee_ids)
    f = filters or ResponseFilters()
    if f.since:
        qs = qs.filter(created_at__date__gte=f.since)
    if f.until:
        qs = qs.filter(created_at__date__lte=f.until)
    if f.score_min is not None:
        qs = qs.filter(score__gte=f.score_min)
    if f.score_max is not None:
        qs = qs.filter(score__lte=f.score_max)
    if f.language:
        qs = qs.filter(language=f.language)
    if f.touchpoint:
        qs = qs.filter(touchpoint_code=f.touchpoint)
    return qs


def respondent_language(request: HttpRequest, fallback: str | None = None) -> str:
    """?lang= (also a hidden form field), then the language cookie, then the browser's
    Accept-Language, then the workspace's language."""
    for candidate in (
        request.GET.get("lang"),
        request.POST.get("lang"),
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
    ):
        if candidate in LANGUAGES:
            return candidate
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _q in trans_real.parse_accept_lang_header(header):
        if code[:2].lower() in LANGUAGES:
            return code[:2].lower()
    return fallback if fallback in LANGUAGES else settings.LANGUAGE_CODE


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(16)
