"""KPI transparency: whose figures a member may see, and everything shown next to them.

Frontline employees see only themselves; unit managers their unit and everything below it
(units and the employees in them); everyone else the whole workspace.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from cxray.analytics.kpi import SubjectKpis, subject_kpis
from cxray.web.accounts.models import Membership, Role
from cxray.web.accounts.scope import scope_for, unit_subtree_codes
from cxray.web.analytics_store import analytics
from cxray.web.dashboards.selectors import ScopedStore
from cxray.web.initiatives.models import ActionItem
from cxray.web.people.models import Employee, Unit

log = logging.getLogger(__name__)
MAX_CASES = 10
MAX_ITEMS = 10


@dataclass
class Subject:
    kind: str  # "unit" or "employee"
    unit: Unit | None = None
    employee: Employee | None = None
    units: frozenset[str] = field(default_factory=frozenset)  # the unit's subtree

    @property
    def name(self) -> str:
        return self.employee.name if self.employee else self.unit.name if self.unit else ""

    @property
    def code(self) -> str:
        return self.employee.code if self.employee else self.unit.code if self.unit else ""


def visible_units(membership: Membership) -> QuerySet[Unit]:
    units = Unit.objects.filter(workspace=membership.workspace)
    scope = scope_for(membership)
    if membership.role == Role.FRONTLINE:
        return units.none()
    if scope.unit_ids is not None:
        return units.filter(code__in=scope.unit_ids)
    return units


def visible_employees(membership: Membership) -> QuerySet[Employee]:
    employees = Employee.objects.filter(workspace=membership.workspace).select_related("unit")
    if membership.role == Role.FRONTLINE:
        return (
            employees.filter(pk=membership.employee_id)
            if membership.employee_id
            else employees.none()
        )
    scope = scope_for(membership)
    if scope.unit_ids is not None:
        return employees.filter(unit__code__in=scope.unit_ids)
    return employees


def subject_for(
    membership: Membership, *, unit: str | None = None, employee: str | None = None
) -> Subject | None:
    """The unit or employee asked for, if this member may see them; else a default one.

    None when the member may see nobody (a frontline member not linked to an employee).
    """
    if membership.role == Role.FRONTLINE:
        e = visible_employees(membership).first()
        return Subject("employee", employee=e) if e else None
    if employee:
        e = visible_employees(membership).filter(code=employee).first()
        if e is not None:
            return Subject("employee", employee=e)
    units = visible_units(membership)
    u = units.filter(code=unit).first() if unit else None
    if u is None and membership.role == Role.UNIT_MANAGER:
        u = membership.unit
    if u is None:
        u = units.filter(parent__isnull=True).first() or units.first()
    if u is None:
        return None
    return Subject("unit", unit=u, units=unit_subtree_codes(u))


def figures(*, membership: Membership, subject: Subject, as_of: date) -> SubjectKpis:
    with analytics() as store:
        return subject_kpis(
            ScopedStore(store, scope_for(membership)),
            membership.workspace.slug,
            as_of=as_of,
            units=subject.units if subject.kind == "unit" else None,
            employee=subject.employee.code if subject.employee else None,
        )


def actions(*, subject: Subject) -> QuerySet[ActionItem]:
    """Tasks of initiatives that help this person or unit: about the employee, or of an
    initiative owned by or made in the unit (or a unit below it)."""
    qs = ActionItem.objects.select_related("initiative", "owner", "employee")
    if subject.employee is not None:
        e = subject.employee
        qs = qs.filter(
            Q(employee=e) | Q(initiative__treated_units=e.unit) | Q(initiative__owner_unit=e.unit)
        ).filter(initiative__workspace_id=e.workspace_id)
    else:
        codes = list(subject.units)
        qs = qs.filter(
            Q(initiative__treated_units__code__in=codes)
            | Q(initiative__owner_unit__code__in=codes)
            | Q(employee__unit__code__in=codes)
        ).filter(initiative__workspace_id=subject.unit.workspace_id)
    return qs.distinct().order_by("done", "due", "pk")[:MAX_ITEMS]


def cases(*, membership: Membership, subject: Subject) -> list[dict[str, Any]] | None:
    """The subject's cases, if the cases app is installed (None when it is not)."""
    try:
        from cxray.web.cases.selectors import cases_for
    except ImportError:
        return None
    try:
        found = cases_for(
            membership.workspace,
            unit=subject.unit if subject.kind == "unit" else None,
            employee=subject.employee,
        )
    except Exception:  # a broken neighbour must not take the KPI page down
        log.exception("cases_for failed")
        return None
    rows = []
    for c in list(found[:MAX_CASES]):
        status = getattr(c, "get_status_display", None)
        try:
            url = reverse("case_detail", args=[membership.workspace.slug, c.pk])
        except NoReverseMatch:
            url = ""
        rows.append(
            {
                "title": str(c),
                "status": status() if callable(status) else getattr(c, "status", ""),
                "url": url,
            }
        )
    return rows


def subject_label(subject: Subject) -> str:
    if subject.kind == "employee":
        return _("Employee %(name)s") % {"name": subject.name}
    return _("Unit %(name)s (with the units below it)") % {"name": subject.name}
