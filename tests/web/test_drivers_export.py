"""The drivers page's XLSX download, on a workspace built so the Shapley shares are known.

40 customers rate two touchpoints on CSAT, 1 or 5 each, every one of the four combinations
ten times, so the two ratings are exactly uncorrelated; their NPS is the sum of the two.
Then R² = 1, each touchpoint's correlation with NPS is 1/√2 = 0.71, and with uncorrelated
drivers the Shapley weight of each is its squared correlation, 0.5: a share of 50.0% each.
"""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from cxray.web.accounts.models import Role
from cxray.web.accounts.services import membership_set
from cxray.web.analytics_store import analytics
from cxray.web.journeys.services import touchpoint_upsert
from cxray.web.workspaces.services import workspace_create

from .conftest import facts

pytestmark = pytest.mark.django_db

EVIL = "=cmd|' /C calc'!A0"


@pytest.fixture
def drivers_ws(db, client):
    ws = workspace_create(slug="drv", name="Drivers")
    touchpoint_upsert(workspace=ws, code="desk", name="Front desk")
    touchpoint_upsert(workspace=ws, code="phone", name=EVIL)
    admin = get_user_model().objects.create_user(username="drv-admin", password="pw-12345-xyz")
    membership_set(user=admin, workspace=ws, role=Role.ADMIN)
    at = datetime(2024, 3, 1)
    rows = []
    for i in range(40):
        desk, phone = (1.0, 5.0)[i % 2], (1.0, 5.0)[(i // 2) % 2]
        for metric, tp, score in (("csat", "desk", desk), ("csat", "phone", phone)):
            rows.append((f"{tp}-{i}", metric, tp, score, 5))
        rows.append((f"nps-{i}", "nps", None, desk + phone, 10))
    responses = [
        {
            "workspace": "drv",
            "row_key": key,
            "response_id": key,
            "customer_id": f"c{key.split('-')[1]}",
            "metric": metric,
            "score": score,
            "scale_max": scale,
            "at": at,
            "touchpoint_id": tp,
        }
        for key, metric, tp, score, scale in rows
    ]
    with analytics() as store:
        store.write("responses", facts("responses", responses))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(admin)
    return ws


def test_drivers_xlsx_matches_the_page_and_runs_no_formula(client, drivers_ws):
    url = reverse("drivers", args=["drv"])
    html = client.get(url, {"outcome": "nps"}).content.decode()
    assert "R² = 1.000" in html
    assert html.count('<td class="num">50.0%</td>') == 2
    assert "?outcome=nps&amp;format=xlsx" in html

    response = client.get(url, {"outcome": "nps", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="drv-drivers-nps.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Drivers", "Model"]
    header, *rows = book["Drivers"].iter_rows(values_only=True)
    assert header[:4] == ("#", "Code", "Touchpoint", "Share, %")
    assert sorted((r[1], r[3], r[6]) for r in rows) == [("desk", 50.0, 0.71), ("phone", 50.0, 0.71)]
    (phone,) = [c for row in book["Drivers"].iter_rows() for c in row if c.value == "'" + EVIL]
    assert phone.data_type == "s"
    assert all(c.data_type != "f" for s in book.worksheets for row in s.iter_rows() for c in row)
    model = list(book["Model"].iter_rows(values_only=True))[1]
    assert (model[0], model[2], model[5]) == ("nps", 1.0, 40)


def test_drivers_page_refuses_an_unknown_format(client, drivers_ws):
    refused = client.get(reverse("drivers", args=["drv"]), {"format": "docx"})
    assert refused.status_code == 400
    assert "use format=xlsx" in refused.content.decode()
