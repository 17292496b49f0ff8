"""The churn page's filters (segment, unit, first-seen cohort) on the page, the API and the
CLI, and its XLSX download, on a hand-made workspace whose figures are counted by hand.

Eleven customers (today is far after every date, so the never-churned are simply censored):

========  ==========  ==========  ==========  =========
customer  segment     first seen  churned at  unit
========  ==========  ==========  ==========  =========
r1        retail      2023-01-01  2024-06-01  north-dep
r2, r3    retail      2023-01-01  —           north-dep
r4, r5    retail      2024-01-01  2024-06-01  south
r6        retail      2024-01-01  —           south
k1        corp        2023-06-01  2024-06-01  north-dep
k2        corp        2023-06-01  —           north-dep
k3, k4    corp        2023-06-01  —           south
h1        =HYPERLINK  2024-01-01  —           south
========  ==========  ==========  ==========  =========

Churn: retail 3/6 = 50.0%, corp 1/4 = 25.0%, all 4/11 = 36.4%; unit north (north-dep is
below it) 2/5 = 40.0%; north and retail 1/3 = 33.3%; first seen from 2024-01-01 2/4 = 50.0%;
the south manager's own customers 2/6 = 33.3%. Retail survival after 180 days: r4 and r5
leave on day 152 with all 6 at risk, so S(180) = 4/6 = 66.7%.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook
from typer.testing import CliRunner

from cxray.cli import app
from cxray.errors import InvalidInputError
from cxray.web.accounts.models import Role
from cxray.web.accounts.services import api_token_create, membership_set
from cxray.web.analytics_store import analytics
from cxray.web.people.services import unit_create
from cxray.web.workspaces.services import workspace_create

from .conftest import facts

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/x","click")'
CUSTOMERS = [
    # id, segment, first seen, churned at, unit
    ("r1", "retail", date(2023, 1, 1), date(2024, 6, 1), "north-dep"),
    ("r2", "retail", date(2023, 1, 1), None, "north-dep"),
    ("r3", "retail", date(2023, 1, 1), None, "north-dep"),
    ("r4", "retail", date(2024, 1, 1), date(2024, 6, 1), "south"),
    ("r5", "retail", date(2024, 1, 1), date(2024, 6, 1), "south"),
    ("r6", "retail", date(2024, 1, 1), None, "south"),
    ("k1", "corp", date(2023, 6, 1), date(2024, 6, 1), "north-dep"),
    ("k2", "corp", date(2023, 6, 1), None, "north-dep"),
    ("k3", "corp", date(2023, 6, 1), None, "south"),
    ("k4", "corp", date(2023, 6, 1), None, "south"),
    ("h1", EVIL, date(2024, 1, 1), None, "south"),
]


@pytest.fixture
def churny(db):
    ws = workspace_create(slug="churny", name="Churny")
    north = unit_create(workspace=ws, code="north", name="North", kind="branch")
    unit_create(workspace=ws, code="north-dep", name="North desk", kind="department", parent=north)
    south = unit_create(workspace=ws, code="south", name="South", kind="branch")
    User = get_user_model()
    admin = User.objects.create_user(username="churny-admin", password="pw-12345-xyz")
    membership_set(user=admin, workspace=ws, role=Role.ADMIN)
    manager = User.objects.create_user(username="churny-south", password="pw-12345-xyz")
    membership_set(user=manager, workspace=ws, role=Role.UNIT_MANAGER, unit=south)
    customers = [
        {
            "workspace": "churny",
            "customer_id": cid,
            "segment": segment,
            "first_seen": first,
            "churned": left is not None,
            "churned_at": left,
        }
        for cid, segment, first, left, _unit in CUSTOMERS
    ]
    visits = [
        {
            "workspace": "churny",
            "row_key": f"v-{cid}",
            "customer_id": cid,
            "at": datetime.combine(first, datetime.min.time()),
            "unit_id": unit,
        }
        for cid, _segment, first, _left, unit in CUSTOMERS
    ]
    with analytics() as store:
        store.write("customers", facts("customers", customers))
        store.write("interactions", facts("interactions", visits))
    token = api_token_create(workspace=ws, user=admin, name="test")[1]
    return {"ws": ws, "admin": admin, "manager": manager, "token": token}


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _churn_table(html: str) -> dict[str, str]:
    """Segment → the churn share as the page prints it, from the "Churn by segment" table."""
    import re

    section = html.split("Churn by segment", 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r"<tr[^>]*><td>(?:<strong>)?(.*?)(?:</strong>)?</td><td class=\"num\">(\d+)</td>"
        r"<td class=\"num\">(\d+)</td><td class=\"num\">([\d.]+)%</td>",
        section,
    )
    return {name: share for name, _n, _left, share in rows}


def _api(client, token, **params):
    return client.get("/api/v1/reports/churn", params, headers={"Authorization": f"Bearer {token}"})


def test_filters_change_the_churn_share_to_the_hand_counted_figure(client, churny):
    client.force_login(churny["admin"])
    url = reverse("churn", args=["churny"])
    everyone = _churn_table(client.get(url).content.decode())
    assert everyone["retail"] == "50.0" and everyone["corp"] == "25.0"
    assert everyone["All"] == "36.4"
    assert _churn_table(client.get(url, {"segment": "corp"}).content.decode()) == {
        "corp": "25.0",
        "All": "25.0",
    }
    assert _churn_table(client.get(url, {"unit": "north"}).content.decode())["All"] == "40.0"
    both = client.get(url, {"unit": "north", "segment": "retail"}).content.decode()
    assert _churn_table(both)["All"] == "33.3"
    cohort = client.get(url, {"first_seen_from": "2024-01-01"}).content.decode()
    assert _churn_table(cohort)["All"] == "50.0"
    # The filters stay in the form and in the XLSX link.
    assert 'value="2024-01-01"' in cohort and "first_seen_from=2024-01-01&amp;format=xlsx" in cohort


def test_a_unit_manager_sees_only_their_units_and_cannot_pick_another(client, churny):
    client.force_login(churny["manager"])
    url = reverse("churn", args=["churny"])
    page = client.get(url).content.decode()
    assert _churn_table(page)["All"] == "33.3"  # r4, r5 of the six south customers
    assert 'value="north"' not in page  # not offered
    refused = client.get(url, {"unit": "north"})
    assert refused.status_code == 400
    assert "outside the units you may see" in refused.content.decode()


def test_unknown_segment_is_empty_but_says_why(client, churny):
    client.force_login(churny["admin"])
    page = client.get(reverse("churn", args=["churny"]), {"segment": "wholesale"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "no customers in segment &#x27;wholesale&#x27;" in html
    assert "corp, retail" in html and "Churn by segment" not in html
    api = _api(client, churny["token"], segment="wholesale")
    assert api.status_code == 200
    body = api.json()
    assert body["customers"] == 0 and body["survival"] == {}
    assert "the segments here are:" in body["note"] and "retail" in body["note"]


def test_bad_parameters_are_a_clear_400(client, churny):
    client.force_login(churny["admin"])
    url = reverse("churn", args=["churny"])
    bad_date = client.get(url, {"first_seen_from": "01/02/2024"})
    assert bad_date.status_code == 400
    assert "first_seen_from" in bad_date.content.decode()
    assert "YYYY-MM-DD" in bad_date.content.decode()
    swapped = client.get(url, {"first_seen_from": "2024-02-01", "first_seen_to": "2024-01-01"})
    assert swapped.status_code == 400 and "swap the two dates" in swapped.content.decode()
    assert client.get(url, {"unit": "nowhere"}).status_code == 400
    assert client.get(url, {"format": "pdf"}).status_code == 400
    api = _api(client, churny["token"], first_seen_to="2024-13-01")
    assert api.status_code == 400
    assert "first_seen_to" in api.json()["detail"]
    api_unit = _api(client, churny["token"], unit="nowhere")
    assert api_unit.status_code == 400 and "'nowhere'" in api_unit.json()["detail"]


def test_api_and_cli_take_the_same_filters(client, churny):
    body = _api(client, churny["token"], segment="retail", unit="north").json()
    assert body["filters"]["segment"] == "retail" and body["filters"]["unit"] == "north"
    (retail, total) = body["churn_by_segment"]
    assert (retail["segment"], retail["customers"], retail["left"]) == ("retail", 3, 1)
    assert total["segment"] is None and total["churn_pct"] == pytest.approx(100 / 3)

    runner = CliRunner()
    args = ["report", "churn", "--workspace", "churny"]
    out = runner.invoke(app, [*args, "--segment", "retail", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["churn_by_segment"][-1]["churn_pct"] == pytest.approx(50.0)
    assert data["survival"]["retail"]["180"] == pytest.approx(4 / 6)
    text = runner.invoke(app, [*args, "--first-seen-from", "2024-01-01"])
    assert text.exit_code == 0, text.output
    assert "left 2 of 4  50.0%" in text.stdout
    none = runner.invoke(app, [*args, "--segment", "wholesale"])
    assert none.exit_code == 0 and "0 customers: no customers in segment" in none.stdout
    bad = runner.invoke(app, [*args, "--first-seen-to", "yesterday"])
    assert isinstance(bad.exception, InvalidInputError)
    assert "first_seen_to 'yesterday' is not a date" in str(bad.exception)


def test_the_report_cache_keeps_filtered_and_unfiltered_reports_apart(client, churny):
    client.force_login(churny["admin"])
    url = reverse("churn", args=["churny"])
    assert _churn_table(client.get(url).content.decode())["All"] == "36.4"
    assert _churn_table(client.get(url, {"segment": "retail"}).content.decode())["All"] == "50.0"
    assert _churn_table(client.get(url).content.decode())["All"] == "36.4"


def test_xlsx_holds_the_figures_of_the_page_and_no_formula(client, churny):
    client.force_login(churny["admin"])
    url = reverse("churn", args=["churny"])
    page = _churn_table(client.get(url).content.decode())
    response = client.get(url, {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="churny-churn.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:3] == ["Filters", "Churn by segment", "Survival"]
    churn = {r[0]: r for r in book["Churn by segment"].iter_rows(min_row=2, values_only=True)}
    assert churn["retail"][1:4] == (6, 3, 50.0)
    assert churn["corp"][1:4] == (4, 1, 25.0)
    assert churn["All"][1:4] == (11, 4, 36.4)
    assert {k: f"{v[3]:.1f}" for k, v in churn.items() if k in page} == {
        k: v for k, v in page.items() if k in ("retail", "corp", "All")
    }
    survival = {r[0]: r for r in book["Survival"].iter_rows(min_row=2, values_only=True)}
    assert survival["retail"][1] == 6 and survival["retail"][5] == 66.7  # S(180), %
    # The segment that looks like a formula is stored as text and never runs.
    evil = [
        c
        for row in book["Churn by segment"].iter_rows()
        for c in row
        if "HYPERLINK" in str(c.value)
    ]
    assert [(c.value, c.data_type) for c in evil] == [("'" + EVIL, "s")]
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert all(c.data_type != "f" for c in row)

    filtered = client.get(url, {"segment": "corp", "unit": "north", "format": "xlsx"})
    book = load_workbook(io.BytesIO(filtered.content))
    filters = dict(book["Filters"].iter_rows(min_row=2, values_only=True))
    assert filters["segment"] == "corp" and filters["unit"] == "north"
    rows = list(book["Churn by segment"].iter_rows(min_row=2, values_only=True))
    assert [r[:4] for r in rows] == [("corp", 2, 1, 50.0), ("All", 2, 1, 50.0)]
