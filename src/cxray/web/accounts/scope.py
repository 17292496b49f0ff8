"""What part of a workspace's data one membership may see."""

from __future__ import annotations

from dataclasses import dataclass

from cxray.web.accounts.models import Membership, Role
from cxray.web.people.models import Unit


@dataclass(frozen=True)
class Scope:
    """None means everything in the workspace; a set restricts rows to those ids."""

    unit_ids: frozenset[str] | None = None
    employee_ids: frozenset[str] | None = None

    @property
    def is_full(self) -> bool:
        return self.unit_ids is None and self.employee_ids is None


def unit_subtree_codes(unit: Unit) -> frozenset[str]:
    """The unit and every unit below it (one query per level; hierarchies are shallow)."""
    codes = {unit.code}
    frontier = [unit.pk]
    while frontier:
        children = list(Unit.objects.filter(parent_id__in=frontier).values_list("pk", "code"))
        codes.update(code for _, code in children)
        frontier = [pk for pk, _ in children]
    return frozenset(codes)


def scope_for(membership: Membership) -> Scope:
    if membership.role == Role.UNIT_MANAGER:
        return Scope(
            unit_ids=unit_subtree_codes(membership.unit) if membership.unit else frozenset()
        )
    if membership.role == Role.FRONTLINE:
        code = membership.employee.code if membership.employee else None
        return Scope(employee_ids=frozenset([code]) if code else frozenset())
    return Scope()


def can_import(membership: Membership) -> bool:
    return membership.role in {Role.ADMIN, Role.CX_MANAGER}


def can_export(membership: Membership) -> bool:
    return membership.role in {Role.ADMIN, Role.CX_MANAGER}


def can_manage(membership: Membership) -> bool:
    return membership.role == Role.ADMIN
