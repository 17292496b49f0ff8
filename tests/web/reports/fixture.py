"""A small company whose money figures can be worked out by hand (see the test docstrings).

60 customers; customer i is a promoter (NPS 10) when i % 3 == 0, a passive (8) when 1 and
a detractor (3) when 2, and buys at branch i % 4 three times: about 300, 200 and 100 days
ago, for 200 / 150 / 100 each (promoter / passive / detractor). At branches 0 and 1 (the
treated ones) the purchase 100 days ago is 40 and 80 more; at branch 3 it is 20 more.
CSAT at Reception is 1 for detractors (5 otherwise); at Billing 2 for passives (4 otherwise).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from cxray.web.analytics_store import analytics
from cxray.web.initiatives.services import initiative_create
from cxray.web.journeys.services import touchpoint_upsert
from cxray.web.people.services import unit_create

from ..conftest import facts, make_company

N = 60
BASE = {0: 200.0, 1: 150.0, 2: 100.0}  # by i % 3
EXTRA = {0: 40.0, 1: 80.0, 2: 0.0, 3: 20.0}  # by branch, on the purchase 100 days ago


def _at(today: date, days_ago: int) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), datetime.min.time()) + timedelta(
        hours=10
    )


def purchases(today: date) -> list[dict]:
    rows = []
    for i in range(N):
        branch = i % 4
        for k, days in enumerate((300 - i % 5 * 3, 200 - i % 7 * 2, 100 - i % 3)):
            amount = BASE[i % 3] + (EXTRA[branch] if k == 2 else 0.0)
            rows.append(
                {
                    "workspace": "lead",
                    "row_key": f"t{i}-{k}",
                    "transaction_id": f"t{i}-{k}",
                    "customer_id": f"c{i}",
                    "at": _at(today, days),
                    "amount": amount,
                    "unit_id": f"b{branch}",
                }
            )
    return rows


def build() -> dict:
    today = timezone.localdate()
    c = make_company("lead", n_promoters=0, n_detractors=0)
    ws = c["ws"]
    branches = [
        unit_create(workspace=ws, code=f"b{b}", name=f"Branch {b}", kind="branch") for b in range(4)
    ]
    reception = touchpoint_upsert(workspace=ws, code="reception", name="Reception")
    billing = touchpoint_upsert(workspace=ws, code="billing", name="Billing")
    responses, customers = [], []
    for i in range(N):
        nps = {0: 10.0, 1: 8.0, 2: 3.0}[i % 3]
        common = {"workspace": "lead", "customer_id": f"c{i}", "unit_id": f"b{i % 4}"}
        responses += [
            {
                **common,
                "row_key": f"n{i}",
                "metric": "nps",
                "score": nps,
                "scale_max": 10,
                "at": _at(today, 30),
            },
            {
                **common,
                "row_key": f"a{i}",
                "metric": "csat",
                "score": 1.0 if i % 3 == 2 else 5.0,
                "scale_max": 5,
                "at": _at(today, 40),
                "touchpoint_id": "reception",
            },
            {
                **common,
                "row_key": f"b{i}",
                "metric": "csat",
                "score": 2.0 if i % 3 == 1 else 4.0,
                "scale_max": 5,
                "at": _at(today, 40),
                "touchpoint_id": "billing",
            },
        ]
        customers.append(
            {
                "workspace": "lead",
                "customer_id": f"c{i}",
                "segment": "A" if i % 2 else "B",
                "first_seen": today - timedelta(days=320),
                "churned": False,
            }
        )
    with analytics() as store:
        store.write("responses", facts("responses", responses))
        store.write("transactions", facts("transactions", purchases(today)))
        store.write("customers", facts("customers", customers))
    from cxray.analytics.did import add_months

    initiative = initiative_create(
        workspace=ws,
        title="Second cashier at peak hours",
        treated_units=branches[:2],
        started=add_months(today, -4),
        outcome="revenue",
        expected_effect=5000,
        status="in_progress",
    )
    return {
        **c,
        "branches": branches,
        "reception": reception,
        "billing": billing,
        "initiative": initiative,
        "today": today,
    }
