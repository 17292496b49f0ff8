"""``by``: the churn, lifetime-value and money tables grouped by cohort or by a column of the
customer file instead of the segment, on the page, the API and the CLI.

Churn uses the churn page's eleven customers (see tests/web/test_churn_page.py), counted by
hand per group:

* cohort (quarter first seen): 2023-Q1 r1-r3, 1 left of 3 (33.3%); 2023-Q2 k1-k4, 1 of 4
  (25.0%); 2024-Q1 r4-r6 and h1, 2 of 4 (50.0%);
* cohort_year: 2023 2 of 7 (28.6%); 2024 2 of 4 (50.0%);
* the customer file's column ``plan`` (given here to r1, r2 and k1 as gold, to the others but
  h1 as basic): gold 2 of 3 (66.7%), basic 2 of 7 (28.6%), h1 without a plan in "—" 0 of 1.

Lifetime value and money use the paying customers of tests/web/test_clv_money_filters.py:
the "old" ones (first seen 420 days ago) are 15 retail and 30 corp, the "new" ones (210 days
ago) 30 retail and 15 corp; 15 detractors in each cohort.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from cxray.analytics.customer_groups import check_grouping
from cxray.cli import app
from cxray.errors import InvalidInputError
from cxray.web.analytics_store import analytics

from .conftest import facts
from .test_churn_page import CUSTOMERS, churny  # noqa: F401
from .test_clv_money_filters import valued  # noqa: F401

pytestmark = pytest.mark.django_db

GOLD = {"r1", "r2", "k1"}


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def planned(churny):  # noqa: F811
    rows = [
        {
            "workspace": "churny",
            "customer_id": cid,
            "segment": segment,
            "first_seen": first,
            "churned": left is not None,
            "churned_at": left,
            "attributes": None
            if cid == "h1"
            else json.dumps({"plan": "gold" if cid in GOLD else "basic", "city": "Kyiv"}),
        }
        for cid, segment, first, left, _unit in CUSTOMERS
    ]
    with analytics() as store:
        store.write("customers", facts("customers", rows))
    return churny


def _api(client, token, report, **params):
    return client.get(
        f"/api/v1/reports/{report}", params, headers={"Authorization": f"Bearer {token}"}
    )


def _churn(body: dict) -> dict[str | None, tuple[int, int, float]]:
    return {
        r["segment"]: (r["left"], r["customers"], round(r["churn_pct"], 1))
        for r in body["churn_by_segment"]
    }


def test_api_churn_by_cohort_year_and_a_customer_column(client, planned):
    token = planned["token"]
    cohort = _api(client, token, "churn", by="cohort").json()
    assert cohort["filters"]["by"] == "cohort"
    assert _churn(cohort) == {
        "2023-Q1": (1, 3, 33.3),
        "2023-Q2": (1, 4, 25.0),
        "2024-Q1": (2, 4, 50.0),
        None: (4, 11, 36.4),
    }
    assert set(cohort["survival"]) == {"2023-Q1", "2023-Q2", "2024-Q1"}
    year = _api(client, token, "churn", by="cohort_year").json()
    assert _churn(year) == {"2023": (2, 7, 28.6), "2024": (2, 4, 50.0), None: (4, 11, 36.4)}
    plan = _api(client, token, "churn", by="plan").json()
    assert _churn(plan) == {
        "gold": (2, 3, 66.7),
        "basic": (2, 7, 28.6),
        "—": (0, 1, 0.0),
        None: (4, 11, 36.4),
    }
    # Grouping and filtering together: retail customers by plan.
    retail = _api(client, token, "churn", by="plan", segment="retail").json()
    assert _churn(retail) == {"gold": (1, 2, 50.0), "basic": (2, 4, 50.0), None: (3, 6, 50.0)}
    # The default is the segment, as before.
    assert _churn(_api(client, token, "churn").json())["retail"] == (3, 6, 50.0)


def test_an_unknown_grouping_names_the_columns_there_are(client, planned):
    body = _api(client, planned["token"], "churn", by="tariff")
    assert body.status_code == 400
    detail = body.json()["detail"]
    assert "no customer has a column 'tariff'" in detail
    assert "cohort_year or one of: city, plan" in detail
    bad = _api(client, planned["token"], "money", by="plan; drop")
    assert bad.status_code == 400 and "cannot group customers by" in bad.json()["detail"]
    with pytest.raises(InvalidInputError):
        check_grouping("a" * 65)


def _quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def test_api_clv_and_money_by_cohort(client, valued):  # noqa: F811
    token = valued["token"]
    today = timezone.localdate()
    old, new = _quarter(today - timedelta(days=420)), _quarter(today - timedelta(days=210))
    everyone = _api(client, token, "clv").json()
    by_cohort = _api(client, token, "clv", by="cohort").json()
    assert by_cohort["customers"] == 90 and by_cohort["bg_nbd"] == everyone["bg_nbd"]
    rows = {r["segment"]: r for r in by_cohort["by_segment"]}
    assert {k: r["customers"] for k, r in rows.items()} == {old: 45, new: 45}
    total = sum(r["total_clv"] for r in everyone["by_segment"])
    assert sum(r["total_clv"] for r in rows.values()) == pytest.approx(total)
    # The old cohort is exactly the customers first seen until 300 days ago.
    filtered = _api(client, token, "clv", first_seen_to=valued["old_until"]).json()
    old_total = sum(r["total_clv"] for r in filtered["by_segment"])
    assert rows[old]["total_clv"] == pytest.approx(old_total)

    money = _api(client, token, "money", by="cohort").json()
    at_risk = {r["segment"]: r["n"] for r in money["value_at_risk_by_segment"]}
    assert at_risk == {old: 15, new: 15}
    # Loyalty groups do not depend on the grouping (up to the order of the sums).
    plain = _api(client, token, "money").json()["by_loyalty"]
    assert len(money["by_loyalty"]) == len(plain) == 3
    for grouped_row, plain_row in zip(money["by_loyalty"], plain, strict=True):
        assert grouped_row["group"] == plain_row["group"]
        assert grouped_row["customers"] == plain_row["customers"]
        assert grouped_row["mean_clv"] == pytest.approx(plain_row["mean_clv"], rel=1e-12)


def test_the_page_groups_its_tables(client, planned):
    client.force_login(planned["admin"])
    html = client.get(reverse("churn", args=["churny"]), {"by": "plan"}).content.decode()
    assert '<option value="plan" selected>plan</option>' in html
    assert '<option value="cohort">Cohort (quarter first seen)</option>' in html
    section = html.split("Churn by segment", 1)[1].split("</table>", 1)[0]
    assert '<th scope="col">plan</th>' in section
    assert "<td>gold</td>" in section and "66.7%" in section
    assert "by=plan&amp;format=xlsx" in html
    refused = client.get(reverse("churn", args=["churny"]), {"by": "tariff"})
    assert refused.status_code == 400 and "no customer has a column" in refused.content.decode()


def test_cli_groups_churn_clv_and_money(planned):
    runner = CliRunner()
    churn = runner.invoke(app, ["report", "churn", "-w", "churny", "--by", "cohort_year"])
    assert churn.exit_code == 0, churn.output
    assert "2024" in churn.stdout and "left 2 of 4" in churn.stdout
    data = runner.invoke(app, ["report", "churn", "-w", "churny", "--by", "plan", "--json"])
    assert _churn(json.loads(data.stdout))["gold"] == (2, 3, 66.7)
    bad = runner.invoke(app, ["report", "money", "-w", "churny", "--by", "tariff"])
    assert isinstance(bad.exception, InvalidInputError)
    assert "no customer has a column 'tariff'" in str(bad.exception)
