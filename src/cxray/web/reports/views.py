"""Leadership report (HTML page, PDF download) and the KPI transparency page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language

from cxray.web.initiatives.selectors import can_view_initiatives
from cxray.web.reports import kpi as kpi_selectors
from cxray.web.reports.render import LANGUAGES, report_context, report_pdf
from cxray.web.reports.selectors import leadership
from cxray.web.workspaces.decorators import workspace_view


def _language(request: HttpRequest) -> str:
    asked = request.GET.get("language", "")
    if asked in LANGUAGES:
        return asked
    current = (get_language() or "en")[:2]
    return current if current in LANGUAGES else "en"


@workspace_view(allow=can_view_initiatives)
def leadership_report(request: HttpRequest) -> HttpResponse:
    report = leadership(
        workspace=request.workspace, scope=request.scope, as_of=timezone.localdate()
    )
    languages = [(c, n) for c, n in settings.LANGUAGES if c in LANGUAGES]
    return render(
        request,
        "reports/leadership.html",
        {
            **report_context(report, request.workspace),
            "report_languages": languages,
            "language": _language(request),
        },
    )


@workspace_view(allow=can_view_initiatives)
def leadership_report_pdf(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    today = timezone.localdate()
    report = leadership(workspace=request.workspace, scope=request.scope, as_of=today)
    pdf = report_pdf(report, workspace=request.workspace, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"cxray-{request.workspace.slug}-{today.isoformat()}-{language}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@workspace_view()
def kpi(request: HttpRequest) -> HttpResponse:
    m = request.membership
    subject = kpi_selectors.subject_for(
        m, unit=request.GET.get("unit") or None, employee=request.GET.get("employee") or None
    )
    context: dict = {"subject": subject, "frontline": m.role == "frontline"}
    if subject is not None:
        context |= {
            "label": kpi_selectors.subject_label(subject),
            "figures": kpi_selectors.figures(
                membership=m, subject=subject, as_of=timezone.localdate()
            ),
            "actions": kpi_selectors.actions(subject=subject),
            "cases": kpi_selectors.cases(membership=m, subject=subject),
            "units": kpi_selectors.visible_units(m),
            "employees": kpi_selectors.visible_employees(m),
        }
    return render(request, "reports/kpi.html", context)
