"""Survey management pages under /w/<slug>/surveys/."""

from __future__ import annotations

import io
from collections.abc import Iterator

import segno
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cxray.analytics.anonymity import EMPLOYEE_METRICS
from cxray.errors import InvalidInputError
from cxray.web.accounts.scope import can_export, can_import
from cxray.web.exports import xlsx_response
from cxray.web.surveys.export import export_csv, export_rows
from cxray.web.surveys.forms import ContactPolicyForm, InviteForm, SurveyForm
from cxray.web.surveys.invitations import (
    contacts_from_csv,
    contacts_from_text,
    invitations_remind,
    invitations_send,
    invitations_send_due,
    policy_for,
    policy_update,
)
from cxray.web.surveys.models import LANGUAGES, Invitation, InvitationStatus
from cxray.web.surveys.selectors import (
    ResponseFilters,
    response_list,
    survey_get,
    survey_list,
)
from cxray.web.surveys.services import (
    WORDING_FIELDS,
    survey_close,
    survey_create,
    survey_publish,
    survey_update,
)
from cxray.web.workspaces.decorators import workspace_view

RESPONSES_SHOWN = 200


def public_link(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("survey_respond", args=[token]))


@workspace_view()
def survey_value(request: HttpRequest) -> HttpResponse:
    """Is each survey worth asking: answers, response rate, and whether anyone acted."""
    from cxray.web.surveys.value import IDLE_DAYS, survey_values

    values = survey_values(workspace=request.workspace)
    return render(
        request,
        "surveys/value.html",
        {"values": values, "idle_days": IDLE_DAYS, "idle": sum(v.idle for v in values)},
    )


@workspace_view()
def surveys(request: HttpRequest) -> HttpResponse:
    """What are we asking, why, who owns it, and how many answer."""
    rows = [
        {"survey": s, "link": public_link(request, s.public_token)}
        for s in survey_list(workspace=request.workspace)
    ]
    return render(
        request,
        "surveys/list.html",
        {"rows": rows, "may_edit": can_import(request.membership)},
    )


def _save(request: HttpRequest, form: SurveyForm, survey=None):
    data = dict(form.cleaned_data)
    try:
        if survey is None:
            return survey_create(workspace=request.workspace, **data)
        return survey_update(survey=survey, **data)
    except InvalidInputError as exc:
        form.add_error(None, str(exc))
        return None


def _previews(survey) -> list[dict]:
    low, high = survey.scale
    return [
        {
            "lang": lang,
            "question": survey.question(lang),
            "follow_up": survey.follow_up(lang),
            "scores": range(low, high + 1),
        }
        for lang in LANGUAGES
    ]


@workspace_view(allow=can_import)
def survey_new(request: HttpRequest) -> HttpResponse:
    form = SurveyForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        survey = _save(request, form)
        if survey is not None:
            messages.success(request, _("Survey created as a draft."))
            return redirect("survey_edit", slug=request.workspace.slug, pk=survey.pk)
    return render(request, "surveys/edit.html", {"form": form, "survey": None})


