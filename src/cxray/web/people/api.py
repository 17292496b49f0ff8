"""/api/v1/people: attachment to a person, employee surveys (eNPS, protected), the internal
service matrix and EX beside CX. Figures are those of the web pages, with n and intervals."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router
from ninja.errors import HttpError

from cxray.web.api.schemas import ErrorOut
from cxray.web.people.selectors import attachment_report, employee_report, internal_report

router = Router(tags=["people"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
LEVELS = ("branch", "department", "region")


def _no_frontline(request: HttpRequest) -> None:
    if request.scope.employee_ids is not None:
        raise HttpError(403, f"the role {request.membership.role!r} may not see people analytics")


@router.get("/attachment", response={200: dict, **ERRORS})
def attachment(request: HttpRequest):
    """Churn of customers attached to employees who left, against comparable customers
    (risk ratio with its 95% interval), and who the active customers depend on now."""
    _no_frontline(request)
    r = attachment_report(
        workspace=request.workspace, scope=request.scope, as_of=timezone.localdate()
    )
    return r.as_dict()


@router.get("/employees", response={200: dict, **ERRORS})
def employees(request: HttpRequest, level: Query[str] = "branch"):
    """eNPS from anonymous cells of at least the workspace's minimum group size, by unit and
    quarter, and eNPS beside customer NPS per unit with the correlation (also lagged)."""
    _no_frontline(request)
    if level not in LEVELS:
        raise HttpError(400, f"level must be one of {', '.join(LEVELS)}")
    r = employee_report(
        workspace=request.workspace, scope=request.scope, as_of=timezone.localdate(), level=level
    )
    return r.as_dict()


@router.get("/internal", response={200: dict, **ERRORS})
def internal(request: HttpRequest):
    """The internal NPS matrix: raters' unit x rated unit, with n, intervals and the seams."""
    _no_frontline(request)
    m = internal_report(
        workspace=request.workspace, scope=request.scope, as_of=timezone.localdate()
    )
    return m.as_dict()
