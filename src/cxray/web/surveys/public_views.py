"""The respondent's pages, /s/<token>/: no login, no JavaScript needed, in their language."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cxray.errors import InvalidInputError
from cxray.web.surveys import ratelimit
from cxray.web.surveys.invitations import contact_opt_out, invitation_for_link
from cxray.web.surveys.models import (
    LANGUAGES,
    Channel,
    Contact,
    Invitation,
    Survey,
    SurveyStatus,
    SurveyType,
)
from cxray.web.surveys.selectors import new_idempotency_key, respondent_language, survey_by_token
from cxray.web.surveys.services import (
    EDIT_WINDOW,
    MAX_COMMENT,
    MAX_KEY,
    AlreadyAnswered,
    ResponseRejected,
    SurveyNotOpen,
    context_resolve,
    invited_employee,
    respondent_units,
    response_submit,
)

# Link parameters that travel from the GET into the form and back: the context of the answer
# (i = the invitation of a personal link; from = the respondent's own unit on an internal NPS
# survey, asked on the form when the link does not give it).
CONTEXT_PARAMS = ("tp", "unit", "emp", "c", "via", "i", "from")
HONEYPOT = "website"


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "-"


def _too_many(request: HttpRequest, token: str, lang: str) -> HttpResponse | None:
    """429 in the respondent's language when this IP or this survey is over its limit."""
    if ratelimit.allow(ip=_client_ip(request), token=token):
        return None
    with translation.override(lang):
        title, text = (
            _("Too many requests"),
            _(
                "Too many answers are arriving from here right now. "
                "Please wait a minute and try again."
            ),
        )
    response = _message(request, lang, 429, title, text)
    response["Retry-After"] = "60"
    return response


def _already_answered(request: HttpRequest, lang: str) -> HttpResponse:
    with translation.override(lang):
        title, text = (
            _("You have already answered"),
            _(
                "This personal link takes one answer, which could be changed for 24 hours. "
                "Thank you!"
            ),
        )
    return _message(request, lang, 200, title, text)


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


def _asks_unit(survey: Survey, params: dict, invitation: Invitation | None) -> list | None:
    """The units to choose from when an employee survey's form must ask the respondent's own
    department: neither a personal link to an employee nor a valid ``from`` gives it, and,
    on eNPS, nor does the link's or the survey's unit (an eNPS link sent per unit already
    places the answer there). Without it an eNPS answer has no group to be counted in."""
    if survey.type not in (SurveyType.INTERNAL_NPS, SurveyType.ENPS):
        return None
    if invited_employee(invitation) is not None:
        return None
    linked = context_resolve(survey=survey, unit=params.get("unit", "")).unit
    if survey.type == SurveyType.ENPS:
        if linked:
            return None
        units = respondent_units(survey)
        if not units:
            return None  # a workspace without an org chart: nothing to choose from
    else:
        units = respondent_units(survey, linked)
    if params.get("from") and any(u.code == params.get("from") for u in units):
        return None
    return units


