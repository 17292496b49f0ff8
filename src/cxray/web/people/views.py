from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cxray.errors import InvalidInputError
from cxray.web.accounts.scope import can_manage
from cxray.web.people.anonymity import people_settings_get
from cxray.web.people.charts import heatmap_svg
from cxray.web.people.selectors import (
    attachment_report,
    employee_list,
    employee_report,
    internal_report,
    unit_list,
    unit_names,
)
from cxray.web.people.services import people_settings_update
from cxray.web.workspaces.decorators import workspace_view

LEVELS = ("branch", "department", "region")


@workspace_view()
def organisation(request: HttpRequest) -> HttpResponse:
    units = list(unit_list(workspace=request.workspace, scope=request.scope))
    employees = employee_list(workspace=request.workspace, scope=request.scope)
    return render(request, "people/organisation.html", {"units": units, "employees": employees})


def _no_frontline(request: HttpRequest) -> None:
    # Frontline staff see their own feedback; analytics about colleagues are not theirs.
    if request.scope.employee_ids is not None:
        raise PermissionDenied


@workspace_view()
def attachment(request: HttpRequest) -> HttpResponse:
    _no_frontline(request)
    report = attachment_report(
        workspace=request.workspace, scope=request.scope, as_of=timezone.localdate()
    )
    return render(
        request,
        "people/attachment.html",
        {"r": report, "names": unit_names(workspace=request.workspace),
         "currency": request.workspace.currency},
    )  # fmt: skip


@workspace_view()
def employees(request: HttpRequest) -> HttpResponse:
    _no_frontline(request)
    if request.method == "POST":
        if not can_manage(request.membership):
            raise PermissionDenied
        try:
            people_settings_update(
                workspace=request.workspace,
                min_group_size=int(request.POST.get("min_group_size", "5")),
            )
            messages.success(request, _("The minimum group size is saved."))
        except (InvalidInputError, ValueError) as exc:
            messages.error(request, str(exc))
        return redirect("people_employees", request.workspace.slug)
    level = request.GET.get("level")
    level = level if level in LEVELS else "branch"
    report = employee_report(
        workspace=request.workspace, scope=request.scope, as_of=timezone.localdate(), level=level
    )
    return render(
        request,
        "people/employees.html",
        {
            "r": report,
            "names": unit_names(workspace=request.workspace),
            "levels": LEVELS,
            "level": level,
            "settings": people_settings_get(workspace_slug=request.workspace.slug),
            "may_manage": can_manage(request.membership),
        },
    )


@workspace_view()
def internal(request: HttpRequest) -> HttpResponse:
    _no_frontline(request)
    matrix = internal_report(
        workspace=request.workspace, scope=request.scope, as_of=timezone.localdate()
    )
    names = unit_names(workspace=request.workspace)
    return render(
        request,
        "people/internal.html",
        {"m": matrix, "names": names, "svg": heatmap_svg(matrix, names)},
    )
