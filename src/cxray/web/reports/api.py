"""/api/v1/leadership-report and /api/v1/kpi: the same figures as the pages, as JSON."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.errors import HttpError

from cxray.web.api.schemas import ErrorOut
from cxray.web.initiatives.selectors import can_view_initiatives
from cxray.web.reports import kpi as kpi_selectors
from cxray.web.reports.selectors import leadership

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
leadership_router = Router(tags=["reports"])
kpi_router = Router(tags=["reports"])


@leadership_router.get("", response={200: dict, **ERRORS})
def leadership_report(request: HttpRequest):
    """The one-page leadership report: revenue and CLV by loyalty group, value at risk by
    touchpoint and segment, initiatives with their measured return (difference in
    differences, money per year), and the three touchpoints to change first with the rule."""
    if not can_view_initiatives(request.membership):
        raise HttpError(403, f"the role {request.membership.role!r} may not do this")
    report = leadership(
        workspace=request.workspace, scope=request.scope, as_of=timezone.localdate()
    )
    return report.as_dict()


@kpi_router.get("", response={200: dict, **ERRORS})
def kpi(request: HttpRequest, unit: str = "", employee: str = ""):
    """A unit's (with the units below it) or an employee's customer metrics, last 90 days
    against the 90 before, and the comments, cases and planned actions behind them.
    Frontline tokens see only their own employee; unit managers their subtree."""
    m = request.membership
    subject = kpi_selectors.subject_for(m, unit=unit or None, employee=employee or None)
    if subject is None:
        raise HttpError(404, "nobody to show: the token's member is not linked to a unit")
    if (unit and subject.kind == "unit" and subject.code != unit) or (
        employee and subject.code != employee
    ):
        raise HttpError(404, "no such unit or employee in what this token may see")
    figures = kpi_selectors.figures(membership=m, subject=subject, as_of=timezone.localdate())
    return {
        "subject": {"kind": subject.kind, "code": subject.code, "name": subject.name},
        **figures.as_dict(),
        "cases": kpi_selectors.cases(membership=m, subject=subject),
        "actions": [
            {
                "initiative": it.initiative_id,
                "task": it.task,
                "due": it.due.isoformat() if it.due else None,
                "done": it.done,
            }
            for it in kpi_selectors.actions(subject=subject)
        ],
    }
