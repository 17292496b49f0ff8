"""Initiatives and their action plans in a workspace backup, by codes and usernames, so they
restore into the restored workspace whatever the primary keys there."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction

from cxray.web.accounts.models import Membership
from cxray.web.initiatives.models import ActionItem, Initiative
from cxray.web.initiatives.services import initiative_create
from cxray.web.people.models import Employee, Unit
from cxray.web.workspaces.models import Workspace


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


def initiatives_dump(workspaces: Iterable[Workspace]) -> str:
    out = []
    for ws in workspaces:
        qs = Initiative.objects.filter(workspace=ws).select_related("owner", "owner_unit")
        for i in qs.order_by("pk"):
            out.append(
                {
                    "workspace": ws.slug,
                    "title": i.title,
                    "description": i.description,
                    "source": i.source,
                    "owner": i.owner.username if i.owner else None,
                    "owner_unit": i.owner_unit.code if i.owner_unit else None,
                    "due": _d(i.due),
                    "status": i.status,
                    "touchpoints": [t.code for t in i.touchpoints.all()],
                    "themes": i.themes,
                    "journey_steps": i.journey_steps,
                    "treated_units": [u.code for u in i.treated_units.all()],
                    "treated_segment": i.treated_segment,
                    "started": _d(i.started),
                    "outcome": i.outcome,
                    "expected_effect": None
                    if i.expected_effect is None
                    else str(i.expected_effect),
                    "items": [
                        {
                            "task": it.task,
                            "owner": it.owner.username if it.owner else None,
                            "employee": it.employee.code if it.employee else None,
                            "due": _d(it.due),
                            "done": it.done,
                            "done_at": it.done_at.isoformat() if it.done_at else None,
                            "position": it.position,
                        }
                        for it in i.items.select_related("owner", "employee")
                    ],
                }
            )
    return json.dumps(out, ensure_ascii=False)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@transaction.atomic
def initiatives_load(text: str) -> int:
    """Restore :func:`initiatives_dump` into the (restored) workspaces; returns how many."""
    n = 0
    for item in json.loads(text or "[]"):
        ws = Workspace.objects.get(slug=item["workspace"])
        members = {
            m.user.get_username(): m.user
            for m in Membership.objects.filter(workspace=ws).select_related("user")
        }
        unit = Unit.objects.filter(workspace=ws, code=item["owner_unit"]).first()
        i = initiative_create(
            workspace=ws,
            title=item["title"],
            description=item["description"],
            source=item["source"],
            owner=members.get(item["owner"] or ""),
            owner_unit=unit,
            due=_date(item["due"]),
            status=item["status"],
            touchpoint_codes=item["touchpoints"],
            themes=item["themes"],
            journey_steps=item["journey_steps"],
            treated_units=item["treated_units"],
            treated_segment=item["treated_segment"],
            started=_date(item["started"]),
            outcome=item["outcome"],
            expected_effect=item["expected_effect"],
        )
        employees = {e.code: e for e in Employee.objects.filter(workspace=ws)}
        ActionItem.objects.bulk_create(
            ActionItem(
                initiative=i,
                task=it["task"],
                owner=members.get(it["owner"] or ""),
                employee=employees.get(it["employee"] or ""),
                due=_date(it["due"]),
                done=it["done"],
                done_at=datetime.fromisoformat(it["done_at"]) if it["done_at"] else None,
                position=it["position"],
            )
            for it in item["items"]
        )
        n += 1
    return n
