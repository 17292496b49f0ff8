from __future__ import annotations

from datetime import date, datetime

import pyarrow as pa
import pytest
from django.contrib.auth import get_user_model

from cxray.analytics.schema import TABLES
from cxray.web import analytics_store
from cxray.web.accounts.models import Role
from cxray.web.accounts.services import api_token_create, membership_set
from cxray.web.analytics_store import analytics
from cxray.web.journeys.services import touchpoint_upsert
from cxray.web.people.models import Employee, Unit
from cxray.web.people.services import unit_create
from cxray.web.workspaces.services import workspace_create


@pytest.fixture(autouse=True)
def isolated_stores(settings, tmp_path):
    """Each test gets its own analytics file and upload folder."""
    analytics_store.close()
    settings.ANALYTICS_URL = f"duckdb://{tmp_path / 'analytics.duckdb'}"
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.CXRAY_TEXT_ANALYSIS = "off"  # tests that need it run the fill themselves
    yield
    analytics_store.close()


def facts(name: str, rows: list[dict]) -> pa.Table:
    schema = TABLES[name].to_pyarrow()
    full = [{c: r.get(c) for c in schema.names} for r in rows]
    return pa.Table.from_pylist(full, schema=schema)


def make_company(slug: str, *, n_promoters: int, n_detractors: int) -> dict:
    """A small workspace: company → branch → department, two employees, a touchpoint, facts."""
    User = get_user_model()
    ws = workspace_create(slug=slug, name=f"Company {slug}")
    branch = unit_create(workspace=ws, code=f"{slug}-br", name="Branch", kind="branch")
    dept = unit_create(
        workspace=ws, code=f"{slug}-dep", name="Dept", kind="department", parent=branch
    )
    other = unit_create(workspace=ws, code=f"{slug}-br2", name="Other branch", kind="branch")
    alice = Employee.objects.create(workspace=ws, code=f"{slug}-e1", name="Alice", unit=dept)
    bob = Employee.objects.create(workspace=ws, code=f"{slug}-e2", name="Bob", unit=other)
    tp = touchpoint_upsert(workspace=ws, code=f"{slug}-tp", name="Reception", owner_unit=dept)
    admin = User.objects.create_user(username=f"{slug}-admin", password="pw-12345-xyz")
    membership_set(user=admin, workspace=ws, role=Role.ADMIN)
    at = datetime.combine(date.today().replace(day=1), datetime.min.time())
    responses = [
        {
            "workspace": slug,
            "row_key": f"r{i}",
            "response_id": f"r{i}",
            "customer_id": f"c{i}",
            "metric": "nps",
            "score": 10.0 if i < n_promoters else 2.0,
            "scale_max": 10,
            "at": at,
            "unit_id": dept.code if i % 2 == 0 else other.code,
            "employee_id": alice.code if i % 2 == 0 else bob.code,
            "touchpoint_id": tp.code,
        }
        for i in range(n_promoters + n_detractors)
    ]
    customers = [
        {
            "workspace": slug,
            "customer_id": f"c{i}",
            "name": f"Customer {slug} {i}",
            "segment": "A" if i % 2 else "B",
            "churned": False,
        }
        for i in range(n_promoters + n_detractors)
    ]
    with analytics() as store:
        store.write("responses", facts("responses", responses))
        store.write("customers", facts("customers", customers))
    key = api_token_create(workspace=ws, user=admin, name="test")[1]
    return {
        "ws": ws,
        "admin": admin,
        "branch": branch,
        "dept": dept,
        "other": other,
        "alice": alice,
        "bob": bob,
        "tp": tp,
        "token": key,
        "unit": Unit,
    }


@pytest.fixture
def two_companies(db):
    a = make_company("alpha", n_promoters=6, n_detractors=2)
    b = make_company("beta", n_promoters=1, n_detractors=5)
    return a, b
