"""The churn page's filters (segment, unit, first-seen cohort) on lifetime value and money: the
page, its XLSX, ``cxray report clv|money`` and ``/api/v1/reports/clv|money``.

The workspace is the churn page's (``churny``: eleven customers with visits and no purchase,
first seen in 2023-2024) plus 90 paying customers, all first seen less than 15 months ago:

* segment × unit × loyalty: retail/corp × north-dep/south × promoter (NPS 10) / passive (8) /
  detractor (3); 5 customers in each north-dep cell, 10 in each south cell (30 + 60);
* in each cell the customers buy 1, 2, 3, 4, 5, 1, 2, 3, 4, 5 times (every 14 days), so a
  cell's mean number of purchases is 3;
* one purchase costs 100 (retail) or 300 (corp), 100 more for promoters; the revenue per
  customer of a cell is 3 × that: retail promoter 600, retail passive or detractor 300, corp
  promoter 1200, corp passive or detractor 900;
* "old" customers (retail in north-dep, corp in south) were first seen 420 days ago, "new"
  ones (corp in north-dep, retail in south) 210 days ago.

Revenue per customer by loyalty group, counted by hand:

=====================================  =========  ========  ========  =========
filter                                 customers  promoter  passive   detractor
=====================================  =========  ========  ========  =========
none (administrator)                   30 each    900       600       600
segment corp                           15 each    1200      900       900
unit north (north-dep is below it)     10 each    900       600       600
first seen until 300 days ago ("old")  15 each    1000      700       700
south manager, no filter               20 each    900       600       600
south manager, segment retail          10 each    600       300       300
=====================================  =========  ========  ========  =========

(old promoters: 5 × 600 + 10 × 1200 = 15,000 over 15 = 1000; old passives: 5 × 300 + 10 × 900
= 10,500 over 15 = 700.) Customers valued by lifetime value: 45 retail and 45 corp; in the old
cohort 15 retail and 30 corp. Detractors at risk: 15 per segment, 30 at the one touchpoint.
"""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from typer.testing import CliRunner

from cxray.cli import app
from cxray.errors import CxrayError, InvalidInputError
from cxray.web.analytics_store import analytics

from .conftest import facts
from .test_churn_page import churny  # noqa: F401  (the churn page's workspace, reused)

pytestmark = pytest.mark.django_db

LOYALTY = {"p": 10.0, "a": 8.0, "d": 3.0}  # promoter, passive, detractor
PRICE = {"retail": 100.0, "corp": 300.0}
OLD = {("retail", "north-dep"), ("corp", "south")}


def _paying_customers() -> list[tuple[str, str, str, str, int]]:
    """(id, segment, unit, loyalty, purchases) of the 90 paying customers."""
    rows = []
    for segment in ("retail", "corp"):
        for unit, copies in (("north-dep", 5), ("south", 10)):
            for loyalty in LOYALTY:
                for c in range(copies):
                    cid = f"{segment[0]}{unit[0]}{loyalty}{c}"
                    rows.append((cid, segment, unit, loyalty, 1 + c % 5))
    return rows


@pytest.fixture
def valued(churny):  # noqa: F811
    today = timezone.localdate()
    customers, payments, answers = [], [], []
    for cid, segment, unit, loyalty, k in _paying_customers():
        first = today - timedelta(days=420 if (segment, unit) in OLD else 210)
        start = datetime.combine(first, datetime.min.time())
        customers.append(
            {
                "workspace": "churny",
                "customer_id": cid,
                "segment": segment,
                "first_seen": first,
                "churned": False,
            }
        )
        price = PRICE[segment] + (100.0 if loyalty == "p" else 0.0)
        payments += [
            {
                "workspace": "churny",
                "row_key": f"t-{cid}-{j}",
                "transaction_id": f"t-{cid}-{j}",
                "customer_id": cid,
                "at": start + timedelta(days=14 * j),
                "amount": price,
                "unit_id": unit,
            }
            for j in range(k)
        ]
        answers.append(
            {
                "workspace": "churny",
                "row_key": f"a-{cid}",
                "response_id": f"a-{cid}",
                "customer_id": cid,
                "touchpoint_id": "desk",
                "unit_id": unit,
                "at": start + timedelta(days=1),
                "metric": "nps",
                "score": LOYALTY[loyalty],
                "scale_max": 10,
            }
        )
    with analytics() as store:
        store.write("customers", facts("customers", customers))
        store.write("transactions", facts("transactions", payments))
        store.write("responses", facts("responses", answers))
    return {**churny, "old_until": (today - timedelta(days=300)).isoformat()}


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _api(client, token, report, **params):
    return client.get(
        f"/api/v1/reports/{report}", params, headers={"Authorization": f"Bearer {token}"}
    )


