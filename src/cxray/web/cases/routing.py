"""Who owns a new case: the workspace's routing rules, else the touchpoint's owner unit, else
the unit of the feedback."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser

from cxray.web.accounts.models import Membership, Role
from cxray.web.accounts.scope import unit_subtree_codes
from cxray.web.cases.models import RoutingRule
from cxray.web.journeys.models import Touchpoint
from cxray.web.people.models import Unit
from cxray.web.workspaces.models import Workspace


@dataclass(frozen=True)
class CaseFacts:
    """What routing may look at: the context of the feedback."""

    touchpoint_code: str = ""
    unit_code: str = ""
    segment: str = ""
    theme: str = ""
    value_at_risk: Decimal | None = None


@dataclass(frozen=True)
class Owner:
    unit: Unit | None
    user: AbstractBaseUser | None
    rule: RoutingRule | None = None


def rule_matches(rule: RoutingRule, facts: CaseFacts, *, subtree: frozenset[str]) -> bool:
    """Every condition the rule sets holds (a blank condition holds for anything).

    ``subtree`` is the rule's unit and the units below it (empty when the rule names none).
    """
    if rule.touchpoint_code and rule.touchpoint_code != facts.touchpoint_code:
        return False
    if rule.unit_id and facts.unit_code not in subtree:
        return False
    if rule.segment and rule.segment.casefold() != facts.segment.casefold():
        return False
    if rule.theme and rule.theme != facts.theme:
        return False
    if rule.min_value_at_risk is None:
        return True
    return facts.value_at_risk is not None and facts.value_at_risk >= rule.min_value_at_risk


def unit_manager(unit: Unit | None) -> AbstractBaseUser | None:
    """The first unit-manager member attached to ``unit`` (the person a unit's case goes to)."""
    if unit is None:
        return None
    m = (
        Membership.objects.filter(workspace_id=unit.workspace_id, role=Role.UNIT_MANAGER, unit=unit)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return m.user if m else None


def owner_for(workspace: Workspace, facts: CaseFacts) -> Owner:
    for rule in RoutingRule.objects.filter(workspace=workspace, active=True).select_related(
        "unit", "owner_unit", "owner_user"
    ):
        subtree = unit_subtree_codes(rule.unit) if rule.unit_id else frozenset()
        if rule_matches(rule, facts, subtree=subtree):
            user = rule.owner_user or unit_manager(rule.owner_unit)
            return Owner(unit=rule.owner_unit, user=user, rule=rule)
    unit = None
    if facts.touchpoint_code:
        tp = (
            Touchpoint.objects.filter(workspace=workspace, code=facts.touchpoint_code)
            .select_related("owner_unit")
            .first()
        )
        unit = tp.owner_unit if tp else None
    if unit is None and facts.unit_code:
        unit = Unit.objects.filter(workspace=workspace, code=facts.unit_code).first()
    return Owner(unit=unit, user=unit_manager(unit))
