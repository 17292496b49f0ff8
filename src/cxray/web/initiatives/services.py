"""Writes for initiatives and their action plans (HackSoft style: keyword-only, atomic)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxray.errors import InvalidInputError
from cxray.web.initiatives.models import ActionItem, Initiative, Outcome, Status
from cxray.web.journeys.models import Touchpoint
from cxray.web.people.models import Employee, Unit
from cxray.web.workspaces.models import Workspace

MAX_REFS = 50


def _clean_refs(values: Iterable[str], what: str) -> list[str]:
    refs = list(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))
    if len(refs) > MAX_REFS:
        raise InvalidInputError(
            _("At most %(n)d %(what)s per initiative.") % {"n": MAX_REFS, "what": what}
        )
    return refs


def _touchpoints(workspace: Workspace, codes: Iterable[str]) -> list[Touchpoint]:
    codes = _clean_refs(codes, "touchpoints")
    found = {t.code: t for t in Touchpoint.objects.filter(workspace=workspace, code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise InvalidInputError(
            _("Unknown touchpoint code(s): %(codes)s. Use the codes listed under Organisation.")
            % {"codes": ", ".join(missing)}
        )
    return [found[c] for c in codes]


def _units(workspace: Workspace, units: Iterable[Unit | str]) -> list[Unit]:
    out: list[Unit] = []
    for u in units:
        if isinstance(u, Unit):
            if u.workspace_id != workspace.pk:
                raise InvalidInputError(
                    _("Unit %(code)s is not in this workspace.") % {"code": u.code}
                )
            out.append(u)
            continue
        unit = Unit.objects.filter(workspace=workspace, code=str(u).strip()).first()
        if unit is None:
            raise InvalidInputError(
                _("Unknown unit code %(code)s. Use the codes listed under Organisation.")
                % {"code": u}
            )
        out.append(unit)
    return out


def _check_owner(workspace: Workspace, owner: AbstractBaseUser | None) -> None:
    if owner is not None and not owner.memberships.filter(workspace=workspace).exists():
        raise InvalidInputError(
            _("%(user)s is not a member of this workspace; only members can own an initiative.")
            % {"user": owner.get_username()}
        )


def _check_unit(workspace: Workspace, unit: Unit | None) -> None:
    if unit is not None and unit.workspace_id != workspace.pk:
        raise InvalidInputError(_("Unit %(code)s is not in this workspace.") % {"code": unit.code})


def _money(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        money = Decimal(str(value).replace(" ", "").replace(",", "."))
    except InvalidOperation as exc:
        raise InvalidInputError(
            _("Expected effect %(v)r is not a number; write it like 120000 or 120000.50.")
            % {"v": value}
        ) from exc
    if not money.is_finite() or abs(money) >= Decimal("1e14"):
        raise InvalidInputError(_("Expected effect %(v)r is out of range.") % {"v": value})
    return money.quantize(Decimal("0.01"))


def _check_choice(value: str, choices: type, what: str) -> str:
    if value not in choices.values:
        raise InvalidInputError(
            _("%(what)s must be one of %(ok)s, not %(v)r.")
            % {"what": what, "ok": ", ".join(choices.values), "v": value}
        )
    return value


@transaction.atomic
def initiative_create(
    *,
    workspace: Workspace,
    title: str,
    owner: AbstractBaseUser | None = None,
    owner_unit: Unit | None = None,
    due: date | None = None,
    touchpoint_codes: Iterable[str] = (),
    themes: Iterable[str] = (),
    journey_steps: Iterable[str] = (),
    expected_effect: Decimal | None = None,
    source: str = "",
    description: str = "",
    status: str = Status.PROPOSED,
    treated_units: Iterable[Unit | str] = (),
    treated_segment: str = "",
    started: date | None = None,
    outcome: str = Outcome.NPS,
    created_by: AbstractBaseUser | None = None,
) -> Initiative:
    """Create an initiative; every reference is checked against the workspace first.

    ``touchpoint_codes`` and ``treated_units`` are codes (units may also be Unit objects);
    ``themes`` and ``journey_steps`` are free references (theme id or label, step ref).
    """
    title = (title or "").strip()
    if not title:
        raise InvalidInputError(_("An initiative needs a title."))
    _check_owner(workspace, owner)
    _check_unit(workspace, owner_unit)
    initiative = Initiative.objects.create(
        workspace=workspace,
        title=title[:200],
        description=description or "",
        source=(source or "")[:200],
        owner=owner,
        owner_unit=owner_unit,
        due=due,
        status=_check_choice(status, Status, "status"),
        themes=_clean_refs(themes, "themes"),
        journey_steps=_clean_refs(journey_steps, "journey steps"),
        treated_segment=(treated_segment or "").strip()[:100],
        started=started,
        outcome=_check_choice(outcome, Outcome, "outcome"),
        expected_effect=_money(expected_effect),
        created_by=created_by,
    )
    initiative.touchpoints.set(_touchpoints(workspace, touchpoint_codes))
    initiative.treated_units.set(_units(workspace, treated_units))
    return initiative


UPDATABLE = {
    "title",
    "description",
    "source",
    "owner",
    "owner_unit",
    "due",
    "status",
    "themes",
    "journey_steps",
    "treated_segment",
    "started",
    "outcome",
    "expected_effect",
}


@transaction.atomic
def initiative_update(*, initiative: Initiative, **changes: Any) -> Initiative:
    """Change some fields; ``touchpoint_codes`` and ``treated_units`` replace the links."""
    ws = initiative.workspace
    unknown = set(changes) - UPDATABLE - {"touchpoint_codes", "treated_units"}
    if unknown:
        raise InvalidInputError(f"cannot change {', '.join(sorted(unknown))}")
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()[:200]
        if not changes["title"]:
            raise InvalidInputError(_("An initiative needs a title."))
    if "owner" in changes:
        _check_owner(ws, changes["owner"])
    if "owner_unit" in changes:
        _check_unit(ws, changes["owner_unit"])
    if "status" in changes:
        _check_choice(changes["status"], Status, "status")
    if "outcome" in changes:
        _check_choice(changes["outcome"], Outcome, "outcome")
    if "expected_effect" in changes:
        changes["expected_effect"] = _money(changes["expected_effect"])
    for key in ("themes", "journey_steps"):
        if key in changes:
            changes[key] = _clean_refs(changes[key], key.replace("_", " "))
    touchpoints = changes.pop("touchpoint_codes", None)
    treated = changes.pop("treated_units", None)
    for key in ("description", "source", "treated_segment"):
        if key in changes:
            changes[key] = (changes[key] or "").strip()
    for key, value in changes.items():
        setattr(initiative, key, value)
    initiative.save()
    if touchpoints is not None:
        initiative.touchpoints.set(_touchpoints(ws, touchpoints))
    if treated is not None:
        initiative.treated_units.set(_units(ws, treated))
    return initiative


@transaction.atomic
def initiative_delete(*, initiative: Initiative) -> None:
    initiative.delete()


@transaction.atomic
def action_item_add(
    *,
    initiative: Initiative,
    task: str,
    owner: AbstractBaseUser | None = None,
    due: date | None = None,
    employee: Employee | None = None,
) -> ActionItem:
    task = (task or "").strip()
    if not task:
        raise InvalidInputError(_("A task needs a description."))
    _check_owner(initiative.workspace, owner)
    if employee is not None and employee.workspace_id != initiative.workspace_id:
        raise InvalidInputError(_("That employee is not in this workspace."))
    last = initiative.items.order_by("-position").values_list("position", flat=True).first()
    return ActionItem.objects.create(
        initiative=initiative,
        task=task[:300],
        owner=owner,
        due=due,
        employee=employee,
        position=(last or 0) + 1,
    )


@transaction.atomic
def action_item_set_done(*, item: ActionItem, done: bool) -> ActionItem:
    item.done = done
    item.done_at = timezone.now() if done else None
    item.save(update_fields=["done", "done_at"])
    return item


@transaction.atomic
def action_item_delete(*, item: ActionItem) -> None:
    item.delete()
