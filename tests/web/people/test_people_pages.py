"""The attachment and internal-service pages and their API, on hand-made data."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cxray.web.accounts.models import Role
from cxray.web.accounts.services import api_token_create, membership_set
from cxray.web.analytics_store import analytics
from cxray.web.people.models import Employee, Unit
from cxray.web.people.services import entities_sync, unit_create
from cxray.web.workspaces.services import workspace_create

from ..conftest import facts

pytestmark = pytest.mark.django_db
LEFT = date(2024, 3, 1)


@pytest.fixture
def delta():
    """e1 (Ann) left on 2024-03-01 with four attached customers, three of whom churned within
    180 days; e2 (Bo) stayed with ten, two of whom churned in the same window; Cy, still
    working, has announced leaving."""
    ws = workspace_create(slug="delta", name="Delta", currency="UAH")
    root = Unit.objects.get(workspace=ws, kind="company")
    u = unit_create(workspace=ws, code="d-u", name="Therapy", kind="department", parent=root)
    far = date.today() + timedelta(days=60)
    for code, name, left in (("e1", "Ann", LEFT), ("e2", "Bo", None), ("e3", "Cy", far)):
        Employee.objects.create(workspace=ws, code=code, name=name, unit=u, left=left)
    entities_sync(workspace=ws)
    inter, customers, tx = [], [], []

    def visits(cid: str, emp: str, k: int, start: datetime) -> None:
        for i in range(k):
            inter.append(
                {
                    "workspace": "delta",
                    "row_key": f"{cid}-{emp}-{i}",
                    "customer_id": cid,
                    "employee_id": emp,
                    "touchpoint_id": "cons",
                    "unit_id": "d-u",
                    "at": start + timedelta(days=7 * i),
                }
            )

    for i in range(4):
        visits(f"a{i}", "e1", 2, datetime(2024, 1, 1))
        customers.append(
            {
                "workspace": "delta",
                "customer_id": f"a{i}",
                "segment": "s",
                "churned": i < 3,
                "churned_at": date(2024, 5, 1) if i < 3 else None,
            }
        )
    for i in range(10):
        visits(f"b{i}", "e2", 3, datetime(2024, 1, 1))
        churned_at = {0: date(2024, 4, 1), 1: date(2024, 8, 1)}.get(i)
        customers.append(
            {
                "workspace": "delta",
                "customer_id": f"b{i}",
                "segment": "s",
                "churned": churned_at is not None,
                "churned_at": churned_at,
            }
        )
    recent = datetime.combine(date.today() - timedelta(days=30), datetime.min.time())
    for i in range(3):
        visits(f"c{i}", "e3", 2, recent - timedelta(days=20))
        customers.append(
            {"workspace": "delta", "customer_id": f"c{i}", "segment": "s", "churned": False}
        )
        tx.append(
            {
                "workspace": "delta",
                "row_key": f"t{i}",
                "transaction_id": f"t{i}",
                "customer_id": f"c{i}",
                "at": recent,
                "amount": 1000.0,
            }
        )
    with analytics() as store:
        store.write("interactions", facts("interactions", inter))
        store.write("customers", facts("customers", customers))
        store.write("transactions", facts("transactions", tx))
    admin = get_user_model().objects.create_user(username="d-admin")
    membership_set(user=admin, workspace=ws, role=Role.ADMIN)
    return {"ws": ws, "admin": admin}


def test_attachment_page_and_api(client, delta) -> None:
    client.force_login(delta["admin"])
    home = reverse("home", args=["delta"])
    # The home page shows the alert only once the People page has computed it (cheaply).
    assert "depend on Cy" not in client.get(home, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    html = client.get(reverse("people_attachment", args=["delta"]), HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()
    assert "Ann" in html and "75.0%" in html and "20.0%" in html and "3.75" in html
    # The alert for the employee who announced leaving: three customers worth 3 000 a year.
    assert "Cy" in html and "3 customers worth 3" in html
    assert "depend on Cy" in client.get(home, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    key = api_token_create(workspace=delta["ws"], user=delta["admin"], name="t")[1]
    data = client.get("/api/v1/people/attachment", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    (d,) = data["departures"]
    assert d["employee_id"] == "e1" and d["left"] == "2024-03-01"
    assert (d["attached_churn"]["n"], d["attached_churn"]["top"]) == (4, 3)
    assert (d["comparable_churn"]["n"], d["comparable_churn"]["top"]) == (10, 2)
    assert d["risk_ratio"] == pytest.approx(3.75)
    alerts = {a["employee_id"]: a for a in data["alerts"]}
    assert alerts["e3"]["customers"] == 3 and alerts["e3"]["value_recent"] == 3000.0
    assert alerts["e3"]["leaving"] == (date.today() + timedelta(days=60)).isoformat()
    assert data["threshold"] == 0.7 and data["min_interactions"] == 2


def test_internal_service_page_shows_the_matrix(client, delta) -> None:
    ws = delta["ws"]
    root = Unit.objects.get(workspace=ws, kind="company")
    it = unit_create(workspace=ws, code="d-it", name="IT desk", kind="department", parent=root)
    for i in range(5):
        Employee.objects.create(workspace=ws, code=f"it{i}", name=f"IT {i}", unit=it)
    entities_sync(workspace=ws)
    closed = datetime.combine(date.today() - timedelta(days=200), datetime.min.time())
    rows = [
        {
            "workspace": "delta",
            "row_key": f"i{i}",
            "response_id": f"i{i}",
            "metric": "internal_nps",
            "respondent_employee_id": f"it{i}",
            "unit_id": "d-u",
            "at": closed,
            "score": [0.0, 3.0, 9.0, 10.0, 6.0][i],
            "scale_max": 10,
        }
        for i in range(5)
    ]
    with analytics() as store:
        store.write("responses", facts("responses", rows))
    client.force_login(delta["admin"])
    page = client.get(reverse("people_internal", args=["delta"]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    # IT rates therapy: 2 promoters, 3 detractors of 5 = -20.
    assert page.status_code == 200 and "<svg" in html and "-20" in html and "n=5" in html
    key = api_token_create(workspace=ws, user=delta["admin"], name="t")[1]
    m = client.get("/api/v1/people/internal", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    (cell,) = m["cells"]
    assert (cell["rater_unit_id"], cell["rated_unit_id"], cell["n"]) == ("d-it", "d-u", 5)
    assert cell["value"] == pytest.approx(-20.0)
    assert m["seams"][0]["rated_unit_id"] == "d-u"
