"""The respondent's pages, /s/<token>/: no login, no JavaScript needed, in their language."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cxray.web.surveys.models import Channel, Survey, SurveyStatus
from cxray.web.surveys.selectors import new_idempotency_key, respondent_language, survey_by_token
from cxray.web.surveys.services import (
    ResponseRejected,
    SurveyNotOpen,
    context_resolve,
    response_submit,
)

# Link parameters that travel from the GET into the form and back: the context of the answer.
CONTEXT_PARAMS = ("tp", "unit", "emp", "c", "via")
HONEYPOT = "website"


def _render(request: HttpRequest, template: str, context: dict, lang: str, status: int = 200):
    with translation.override(lang):
        body = render_to_string(f"surveys/public/{template}", {**context, "lang": lang}, request)
    response = HttpResponse(body, status=status)
    response["Content-Language"] = lang
    response["Cache-Control"] = "no-store"
    response["Vary"] = "Accept-Language, Cookie"
    return response


def _message(request: HttpRequest, lang: str, status: int, title: str, text: str):
    return _render(request, "message.html", {"title": title, "text": text}, lang, status)


def _not_found(request: HttpRequest, lang: str) -> HttpResponse:
    with translation.override(lang):
        title, text = (
            _("Survey not found"),
            _("This link does not lead to a survey. Please check that it was copied in full."),
        )
    return _message(request, lang, 404, title, text)


def _closed(request: HttpRequest, lang: str) -> HttpResponse:
    with translation.override(lang):
        title, text = (
            _("This survey is closed"),
            _("It no longer accepts answers. Thank you for wanting to answer."),
        )
    return _message(request, lang, 410, title, text)


def _scale_labels(survey: Survey) -> tuple[str, str]:
    return {
        "csat": (_("Very dissatisfied"), _("Very satisfied")),
        "ces": (_("Very difficult"), _("Very easy")),
        "custom": (_("Very poor"), _("Excellent")),
    }.get(survey.type, (_("Not at all likely"), _("Extremely likely")))


def _form_context(
    survey: Survey,
    lang: str,
    params: dict,
    *,
    key: str,
    error: str = "",
    values: dict | None = None,
) -> dict:
    low, high = survey.scale
    with translation.override(lang):
        low_label, high_label = _scale_labels(survey)
    return {
        "survey": survey,
        "question": survey.question(lang),
        "follow_up_question": survey.follow_up(lang),
        "scores": range(low, high + 1),
        "top": high,
        "low_label": low_label,
        "high_label": high_label,
        "key": key,
        "carry": {k: params.get(k, "")[:128] for k in CONTEXT_PARAMS if params.get(k)},
        "error": error,
        "values": values or {},
        "honeypot": HONEYPOT,
        "languages": [("uk", "Українська"), ("ru", "Русский"), ("en", "English")],
        "carry_query": urlencode(
            {k: params.get(k, "")[:128] for k in CONTEXT_PARAMS if params.get(k)}
        ),
    }


@transaction.non_atomic_requests  # one short write transaction, not one per request
@csrf_exempt  # a public form with no session: the idempotency key and honeypot guard it
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    survey = survey_by_token(token=token)
    lang = respondent_language(request, survey.workspace.language if survey else None)
    if survey is None:
        return _not_found(request, lang)
    if survey.status == SurveyStatus.CLOSED:
        return _closed(request, lang)
    if request.method == "GET":
        context = _form_context(survey, lang, request.GET, key=new_idempotency_key())
        return _render(request, "respond.html", context, lang)

    post = request.POST
    thanks = redirect(f"{request.path}thanks/?{urlencode({'lang': lang})}")
    if post.get(HONEYPOT):
        return thanks  # a bot filled the hidden field: say thanks, store nothing
    channel = Channel.QR if post.get("via") == "qr" else Channel.LINK
    context = context_resolve(
        survey=survey,
        touchpoint=post.get("tp", ""),
        unit=post.get("unit", ""),
        employee=post.get("emp", ""),
    )
    try:
        response_submit(
            survey=survey,
            score=post.get("score"),
            comment=post.get("comment", ""),
            follow_up=post.get("follow_up", ""),
            language=lang,
            channel=channel,
            context=context,
            customer_id=post.get("c", ""),
            idempotency_key=post.get("key", ""),
        )
    except SurveyNotOpen:
        return _closed(request, lang)
    except ResponseRejected as exc:
        with translation.override(lang):
            error = str(exc)
        values = {k: post.get(k, "") for k in ("score", "comment", "follow_up")}
        form = _form_context(
            survey,
            lang,
            post,
            key=post.get("key", "")[:64] or new_idempotency_key(),
            error=error,
            values=values,
        )
        return _render(request, "respond.html", form, lang, status=400)
    return thanks


@require_http_methods(["GET"])
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    survey = survey_by_token(token=token)
    lang = respondent_language(request, survey.workspace.language if survey else None)
    if survey is None:
        return _not_found(request, lang)
    return _render(request, "thanks.html", {"survey": survey}, lang)
