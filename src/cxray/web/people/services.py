from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa
from django.db import transaction

from cxray.analytics.schema import columns
from cxray.errors import InvalidInputError
from cxray.web.people.models import UNIT_KIND_DEPTH, Employee, PeopleSettings, Unit, UnitKind
from cxray.web.workspaces.models import Workspace


@transaction.atomic
def unit_create(
    *, workspace: Workspace, code: str, name: str, kind: str, parent: Unit | None = None
) -> Unit:
    if kind not in UNIT_KIND_DEPTH:
        raise InvalidInputError(f"unit level {kind!r} is not one of {', '.join(UNIT_KIND_DEPTH)}")
    if parent is None and kind != UnitKind.COMPANY:
        parent = Unit.objects.filter(workspace=workspace, kind=UnitKind.COMPANY).first()
    if parent is not None:
        if parent.workspace_id != workspace.pk:
            raise InvalidInputError(f"parent unit {parent.code!r} belongs to another workspace")
        if UNIT_KIND_DEPTH[kind] <= UNIT_KIND_DEPTH[parent.kind]:
            raise InvalidInputError(
                f"a {kind} cannot sit under a {parent.kind} ({parent.code!r}): the order is "
                "company → region → branch → department"
            )
    if Unit.objects.filter(workspace=workspace, code=code).exists():
        raise InvalidInputError(f"unit code {code!r} is already used in this workspace")
    unit = Unit.objects.create(workspace=workspace, code=code, name=name, kind=kind, parent=parent)
    transaction.on_commit(lambda: entities_sync(workspace=workspace))
    return unit


@dataclass(frozen=True)
class EmployeeUpsertResult:
    created: int
    updated: int
    units_created: list[str]


@transaction.atomic
def employees_upsert(*, workspace: Workspace, rows: pa.Table) -> EmployeeUpsertResult:
    """Create or update employees from canonical rows (employee_id, name, unit_id, ...).

    A unit named in the file but unknown is created as a department under the company, and
    reported, so that a first import of a staff list does not fail on the org chart.
    """
    units = {u.code: u for u in Unit.objects.filter(workspace=workspace)}
    units_by_name = {u.name.casefold(): u for u in units.values()}
    root = next((u for u in units.values() if u.kind == UnitKind.COMPANY), None)
    existing = {e.code: e for e in Employee.objects.filter(workspace=workspace)}
    created = updated = 0
    new_units: list[str] = []
    for row in rows.to_pylist():
        unit_ref = (row.get("unit_id") or "").strip()
        unit = units.get(unit_ref) or units_by_name.get(unit_ref.casefold())
        if unit is None:
            if not unit_ref:
                raise InvalidInputError(
                    f"employee {row['employee_id']!r} has no unit; add a unit column to the file"
                )
            unit = Unit.objects.create(
                workspace=workspace,
                code=unit_ref[:64],
                name=unit_ref,
                kind=UnitKind.DEPARTMENT,
                parent=root,
            )
            units[unit.code] = unit
            new_units.append(unit_ref)
        fields = {
            "name": row.get("name") or row["employee_id"],
            "unit": unit,
            "position": row.get("position") or "",
            "hired": _as_date(row.get("hired")),
            "left": _as_date(row.get("left")),
        }
        current = existing.get(row["employee_id"])
        if current is None:
            existing[row["employee_id"]] = Employee.objects.create(
                workspace=workspace, code=row["employee_id"], **fields
            )
            created += 1
        elif any(getattr(current, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(current, k, v)
            current.save()
            updated += 1
    transaction.on_commit(lambda: entities_sync(workspace=workspace))
    return EmployeeUpsertResult(created=created, updated=updated, units_created=new_units)


def _as_date(value: object) -> date | None:
    return value if isinstance(value, date) or value is None else None


def entity_tables(*, workspace: Workspace) -> dict[str, pa.Table]:
    """Units, employees and touchpoints of the workspace in the canonical analytic shape."""
    from cxray.web.journeys.models import Touchpoint

    ws = workspace.slug
    units = [
        {
            "workspace": ws,
            "unit_id": u.code,
            "name": u.name,
            "parent_id": u.parent.code if u.parent else None,
            "kind": u.kind,
        }
        for u in Unit.objects.filter(workspace=workspace).select_related("parent")
    ]
    employees = [
        {
            "workspace": ws,
            "employee_id": e.code,
            "name": e.name,
            "unit_id": e.unit.code,
            "position": e.position,
            "hired": e.hired,
            "left": e.left,
        }
        for e in Employee.objects.filter(workspace=workspace).select_related("unit")
    ]
    touchpoints = [
        {
            "workspace": ws,
            "touchpoint_id": t.code,
            "name": t.name,
            "journey_id": t.journey,
            "stage": t.stage,
            "channel": t.channel,
            "owner_unit_id": t.owner_unit.code if t.owner_unit else None,
        }
        for t in Touchpoint.objects.filter(workspace=workspace).select_related("owner_unit")
    ]
    return {
        name: pa.Table.from_pylist(rows, schema=None) if rows else _empty(name)
        for name, rows in (("units", units), ("employees", employees), ("touchpoints", touchpoints))
    }


def _empty(name: str) -> pa.Table:
    return pa.table({c: pa.array([], pa.string()) for c in columns(name)})


def entities_sync(*, workspace: Workspace) -> None:
    """Mirror the workspace's org chart into the analytics store (small; replaced whole)."""
    from cxray.web.analytics_store import analytics

    tables = entity_tables(workspace=workspace)
    with analytics() as store, store.transaction():
        for name, table in tables.items():
            store.replace_workspace(name, workspace.slug, table)


@transaction.atomic
def people_settings_update(
    *,
    workspace: Workspace,
    min_group_size: int,
    attachment_threshold: float | None = None,
    attachment_min_interactions: int | None = None,
) -> PeopleSettings:
    """Store the workspace's people settings; a minimum group below 2 would show single
    answers, so it is refused."""
    if min_group_size < 2:
        raise InvalidInputError(
            f"the minimum group size must be at least 2 (you gave {min_group_size}); 5 is usual"
        )
    if attachment_threshold is not None and not 0 < attachment_threshold <= 1:
        raise InvalidInputError(
            f"the attachment threshold is a share from 0 to 1 (you gave {attachment_threshold})"
        )
    s, _ = PeopleSettings.objects.get_or_create(workspace=workspace)
    s.min_group_size = min_group_size
    if attachment_threshold is not None:
        s.attachment_threshold = attachment_threshold
    if attachment_min_interactions is not None:
        s.attachment_min_interactions = max(1, attachment_min_interactions)
    s.save()
    return s
