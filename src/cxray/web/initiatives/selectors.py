"""Reads for initiatives: lists, one initiative, and what a role may see or change."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from cxray.web.accounts.models import Membership, Role
from cxray.web.initiatives.models import ActionItem, Initiative
from cxray.web.workspaces.models import Workspace


def can_view_initiatives(membership: Membership) -> bool:
    """Everyone but frontline employees, who see only their own feedback and cases."""
    return membership.role != Role.FRONTLINE


def can_plan(membership: Membership) -> bool:
    """Who may create and change initiatives and tick off action items."""
    return membership.role in {Role.ADMIN, Role.CX_MANAGER, Role.UNIT_MANAGER}


def initiative_list(*, workspace: Workspace, status: str | None = None) -> QuerySet[Initiative]:
    qs = (
        Initiative.objects.filter(workspace=workspace)
        .select_related("owner", "owner_unit")
        .prefetch_related("touchpoints", "treated_units")
        .annotate(n_items=Count("items"), n_done=Count("items", filter=Q(items__done=True)))
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def initiative_get(*, workspace: Workspace, pk: int) -> Initiative:
    """One initiative of this workspace, 404 otherwise (never another workspace's)."""
    return get_object_or_404(
        Initiative.objects.select_related("owner", "owner_unit", "workspace").prefetch_related(
            "touchpoints", "treated_units"
        ),
        workspace=workspace,
        pk=pk,
    )


def action_item_get(*, initiative: Initiative, pk: int) -> ActionItem:
    return get_object_or_404(ActionItem, initiative=initiative, pk=pk)


def action_items(*, initiative: Initiative) -> QuerySet[ActionItem]:
    return initiative.items.select_related("owner", "employee")


def member_users(*, workspace: Workspace) -> list:
    """The users who may own an initiative or a task: the workspace's members."""
    return [
        m.user
        for m in Membership.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by("user__username")
    ]


def initiative_as_dict(initiative: Initiative, effect: Any | None = None) -> dict[str, Any]:
    """The JSON form of one initiative (API and CLI); ``effect`` is a ``Measured``."""
    i = initiative
    out: dict[str, Any] = {
        "id": i.pk,
        "title": i.title,
        "description": i.description,
        "source": i.source,
        "owner": i.owner.get_username() if i.owner else None,
        "owner_unit": i.owner_unit.code if i.owner_unit else None,
        "due": i.due.isoformat() if i.due else None,
        "status": i.status,
        "touchpoints": [t.code for t in i.touchpoints.all()],
        "themes": list(i.themes),
        "journey_steps": list(i.journey_steps),
        "treated_units": [u.code for u in i.treated_units.all()],
        "treated_segment": i.treated_segment or None,
        "started": i.started.isoformat() if i.started else None,
        "outcome": i.outcome,
        "expected_effect": float(i.expected_effect) if i.expected_effect is not None else None,
        "items": [
            {
                "id": it.pk,
                "task": it.task,
                "owner": it.owner.get_username() if it.owner else None,
                "employee": it.employee.code if it.employee else None,
                "due": it.due.isoformat() if it.due else None,
                "done": it.done,
            }
            for it in action_items(initiative=i)
        ],
    }
    if effect is not None:
        out["measured"] = effect.effect.as_dict() if effect.effect else None
        out["not_measured_because"] = effect.reason or None
    return out