def _loyalty(body: dict) -> dict[str, tuple[int, float]]:
    return {r["group"]: (r["customers"], r["revenue_per_customer"]) for r in body["by_loyalty"]}


def test_api_money_by_loyalty_follows_every_filter(client, valued):
    token = valued["token"]
    assert _loyalty(_api(client, token, "money").json()) == {
        "promoter": (30, pytest.approx(900)),
        "passive": (30, pytest.approx(600)),
        "detractor": (30, pytest.approx(600)),
    }
    corp = _api(client, token, "money", segment="corp").json()
    assert corp["filters"]["segment"] == "corp" and corp["customers"] == 45
    assert _loyalty(corp) == {
        "promoter": (15, pytest.approx(1200)),
        "passive": (15, pytest.approx(900)),
        "detractor": (15, pytest.approx(900)),
    }
    north = _api(client, token, "money", unit="north").json()
    assert _loyalty(north) == {
        "promoter": (10, pytest.approx(900)),
        "passive": (10, pytest.approx(600)),
        "detractor": (10, pytest.approx(600)),
    }
    old = _api(client, token, "money", first_seen_to=valued["old_until"]).json()
    assert _loyalty(old) == {
        "promoter": (15, pytest.approx(1000)),
        "passive": (15, pytest.approx(700)),
        "detractor": (15, pytest.approx(700)),
    }
    at_risk = {r["segment"]: r["n"] for r in old["value_at_risk_by_segment"]}
    assert at_risk == {"retail": 5, "corp": 10}
    # The report cache keeps the filtered and the unfiltered answers apart.
    assert _api(client, token, "money").json()["customers"] == 90


def _clv(body: dict) -> dict[str, tuple[int, float, float]]:
    return {
        r["segment"]: (r["customers"], r["mean_clv"], r["total_clv"]) for r in body["by_segment"]
    }


def test_api_clv_shows_the_filtered_customers_valued_by_one_model(client, valued):
    token = valued["token"]
    everyone = _api(client, token, "clv").json()
    assert everyone["customers"] == 90
    assert {k: v[0] for k, v in _clv(everyone).items()} == {"retail": 45, "corp": 45}
    corp = _api(client, token, "clv", segment="corp").json()
    assert corp["customers"] == 45 and corp["bg_nbd"] == everyone["bg_nbd"]
    # The same model: corp's row is the unfiltered page's corp row, to the last digit.
    assert _clv(corp) == {"corp": _clv(everyone)["corp"]}
    north = _clv(_api(client, token, "clv", unit="north").json())
    south = _clv(_api(client, token, "clv", unit="south").json())
    assert {k: v[0] for k, v in north.items()} == {"retail": 15, "corp": 15}
    assert {k: v[0] for k, v in south.items()} == {"retail": 30, "corp": 30}
    for segment in ("retail", "corp"):  # the two units split each segment's total
        assert north[segment][2] + south[segment][2] == pytest.approx(_clv(everyone)[segment][2])
    old = _clv(_api(client, token, "clv", first_seen_to=valued["old_until"]).json())
    assert {k: v[0] for k, v in old.items()} == {"retail": 15, "corp": 30}
    # Old retail customers are exactly north-dep's retail customers.
    assert old["retail"] == pytest.approx(north["retail"])


