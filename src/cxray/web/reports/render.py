"""The leadership report as an HTML document or a one-page A4 PDF, from one template."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from cxray.analytics.leadership import LeadershipReport
from cxray.web.workspaces.models import Workspace

LANGUAGES = ("ru", "uk", "en")


def report_context(report: LeadershipReport, workspace: Workspace) -> dict:
    return {"r": report, "workspace": workspace, "currency": workspace.currency}


def report_html(report: LeadershipReport, *, workspace: Workspace, language: str) -> str:
    """A standalone HTML document (print CSS inside), in ``language``."""
    with translation.override(language):
        return render_to_string(
            "reports/leadership_print.html",
            {**report_context(report, workspace), "LANGUAGE_CODE": language},
        )


def report_pdf(report: LeadershipReport, *, workspace: Workspace, language: str) -> bytes:
    """The same document rendered by WeasyPrint: A4, one page."""
    from weasyprint import HTML

    return HTML(string=report_html(report, workspace=workspace, language=language)).write_pdf()