@workspace_view(allow=can_import)
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = survey_get(workspace=request.workspace, pk=pk)
    form = SurveyForm(request.POST or None, instance=survey, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        # form.is_valid() has already copied the fields onto the instance; re-read it so the
        # service validates and saves from a clean state.
        survey = survey_get(workspace=request.workspace, pk=pk)
        if _save(request, form, survey) is not None:
            messages.success(request, _("Survey saved."))
            return redirect("survey_edit", slug=request.workspace.slug, pk=survey.pk)
    survey = survey_get(workspace=request.workspace, pk=pk)
    return render(
        request,
        "surveys/edit.html",
        {
            "form": form,
            "survey": survey,
            "previews": _previews(survey),
            "link": public_link(request, survey.public_token),
            "widget_src": request.build_absolute_uri(static("cxray/widget.js")),
            "wording_fields": WORDING_FIELDS,
        },
    )


@workspace_view(allow=can_import)
@require_POST
def survey_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    survey = survey_get(workspace=request.workspace, pk=pk)
    try:
        survey_publish(survey=survey)
        messages.success(request, _("Survey published: its link accepts answers."))
    except InvalidInputError:
        messages.error(
            request,
            _(
                "A survey cannot be published without its purpose (the decision it serves) "
                "and its owner: fill them in and publish again."
            ),
        )
    return redirect("survey_edit", slug=request.workspace.slug, pk=survey.pk)


@workspace_view(allow=can_import)
@require_POST
def survey_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    survey = survey_close(survey=survey_get(workspace=request.workspace, pk=pk))
    messages.success(request, _("Survey closed: its link no longer accepts answers."))
    return redirect("survey_edit", slug=request.workspace.slug, pk=survey.pk)


@workspace_view()
def survey_responses(request: HttpRequest, pk: int) -> HttpResponse:
    survey = survey_get(workspace=request.workspace, pk=pk)
    if survey.type in EMPLOYEE_METRICS:  # anonymous: only as groups, on the people pages
        return _employee_survey_redirect(request)
    filters = ResponseFilters.from_query(request.GET)
    qs = response_list(survey=survey, scope=request.scope, filters=filters)
    return render(
        request,
        "surveys/responses.html",
        {
            "survey": survey,
            "responses": qs[:RESPONSES_SHOWN],
            "n": qs.count(),
            "shown": RESPONSES_SHOWN,
            "filters": filters,
            "languages": LANGUAGES,
            "low_high": survey.scale,
            "query": request.GET.urlencode(),
            "may_export": can_export(request.membership),
        },
    )


def _employee_survey_redirect(request: HttpRequest) -> HttpResponse:
    messages.info(
        request,
        _("Employee survey answers are anonymous: they are shown only for groups of at least "
          "the minimum size, on the People pages."),
    )  # fmt: skip
    return redirect("people_employees", request.workspace.slug)


@workspace_view(allow=can_export)
def survey_responses_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The filtered responses as CSV (UTF-8 with BOM for Excel; formulas neutralised), with
    each answer's themes and codes and the notes of its case."""
    survey = survey_get(workspace=request.workspace, pk=pk)
    if survey.type in EMPLOYEE_METRICS:
        return _employee_survey_redirect(request)
    response = HttpResponse(
        export_csv(_export_rows(request, survey)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-responses.csv"'
    return response


@workspace_view(allow=can_export)
def survey_responses_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The filtered responses as an Excel workbook (formulas neutralised, as in the CSV)."""
    survey = survey_get(workspace=request.workspace, pk=pk)
    if survey.type in EMPLOYEE_METRICS:
        return _employee_survey_redirect(request)
    return xlsx_response(
        [(_("Responses"), _export_rows(request, survey))], f"survey-{survey.pk}-responses.xlsx"
    )


def _export_rows(request: HttpRequest, survey) -> Iterator[list]:
    """The header, then one row per filtered response (what the user may see)."""
    return export_rows(
        survey=survey, scope=request.scope, filters=ResponseFilters.from_query(request.GET)
    )


def _qr(request: HttpRequest, pk: int) -> segno.QRCode:
    survey = survey_get(workspace=request.workspace, pk=pk)
    return segno.make(public_link(request, survey.public_token) + "?via=qr", error="m")


@workspace_view()
@require_GET
def survey_qr_svg(request: HttpRequest, pk: int) -> HttpResponse:
    buffer = io.BytesIO()
    _qr(request, pk).save(buffer, kind="svg", scale=8, border=2, xmldecl=False)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


@workspace_view()
@require_GET
def survey_qr_png(request: HttpRequest, pk: int) -> HttpResponse:
    buffer = io.BytesIO()
    _qr(request, pk).save(buffer, kind="png", scale=10, border=2)
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="survey-{pk}-qr.png"'
    return response


# --- invitations ---------------------------------------------------------------------------
INVITATIONS_SHOWN = 500
MAX_CSV_BYTES = 5 * 1024 * 1024


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _read_upload(upload) -> str:
    if upload.size > MAX_CSV_BYTES:
        raise InvalidInputError(_("The file is larger than 5 MB."))
    raw = upload.read()
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInputError(_("The file is not text in UTF-8 or Windows-1251."))


@workspace_view(allow=can_import)
def survey_invitations(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite people (pasted or CSV) under the contact policy; who was invited, who skipped, why."""
    survey = survey_get(workspace=request.workspace, pk=pk)
    form = InviteForm(request.POST or None, request.FILES or None)
    results = None
    if request.method == "POST" and form.is_valid():
        try:
            contacts = contacts_from_text(form.cleaned_data.get("emails") or "")
            if form.cleaned_data.get("file"):
                contacts += contacts_from_csv(_read_upload(form.cleaned_data["file"]))
            results = invitations_send(
                survey=survey, contacts=contacts, base_url=_base_url(request)
            )
        except InvalidInputError as exc:
            form.add_error(None, str(exc))
        else:
            counts = {
                status: sum(1 for r in results if r.status == status)
                for status in ("sent", "waiting", "skipped", "failed")
            }
            messages.success(
                request,
                _(
                    "Sent: %(sent)s · waiting for the end of quiet hours: %(waiting)s · "
                    "skipped: %(skipped)s · failed: %(failed)s"
                )
                % counts,
            )
            return redirect("survey_invitations", slug=request.workspace.slug, pk=survey.pk)
    invitations = Invitation.objects.filter(survey=survey, workspace=request.workspace)
    counts = {
        row["status"]: row["n"]
        for row in invitations.order_by().values("status").annotate(n=Count("pk"))
    }
    return render(
        request,
        "surveys/invitations.html",
        {
            "survey": survey,
            "form": form,
            "invitations": invitations.select_related("contact")[:INVITATIONS_SHOWN],
            "n": sum(counts.values()),
            "shown": INVITATIONS_SHOWN,
            "counts": [(label, counts.get(value, 0)) for value, label in InvitationStatus.choices],
            "policy": policy_for(request.workspace),
        },
    )


@workspace_view(allow=can_import)
@require_POST
def survey_remind(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the one reminder to those who have not answered, and what waited for quiet hours."""
    survey = survey_get(workspace=request.workspace, pk=pk)
    base = _base_url(request)
    due = invitations_send_due(workspace=request.workspace, base_url=base)
    result = invitations_remind(survey=survey, base_url=base)
    messages.success(
        request,
        _(
            "Reminders sent: %(sent)s · opted out: %(opted_out)s · waiting for the end of quiet "
            "hours: %(waiting)s · failed: %(failed)s · waiting invitations sent: %(due)s"
        )
        % {
            "sent": result.sent,
            "opted_out": result.opted_out,
            "waiting": result.waiting,
            "failed": result.failed,
            "due": due,
        },
    )
    return redirect("survey_invitations", slug=request.workspace.slug, pk=survey.pk)


@workspace_view(allow=can_import)
def surveys_contact_policy(request: HttpRequest) -> HttpResponse:
    """How often one person may be asked, across every survey and channel."""
    policy = policy_for(request.workspace)
    form = ContactPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            policy_update(workspace=request.workspace, **form.cleaned_data)
        except InvalidInputError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Contact policy saved."))
            return redirect("surveys_contact_policy", slug=request.workspace.slug)
    return render(request, "surveys/policy.html", {"form": form})