def test_no_matching_customers_is_an_empty_answer_that_says_why(client, valued):
    token = valued["token"]
    for report in ("clv", "money"):
        body = _api(client, token, report, segment="wholesale").json()
        assert body["customers"] == 0 and body["filters"]["segment"] == "wholesale"
        assert "no customers in segment 'wholesale'" in body["note"]
        assert "corp, retail" in body["note"]
    # The churn page's eleven customers match but none of them has paid.
    unpaid = _api(client, token, "clv", first_seen_to="2024-12-31").json()
    assert unpaid["customers"] == 0 and unpaid["by_segment"] == []
    assert "none of the 11 customers that match these filters" in unpaid["note"]
    money = _api(client, token, "money", first_seen_to="2024-12-31").json()
    assert money["customers"] == 0 and money["by_loyalty"] == []
    bad = _api(client, token, "money", first_seen_from="2024-31-01")
    assert bad.status_code == 400 and "first_seen_from" in bad.json()["detail"]
    assert _api(client, token, "clv", unit="nowhere").status_code == 400


def _page_tables(html: str) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """The page's lifetime-value table (segment → customers, total) and its money-by-loyalty
    table (group → customers, revenue per customer), as printed."""
    clv_html = html.split("Customer lifetime value, next 12 months", 1)[1].split("</table>")[0]
    clv = re.findall(
        r"<tr><td>(\w+)</td><td class=\"num\">(\d+)</td>.*?"
        r"<td class=\"num\">([\d,]+) UAH</td>",
        clv_html,
    )
    money_html = html.split("Money by loyalty group", 1)[1].split("</table>")[0]
    money = re.findall(
        r"<tr><td>(\w+)</td><td class=\"num\">(\d+)</td><td class=\"num\">([\d,]+)</td>",
        money_html,
    )
    return (
        {s: (int(n), int(t.replace(",", ""))) for s, n, t in clv},
        {g: (int(n), int(r.replace(",", ""))) for g, n, r in money},
    )


