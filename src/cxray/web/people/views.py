from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cxray.web.people.selectors import employee_list, unit_list
from cxray.web.workspaces.decorators import workspace_view


@workspace_view()
def organisation(request: HttpRequest) -> HttpResponse:
    units = list(unit_list(workspace=request.workspace, scope=request.scope))
    employees = employee_list(workspace=request.workspace, scope=request.scope)
    return render(request, "people/organisation.html", {"units": units, "employees": employees})
