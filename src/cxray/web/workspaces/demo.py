"""Install the generated demo company as the workspace ``demo``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
from django.contrib.auth import get_user_model
from django.db import transaction

from cxray.demo import DemoCompany
from cxray.demo.planted import CHURN_AFTER_DAYS
from cxray.web.accounts.models import Membership, Role
from cxray.web.analytics_store import analytics
from cxray.web.journeys.models import Touchpoint
from cxray.web.people.models import Employee, Unit
from cxray.web.people.services import entities_sync
from cxray.web.workspaces.models import Workspace

DEMO_SLUG = "demo"
FACTS = {
    "customers": "customers",
    "transactions": "transactions",
    "interactions": "interactions",
    "responses": "responses",
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


def demo_install(*, company: DemoCompany, slug: str = DEMO_SLUG) -> list[DemoLogin]:
    """Replace the demo workspace with ``company`` and return fresh logins for it.

    Passwords are new on every install: the demo is meant for a laptop, and printing a
    password that was stored earlier would mean storing it in clear.
    """
    with transaction.atomic():
        Workspace.objects.filter(slug=slug).delete()
        workspace = Workspace.objects.create(
            slug=slug,
            name=company.name,
            currency=company.currency,
            language="ru",
            churn_lag_days=CHURN_AFTER_DAYS,
        )
        _install_org(workspace, company)
        logins = _install_users(workspace)
        # The patient journey as is and to be, with its communication map (journey maps).
        from cxray.web.journeys.demo import journeys_demo_install

        journeys_demo_install(workspace=workspace)
    with analytics() as store, store.transaction():
        store.delete_workspace(slug)
        for attr, table_name in FACTS.items():
            table: pa.Table = getattr(company, attr)
            store.write(
                table_name,
                table.append_column("workspace", pa.array([slug] * table.num_rows, pa.string())),
            )
    entities_sync(workspace=workspace)
    # Churn interviews, self-assessments and competitor ratings (the research pages).
    from cxray.web.research.demo import research_demo_install

    research_demo_install(workspace=workspace, company=company)
    # Cases for the recent low scores: handled in time, late and open (the cases pages).
    from cxray.web.cases.demo import cases_demo_install

    cases_demo_install(workspace=workspace, responses=company.responses)
    # Initiatives with an action plan and a measured effect (initiatives, leadership report).
    from cxray.web.initiatives.demo import initiatives_demo_install

    initiatives_demo_install(workspace=workspace, end=company.end)
    return logins


def _install_org(workspace: Workspace, company: DemoCompany) -> None:
    units: dict[str, Unit] = {}
    pending = company.units.to_pylist()
    # Parents first: the generator lists units in any order.
    while pending:
        ready = [u for u in pending if not u["parent_id"] or u["parent_id"] in units]
        if not ready:
            raise ValueError(f"demo units have a cycle or a missing parent: {pending[:3]}")
        for u in ready:
            units[u["unit_id"]] = Unit.objects.create(
                workspace=workspace,
                code=u["unit_id"],
                name=u["name"],
                kind=u["kind"],
                parent=units.get(u["parent_id"]) if u["parent_id"] else None,
            )
        pending = [u for u in pending if u["unit_id"] not in units]
    Employee.objects.bulk_create(
        Employee(
            workspace=workspace,
            code=e["employee_id"],
            name=e["name"],
            unit=units[e["unit_id"]],
            position=e["position"] or "",
            hired=_d(e["hired"]),
            left=_d(e["left"]),
        )
        for e in company.employees.to_pylist()
    )
    Touchpoint.objects.bulk_create(
        Touchpoint(
            workspace=workspace,
            code=t["touchpoint_id"],
            name=t["name"],
            journey=t["journey_id"] or "",
            stage=t["stage"] or "",
            channel=t["channel"] or "",
            owner_unit=units.get(t["owner_unit_id"]),
        )
        for t in company.touchpoints.to_pylist()
    )


def _install_users(workspace: Workspace) -> list[DemoLogin]:
    User = get_user_model()
    password = secrets.token_urlsafe(9)
    branch = Unit.objects.filter(workspace=workspace, kind="branch").order_by("code").first()
    doctor = (
        Employee.objects.filter(workspace=workspace, left__isnull=True).order_by("code").first()
    )
    plan = [
        ("demo", Role.ADMIN, None, None),
        ("demo-manager", Role.UNIT_MANAGER, branch, None),
        ("demo-frontline", Role.FRONTLINE, None, doctor),
        ("demo-viewer", Role.VIEWER, None, None),
    ]
    logins = []
    for username, role, unit, employee in plan:
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_active = True
        user.save()
        Membership.objects.update_or_create(
            user=user,
            workspace=workspace,
            defaults={"role": role, "unit": unit, "employee": employee},
        )
        logins.append(DemoLogin(username=username, password=password, role=role))
    return logins


def _d(value: object) -> date | None:
    return value if isinstance(value, date) else None