def test_the_page_and_its_xlsx_follow_the_filters(client, valued):
    client.force_login(valued["admin"])
    url = reverse("churn", args=["churny"])
    everyone = client.get(url).content.decode()
    clv, money = _page_tables(everyone)
    assert {k: v[0] for k, v in clv.items()} == {"retail": 45, "corp": 45}
    assert money == {"promoters": (30, 900), "passives": (30, 600), "detractors": (30, 600)}
    assert "A promoter is worth" in everyone and "filters only choose" not in everyone
    page = client.get(url, {"segment": "corp", "first_seen_to": valued["old_until"]})
    html = page.content.decode()
    clv, money = _page_tables(html)
    assert {k: v[0] for k, v in clv.items()} == {"corp": 30}
    # Corp customers first seen long ago are the 30 corp customers of south: 10 per group.
    assert money == {"promoters": (10, 1200), "passives": (10, 900), "detractors": (10, 900)}
    assert "filters only choose whose values are shown" in html
    assert f"first_seen_to={valued['old_until']}&amp;format=xlsx" in html

    book = load_workbook(
        io.BytesIO(
            client.get(
                url, {"segment": "corp", "first_seen_to": valued["old_until"], "format": "xlsx"}
            ).content
        )
    )
    filters = dict(book["Filters"].iter_rows(min_row=2, values_only=True))
    assert filters["segment"] == "corp" and filters["first_seen_to"] == valued["old_until"]
    rows = list(book["Lifetime value"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in rows] == [("corp", 30)]
    assert round(rows[0][5]) == clv["corp"][1]  # the total the page prints
    per_customer = list(book["Lifetime value per customer"].iter_rows(values_only=True))
    assert per_customer[0][:5] == ("customer_id", "segment", "frequency", "recency", "T")
    assert len(per_customer) == 31 and {r[1] for r in per_customer[1:]} == {"corp"}
    assert {r[0]: r[2:5] for r in per_customer[1:]}["csp4"] == (4, 8.0, 60.0)
    loyalty = {
        r[0]: r[1:3] for r in book["Money by loyalty group"].iter_rows(min_row=2, values_only=True)
    }
    assert loyalty == {"promoter": (10, 1200.0), "passive": (10, 900.0), "detractor": (10, 900.0)}
    at_risk = list(book["Value at risk by segment"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[4]) for r in at_risk] == [("corp", 10)]


def test_an_unknown_segment_leaves_no_money_table_on_the_page(client, valued):
    client.force_login(valued["admin"])
    html = client.get(reverse("churn", args=["churny"]), {"segment": "wholesale"}).content.decode()
    assert "no customers in segment" in html
    assert "Customer lifetime value" not in html and "Money by loyalty group" not in html


def test_a_unit_manager_values_only_their_customers_and_cannot_widen(client, valued):
    from cxray.web.accounts.services import api_token_create

    # Employees' eNPS answers join every read of responses as protected cells; with them the
    # manager's page once failed inside DuckDB (a join filter pushed into an Arrow scan).
    enps = [
        {
            "workspace": "churny",
            "row_key": f"e{i}",
            "response_id": f"e{i}",
            "respondent_employee_id": "unit:south",
            "unit_id": "south",
            "at": datetime(2025, 1, 15),
            "metric": "enps",
            "score": 9.0,
            "scale_max": 10,
        }
        for i in range(6)
    ]
    with analytics() as store:
        store.write("responses", facts("responses", enps))
    manager = valued["manager"]
    client.force_login(manager)
    url = reverse("churn", args=["churny"])
    clv, money = _page_tables(client.get(url).content.decode())
    assert {k: v[0] for k, v in clv.items()} == {"retail": 30, "corp": 30}
    assert money == {"promoters": (20, 900), "passives": (20, 600), "detractors": (20, 600)}
    clv, money = _page_tables(client.get(url, {"segment": "retail"}).content.decode())
    assert {k: v[0] for k, v in clv.items()} == {"retail": 30}
    assert money == {"promoters": (10, 600), "passives": (10, 300), "detractors": (10, 300)}
    refused = client.get(url, {"unit": "north", "format": "xlsx"})
    assert refused.status_code == 400
    assert "outside the units you may see" in refused.content.decode()

    token = api_token_create(workspace=valued["ws"], user=manager, name="south")[1]
    for report in ("clv", "money"):
        wider = _api(client, token, report, unit="north")
        assert wider.status_code == 400
        assert "outside the units you may see" in wider.json()["detail"]
    own = _api(client, token, "money", unit="south", segment="retail").json()
    assert _loyalty(own) == {
        "promoter": (10, pytest.approx(600)),
        "passive": (10, pytest.approx(300)),
        "detractor": (10, pytest.approx(300)),
    }
    assert _api(client, token, "clv").json()["customers"] == 60


def test_cli_clv_and_money_take_the_same_filters(valued):
    runner = CliRunner()
    clv = runner.invoke(app, ["report", "clv", "-w", "churny", "--segment", "corp", "--json"])
    assert clv.exit_code == 0, clv.output
    data = json.loads(clv.stdout)
    assert data["customers"] == 45 and [r["segment"] for r in data["by_segment"]] == ["corp"]
    assert data["filters"]["segment"] == "corp"
    old = runner.invoke(
        app, ["report", "money", "-w", "churny", "--first-seen-to", valued["old_until"]]
    )
    assert old.exit_code == 0, old.output
    assert re.search(r"promoter\s+n=15\s+revenue per customer 1000,", old.stdout)
    assert re.search(r"passive\s+n=15\s+revenue per customer 700,", old.stdout)
    north = runner.invoke(app, ["report", "money", "-w", "churny", "--unit", "north", "--json"])
    assert _loyalty(json.loads(north.stdout))["promoter"] == (10, pytest.approx(900))
    none = runner.invoke(app, ["report", "clv", "-w", "churny", "--segment", "wholesale"])
    assert none.exit_code == 0 and "0 customers: no customers in segment" in none.stdout
    bad = runner.invoke(app, ["report", "clv", "-w", "churny", "--first-seen-from", "May 1"])
    assert isinstance(bad.exception, InvalidInputError)
    assert "first_seen_from 'May 1' is not a date" in str(bad.exception)
    pdf = runner.invoke(
        app, ["report", "money", "-w", "churny", "--format", "pdf", "--segment", "corp"]
    )
    assert isinstance(pdf.exception, CxrayError)
    assert "the leadership report (html, pdf) always covers every customer" in str(pdf.exception)


def test_a_segment_too_small_to_compare_loyalty_groups_still_shows_its_money(client, valued):
    """Two "vip" customers (one promoter, one detractor, two purchases of 500 each): too few
    for "a promoter is worth more than a detractor", not for the other tables."""
    today = timezone.localdate()
    start = datetime.combine(today - timedelta(days=100), datetime.min.time())
    vips = [("v1", 10.0), ("v2", 2.0)]
    with analytics() as store:
        store.write(
            "customers",
            facts(
                "customers",
                [
                    {"workspace": "churny", "customer_id": c, "segment": "vip", "churned": False}
                    for c, _ in vips
                ],
            ),
        )
        store.write(
            "transactions",
            facts(
                "transactions",
                [
                    {
                        "workspace": "churny",
                        "row_key": f"t-{c}-{j}",
                        "customer_id": c,
                        "at": start + timedelta(days=14 * j),
                        "amount": 500.0,
                        "unit_id": "south",
                    }
                    for c, _ in vips
                    for j in range(2)
                ],
            ),
        )
        store.write(
            "responses",
            facts(
                "responses",
                [
                    {
                        "workspace": "churny",
                        "row_key": f"a-{c}",
                        "customer_id": c,
                        "touchpoint_id": "desk",
                        "unit_id": "south",
                        "at": start,
                        "metric": "nps",
                        "score": s,
                    }
                    for c, s in vips
                ],
            ),
        )
    body = _api(client, valued["token"], "money", segment="vip").json()
    assert body["customers"] == 2 and body["promoter_minus_detractor"] is None
    assert (
        "need at least 2 customers in each of 'promoter' (1)"
        in (body["promoter_minus_detractor_note"])
    )
    assert _loyalty(body)["promoter"] == (1, pytest.approx(1000))
    assert _loyalty(body)["detractor"] == (1, pytest.approx(1000))
    assert [(r["segment"], r["n"]) for r in body["value_at_risk_by_segment"]] == [("vip", 1)]
    client.force_login(valued["admin"])
    html = client.get(reverse("churn", args=["churny"]), {"segment": "vip"}).content.decode()
    clv, money = _page_tables(html)
    assert {k: v[0] for k, v in clv.items()} == {"vip": 2}
    assert money["promoters"] == (1, 1000) and money["detractors"] == (1, 1000)
    assert "What a promoter is worth more than a detractor is not shown" in html


def test_per_customer_values_in_the_api_and_the_cli(client, valued):
    body = _api(client, valued["token"], "clv", segment="corp", per_customer="true").json()
    rows = {r["customer_id"]: r for r in body["per_customer"]}
    assert len(rows) == 45 and {r["segment"] for r in rows.values()} == {"corp"}
    # csp4: corp, south (first seen 420 days = 60 weeks ago), 5 purchases 14 days apart:
    # 4 repeat purchases, the last 8 weeks after the first. cna0: one purchase 30 weeks ago.
    assert (rows["csp4"]["frequency"], rows["csp4"]["recency"], rows["csp4"]["T"]) == (4, 8, 60)
    assert (rows["cna0"]["frequency"], rows["cna0"]["recency"], rows["cna0"]["T"]) == (0, 0, 30)
    assert all(0 <= r["p_alive"] <= 1 and r["expected_purchases"] >= 0 for r in rows.values())
    values = [r["clv"] for r in body["per_customer"]]
    assert values == sorted(values, reverse=True)
    assert sum(values) == pytest.approx(body["by_segment"][0]["total_clv"])
    assert "per_customer" not in _api(client, valued["token"], "clv").json()

    out = CliRunner().invoke(
        app, ["report", "clv", "-w", "churny", "--unit", "north", "--per-customer"]
    )
    assert out.exit_code == 0, out.output
    listed = re.findall(r"^(\w+)\s+(retail|corp)\s+alive ", out.stdout, flags=re.M)
    assert len(listed) == 30 and {c[1] for c in listed} == {"retail", "corp"}
    assert all(c[0][1] == "n" for c in listed)  # north-dep customers only
