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
    return Router(workspace).owner(facts)


class Router:
    """``owner_for`` for many cases of one workspace (the intake's batches): the rules, each
    touchpoint's and unit's owner and each unit's manager are read once, not once per case."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._rules: list[RoutingRule] | None = None
        self._subtrees: dict[int, frozenset[str]] = {}
        self._touchpoint_units: dict[str, Unit | None] = {}
        self._units: dict[str, Unit | None] = {}
        self._managers: dict[int, AbstractBaseUser | None] = {}

    def _active_rules(self) -> list[RoutingRule]:
        if self._rules is None:
            self._rules = list(
                RoutingRule.objects.filter(workspace=self.workspace, active=True).select_related(
                    "unit", "owner_unit", "owner_user"
                )
            )
        return self._rules

    def _subtree(self, rule: RoutingRule) -> frozenset[str]:
        # Read only when a rule is reached (rules before it may match first).
        if not rule.unit_id:
            return frozenset()
        if rule.pk not in self._subtrees:
            self._subtrees[rule.pk] = unit_subtree_codes(rule.unit)
        return self._subtrees[rule.pk]

    def manager(self, unit: Unit | None) -> AbstractBaseUser | None:
        if unit is None:
            return None
        if unit.pk not in self._managers:
            self._managers[unit.pk] = unit_manager(unit)
        return self._managers[unit.pk]

    def _touchpoint_unit(self, code: str) -> Unit | None:
        if code not in self._touchpoint_units:
            tp = (
                Touchpoint.objects.filter(workspace=self.workspace, code=code)
                .select_related("owner_unit")
                .first()
            )
            self._touchpoint_units[code] = tp.owner_unit if tp else None
        return self._touchpoint_units[code]

    def _unit(self, code: str) -> Unit | None:
        if code not in self._units:
            self._units[code] = Unit.objects.filter(workspace=self.workspace, code=code).first()
        return self._units[code]

    def owner(self, facts: CaseFacts) -> Owner:
        for rule in self._active_rules():
            if rule_matches(rule, facts, subtree=self._subtree(rule)):
                user = rule.owner_user or self.manager(rule.owner_unit)
                return Owner(unit=rule.owner_unit, user=user, rule=rule)
        unit = None
        if facts.touchpoint_code:
            unit = self._touchpoint_unit(facts.touchpoint_code)
        if unit is None and facts.unit_code:
            unit = self._unit(facts.unit_code)
        return Owner(unit=unit, user=self.manager(unit))
