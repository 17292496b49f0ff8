"""Reads for cases: lists within a role's scope, counts per touchpoint, the cases of a unit or
a person, and the measured reaction."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cxray.web.accounts.scope import Scope, unit_subtree_codes
from cxray.web.cases.models import OPEN_STATUSES, Case, CaseSettings, RoutingRule
from cxray.web.people.models import Employee, Unit
from cxray.web.workspaces.models import Workspace


def case_settings_get(*, workspace: Workspace) -> CaseSettings:
    found = CaseSettings.objects.filter(workspace=workspace).first()
    return found if found is not None else CaseSettings(workspace=workspace)


def routing_rule_list(*, workspace: Workspace) -> QuerySet[RoutingRule]:
    return RoutingRule.objects.filter(workspace=workspace).select_related(
        "unit", "owner_unit", "owner_user"
    )


def open_case_counts(workspace: Workspace) -> dict[str, int]:
    """Open cases per touchpoint code (cases without a touchpoint are left out)."""
    rows = (
        Case.objects.filter(workspace=workspace, status__in=OPEN_STATUSES)
        .exclude(touchpoint_code="")
        .values("touchpoint_code")
        .annotate(n=Count("pk"))
    )
    return {r["touchpoint_code"]: r["n"] for r in rows}


def cases_for(
    workspace: Workspace,
    *,
    unit: Unit | str | None = None,
    employee: Employee | str | None = None,
) -> QuerySet[Case]:
    """The cases of a unit (owned by it or about feedback in it, the subtree included) or of
    an employee (about them, or owned by their user); all of the workspace's without either."""
    qs = Case.objects.filter(workspace=workspace).select_related("owner_unit", "owner_user")
    if unit is not None:
        if isinstance(unit, str):
            unit = Unit.objects.filter(workspace=workspace, code=unit).first()
            if unit is None:
                return qs.none()
        codes = unit_subtree_codes(unit)
        qs = qs.filter(Q(owner_unit__code__in=codes) | Q(unit_code__in=codes))
    if employee is not None:
        if isinstance(employee, str):
            employee = Employee.objects.filter(workspace=workspace, code=employee).first()
            if employee is None:
                return qs.none()
        mine = Q(employee_code=employee.code)
        if employee.user_id:
            mine |= Q(owner_user_id=employee.user_id)
        qs = qs.filter(mine)
    return qs


def case_list(
    *,
    workspace: Workspace,
    scope: Scope,
    user_id: int | None = None,
    status: str = "",
    overdue: bool = False,
    unit: str = "",
    mine: bool = False,
    now: datetime | None = None,
) -> QuerySet[Case]:
    """Cases a member may see, filtered. A unit manager sees the cases owned by or about their
    subtree; a frontline employee those about them or assigned to them, nothing else."""
    qs = Case.objects.filter(workspace=workspace).select_related("owner_unit", "owner_user")
    visible = Q()
    if scope.unit_ids is not None:
        visible &= Q(owner_unit__code__in=scope.unit_ids) | Q(unit_code__in=scope.unit_ids)
    if scope.employee_ids is not None:
        visible &= Q(employee_code__in=scope.employee_ids) | Q(owner_user_id=user_id or -1)
    qs = qs.filter(visible)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if overdue:
        qs = case_overdue_filter(qs, now=now or timezone.now())
    if unit:
        ws_unit = Unit.objects.filter(workspace=workspace, code=unit).first()
        codes = unit_subtree_codes(ws_unit) if ws_unit else frozenset()
        qs = qs.filter(Q(owner_unit__code__in=codes) | Q(unit_code__in=codes))
    if mine and user_id:
        qs = qs.filter(owner_user_id=user_id)
    return qs


def case_overdue_filter(qs: QuerySet[Case], *, now: datetime) -> QuerySet[Case]:
    """Cases past their reaction deadline without a reaction."""
    return qs.filter(first_reaction_at__isnull=True, due_at__lt=now, status__in=OPEN_STATUSES)


def case_get(*, workspace: Workspace, scope: Scope, user_id: int | None, pk: int) -> Case:
    case = case_list(workspace=workspace, scope=scope, user_id=user_id).filter(pk=pk).first()
    if case is None:
        raise Http404("no such case")
    return case


# --- measured reaction ---------------------------------------------------------------------
def cases_frame(qs: QuerySet[Case]):
    """The cases as the frame cxray.analytics.reaction reads (UTC, naive timestamps)."""
    import pandas as pd

    rows = list(
        qs.values_list(
            "pk",
            "customer_id",
            "metric",
            "score",
            "opened_at",
            "first_due_at",
            "first_reaction_at",
            "closed_at",
            "resolved_at",
        )
    )
    cols = [
        "case_id",
        "customer_id",
        "metric",
        "score",
        "opened",
        "due",
        "first_reaction",
        "closed",
        "resolved",
    ]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("opened", "due", "first_reaction", "closed", "resolved"):
        df[c] = pd.to_datetime(df[c], utc=True).dt.tz_localize(None)
    # Closure: closed, or resolved when the team does not close separately.
    df["closed"] = df["closed"].fillna(df["resolved"])
    df["score"] = df["score"].astype("float64")
    return df.drop(columns=["resolved"])


def reaction_report(*, workspace: Workspace, scope: Scope, user_id: int | None, now: datetime):
    """(ReactionTimes, ReactionOutcome or None) of the cases the member sees.

    The outcome needs the analytics store (customers, later answers); None when it is busy.
    """
    from cxray.analytics.reaction import reaction_outcome, reaction_times
    from cxray.web.analytics_store import StoreBusyError, analytics

    frame = cases_frame(case_list(workspace=workspace, scope=scope, user_id=user_id))
    times = reaction_times(frame, now=now)
    if frame.empty:
        return times, None
    try:
        with analytics() as store:
            outcome = reaction_outcome(
                frame,
                customers=store.table("customers", workspace.slug),
                responses=store.table("responses", workspace.slug),
                as_of=now,
            )
    except StoreBusyError:
        outcome = None
    return times, outcome
