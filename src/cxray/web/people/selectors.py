from __future__ import annotations

from django.db.models import QuerySet

from cxray.web.accounts.scope import Scope
from cxray.web.people.models import Employee, Unit
from cxray.web.workspaces.models import Workspace


def unit_list(*, workspace: Workspace, scope: Scope) -> QuerySet[Unit]:
    qs = Unit.objects.filter(workspace=workspace).select_related("parent")
    if scope.unit_ids is not None:
        qs = qs.filter(code__in=scope.unit_ids)
    return qs


def employee_list(*, workspace: Workspace, scope: Scope) -> QuerySet[Employee]:
    qs = Employee.objects.filter(workspace=workspace).select_related("unit")
    if scope.unit_ids is not None:
        qs = qs.filter(unit__code__in=scope.unit_ids)
    if scope.employee_ids is not None:
        qs = qs.filter(code__in=scope.employee_ids)
    return qs