def _form_context(
    survey: Survey,
    lang: str,
    params: dict,
    *,
    key: str,
    error: str = "",
    values: dict | None = None,
    invitation: Invitation | None = None,
) -> dict:
    low, high = survey.scale
    with translation.override(lang):
        low_label, high_label = _scale_labels(survey)
        competitor_question = (
            _("How would you rate %(competitor)s on the same?") % {"competitor": survey.competitor}
            if survey.competitor
            else ""
        )
    units = _asks_unit(survey, params, invitation)
    carried = {k: params.get(k, "")[:128] for k in CONTEXT_PARAMS if params.get(k)}
    if units is not None:
        carried.pop("from", None)  # asked on the form instead
    return {
        "survey": survey,
        "question": survey.question(lang),
        "follow_up_question": survey.follow_up(lang),
        "scores": range(low, high + 1),
        "top": high,
        "low_label": low_label,
        "high_label": high_label,
        "key": key,
        "carry": carried,
        "units": units,
        "competitor_question": competitor_question,
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
    limited = _too_many(request, token, lang)
    if limited is not None:
        return limited
    params = request.GET if request.method == "GET" else request.POST
    invitation = invitation_for_link(survey=survey, token=params.get("i", ""))
    if request.method == "GET":
        values = None
        if invitation is not None:
            earlier = invitation.responses.first()
            if earlier is not None:
                if timezone.now() - earlier.created_at > EDIT_WINDOW:
                    return _already_answered(request, lang)
                values = {
                    "score": str(earlier.score),
                    "comment": earlier.comment,
                    "follow_up": earlier.follow_up,
                    "competitor_score": ""
                    if earlier.competitor_score is None
                    else str(earlier.competitor_score),
                    "from": earlier.respondent_unit_code,
                }
        context = _form_context(
            survey,
            lang,
            request.GET,
            key=new_idempotency_key(),
            values=values,
            invitation=invitation,
        )
        return _render(request, "respond.html", context, lang)

    post = request.POST
    thanks = redirect(f"{request.path}thanks/?{urlencode({'lang': lang})}")
    if post.get(HONEYPOT):
        return thanks  # a bot filled the hidden field: say thanks, store nothing
    channel = Channel.QR if post.get("via") == "qr" else Channel.LINK
    if invitation is not None:
        channel = Channel.EMAIL
    context = context_resolve(
        survey=survey,
        touchpoint=post.get("tp", ""),
        unit=post.get("unit", ""),
        employee=post.get("emp", ""),
    )
    try:
        asked = survey.type == SurveyType.ENPS and _asks_unit(survey, post, invitation)
        if asked and not post.get("from"):
            # The form asked, so that eNPS can be broken down by department; the API and
            # imports may still leave it out (the answer then has no department's cell).
            raise ResponseRejected(gettext_lazy("Please choose your department."))
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
            invitation=invitation,
            respondent_unit=post.get("from", ""),
            competitor_score=post.get("competitor_score"),
        )
    except SurveyNotOpen:
        return _closed(request, lang)
    except AlreadyAnswered:
        return _already_answered(request, lang)
    except ResponseRejected as exc:
        with translation.override(lang):
            error = str(exc)
        values = {
            k: post.get(k, "")
            for k in ("score", "comment", "follow_up", "competitor_score", "from")
        }
        form = _form_context(
            survey,
            lang,
            post,
            key=post.get("key", "")[:64] or new_idempotency_key(),
            error=error,
            values=values,
            invitation=invitation,
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


@transaction.non_atomic_requests
@csrf_exempt  # the link in the mail, and one-click unsubscribe (RFC 8058) from mail clients
@require_http_methods(["GET", "POST"])
def optout(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (mail scanners open links); POST opts out of every survey, for good."""
    contact = Contact.objects.select_related("workspace").filter(opt_out_token=token).first()
    fallback = (contact.language or contact.workspace.language) if contact else None
    lang = respondent_language(request, fallback)
    limited = _too_many(request, f"optout:{token}", lang)
    if limited is not None:
        return limited
    if contact is None:
        with translation.override(lang):
            title, text = (
                _("Link not found"),
                _("This link does not lead anywhere. Please check that it was copied in full."),
            )
        return _message(request, lang, 404, title, text)
    if request.method == "POST":
        contact = contact_opt_out(token=token) or contact
    context = {
        "done": contact.opted_out_at is not None,
        "company": contact.workspace.name,
        "email": contact.email,
    }
    return _render(request, "optout.html", context, lang)


# --- the website widget: JSON, CORS from any origin, for this endpoint only ----------------
def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type, Idempotency-Key"
    response["Access-Control-Max-Age"] = "86400"
    response["Cache-Control"] = "no-store"
    return response


def _json(data: dict, status: int = 200, lang: str = "") -> HttpResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    if lang:
        response["Content-Language"] = lang
    return _cors(response)


def _widget_text(survey: Survey, lang: str) -> dict:
    low, high = survey.scale
    with translation.override(lang):
        low_label, high_label = _scale_labels(survey)
        # Present only when the survey asks about a competitor: the widget then shows a
        # second, optional scale, as the public page does.
        rival = (
            {
                "competitor_question": _("How would you rate %(competitor)s on the same?")
                % {"competitor": survey.competitor},
                "dont_know": _("I don't know them"),
            }
            if survey.competitor
            else {}
        )
        return {
            **rival,
            "lang": lang,
            "question": survey.question(lang),
            "follow_up": survey.follow_up(lang),
            "low": low,
            "high": high,
            "low_label": low_label,
            "high_label": high_label,
            "comment": _("Anything else you want to tell us? (optional)"),
            "send": _("Send"),
            "close": _("Close"),
            "thanks": _("Thank you for your answer"),
            "key": new_idempotency_key(),
        }


@transaction.non_atomic_requests
@csrf_exempt  # cross-site by design: no cookies are read, the key guards against repeats
@require_http_methods(["GET", "POST", "OPTIONS"])
def widget(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the wording in the visitor's language; POST: one answer (channel "widget")."""
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    survey = survey_by_token(token=token)
    body: dict = {}
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            body = None  # type: ignore[assignment]
        if not isinstance(body, dict):
            return _json({"error": "the body must be a JSON object"}, 400)
    requested = body.get("lang") or request.GET.get("lang")
    lang = requested if requested in LANGUAGES else None
    lang = lang or respondent_language(request, survey.workspace.language if survey else None)
    if survey is None:
        with translation.override(lang):
            return _json({"error": _("Survey not found")}, 404, lang)
    if survey.status == SurveyStatus.CLOSED:
        with translation.override(lang):
            return _json({"error": _("This survey is closed")}, 410, lang)
    if not ratelimit.allow(ip=_client_ip(request), token=token):
        with translation.override(lang):
            message = _(
                "Too many answers are arriving from here right now. "
                "Please wait a minute and try again."
            )
        response = _json({"error": message}, 429, lang)
        response["Retry-After"] = "60"
        return response
    if request.method == "GET":
        return _json(_widget_text(survey, lang), 200, lang)
    if body.get(HONEYPOT):
        return _json({"ok": True, "created": False}, 200, lang)
    text = {k: v if isinstance(v := body.get(k), str) else "" for k in ("comment", "follow_up")}
    if any(len(v) > MAX_COMMENT for v in text.values()):
        text = {k: v[: MAX_COMMENT + 1] for k, v in text.items()}
    key = body.get("key") if isinstance(body.get("key"), str) else ""
    key = (key or request.headers.get("Idempotency-Key", ""))[:MAX_KEY]
    context = context_resolve(
        survey=survey,
        touchpoint=str(body.get("tp") or ""),
        unit=str(body.get("unit") or ""),
        employee=str(body.get("emp") or ""),
    )
    try:
        response, created = response_submit(
            survey=survey,
            score=body.get("score"),
            comment=text["comment"],
            follow_up=text["follow_up"],
            language=lang,
            channel=Channel.WIDGET,
            context=context,
            customer_id=str(body.get("c") or ""),
            idempotency_key=key,
            respondent_unit=str(body.get("from") or ""),
            competitor_score=body.get("competitor_score"),
        )
    except SurveyNotOpen as exc:
        with translation.override(lang):
            return _json({"error": str(exc)}, 410, lang)
    except (ResponseRejected, InvalidInputError) as exc:
        with translation.override(lang):
            return _json({"error": str(exc)}, 400, lang)
    return _json({"ok": True, "created": created, "id": response.pk}, 201 if created else 200, lang)
