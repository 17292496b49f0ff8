"""The home-page headline on a tiny hand-built store, with every figure worked by hand."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pytest
from scipy import stats

from cxray.analytics.headline import headline
from cxray.analytics.schema import TABLES
from cxray.analytics.store import AnalyticsStore

AS_OF = date(2024, 12, 31)  # window 2024-01-01 .. 2024-12-31, previous: all of 2023


def _write(store: AnalyticsStore, name: str, rows: list[dict[str, Any]]) -> None:
    for i, row in enumerate(rows):
        row.setdefault("row_key", f"{name}-{i}")
    # Columns a row leaves out are null, as in a file that lacks them.
    table = pa.Table.from_pylist(rows, schema=TABLES[name].to_pyarrow())
    assert store.write(name, table) == len(rows)


def _customer(cid: str, first_seen: date | None, churned_at: date | None = None, **kw: Any):
    return {
        "workspace": kw.pop("workspace", "acme"),
        "customer_id": cid,
        "first_seen": first_seen,
        "churned": kw.pop("churned", churned_at is not None),
        "churned_at": churned_at,
    }


def _response(at: datetime, score: float | None, metric: str = "nps", ws: str = "acme"):
    return {"workspace": ws, "at": at, "score": score, "metric": metric}


def _sale(at: datetime, amount: float, ws: str = "acme"):
    return {"workspace": ws, "at": at, "amount": amount}


@pytest.fixture
def store() -> AnalyticsStore:
    s = AnalyticsStore("duckdb://")
    _write(s, "customers", [
        _customer("c1", date(2022, 5, 1)),                         # in cohort, stays
        _customer("c2", date(2023, 3, 1), date(2024, 6, 15)),      # in cohort, lost
        _customer("c3", date(2023, 7, 1), date(2023, 11, 30)),     # gone before the window
        _customer("c4", date(2024, 2, 1), date(2024, 8, 1)),       # joined inside the window
        _customer("c5", None),                                     # undated: in cohort, stays
        _customer("c6", date(2023, 12, 31), date(2024, 1, 1)),     # lost on the first day
        _customer("c7", date(2024, 1, 1)),                         # joined on the first day
        _customer("c8", date(2021, 1, 1), date(2025, 2, 1)),       # leaves after as_of
        _customer("x1", date(2020, 1, 1), date(2024, 5, 5), workspace="other"),
        _customer("f1", date(2020, 1, 1), churned=True, workspace="flags"),
        _customer("f2", date(2020, 1, 1), churned=False, workspace="flags"),
        _customer("f3", date(2020, 1, 1), churned=False, workspace="flags"),
        _customer("f4", None, churned=None, workspace="flags"),
    ])  # fmt: skip
    _write(s, "transactions", [
        _sale(datetime(2024, 1, 1, 0, 0), 100.0),
        _sale(datetime(2024, 12, 31, 23, 59), 50.5),
        _sale(datetime(2024, 6, 1, 12, 0), 20.0),
        _sale(datetime(2023, 12, 31, 23, 59), 1000.0),  # before the window
        _sale(datetime(2025, 1, 1, 0, 0), 7.0),  # after as_of
        _sale(datetime(2024, 6, 1, 12, 0), 999.0, ws="other"),
    ])  # fmt: skip
    _write(s, "responses", [
        # the window: 3 promoters, 1 passive, 2 detractors -> NPS +16.67 on n = 6
        _response(datetime(2024, 1, 1, 0, 0), 10),
        _response(datetime(2024, 12, 31, 23, 59), 10),
        _response(datetime(2024, 3, 3), 9),
        _response(datetime(2024, 4, 4), 8),
        _response(datetime(2024, 5, 5), 0),
        _response(datetime(2024, 6, 6), 5),
        _response(datetime(2024, 7, 7), None),  # no answer
        _response(datetime(2024, 8, 8), 5, metric="csat"),
        _response(datetime(2024, 8, 8), 0, ws="other"),
        # the previous window: 1 promoter, 3 detractors -> NPS -50 on n = 4
        _response(datetime(2023, 1, 1, 0, 0), 10),
        _response(datetime(2023, 6, 1), 0),
        _response(datetime(2023, 9, 9), 3),
        _response(datetime(2023, 12, 31, 23, 59), 0),
        # outside both
        _response(datetime(2022, 12, 31, 23, 59), 10),
        _response(datetime(2025, 1, 1, 0, 0), 0),
    ])  # fmt: skip
    return s


def test_headline_figures_by_hand(store):
    h = headline(store, "acme", as_of=AS_OF)
    assert (h.start, h.months) == (date(2024, 1, 1), 12)

    assert (h.nps.n, h.nps.promoters, h.nps.passives, h.nps.detractors) == (6, 3, 1, 2)
    assert h.nps.value == pytest.approx(100 / 6)
    assert not h.nps.reliable  # 6 answers < 30

    change = h.nps_change
    assert change.before.value == pytest.approx(-50.0) and change.before.n == 4
    assert change.difference == pytest.approx(200 / 3)
    # pooled p_pro 4/10, p_det 5/10: se = sqrt(0.89 * (1/4 + 1/6)) = 0.608961, z = 1.094761
    assert change.p_value == pytest.approx(0.273621, abs=1e-5)
    assert not change.significant

    assert (h.customers, h.active_customers) == (8, 4)  # c2, c3, c4, c6 churned by as_of
    assert (h.revenue, h.transactions) == (pytest.approx(170.5), 3)

    assert h.churn_basis == "12 months"
    assert (h.churn.top, h.churn.n) == (2, 5)  # c2, c6 out of c1, c2, c5, c6, c8
    assert h.churn.value == pytest.approx(40.0)
    ci = stats.binomtest(2, 5).proportion_ci(0.95, method="wilson")
    assert (h.churn.low, h.churn.high) == pytest.approx((100 * ci.low, 100 * ci.high))
    assert h.churn.low == pytest.approx(11.76, abs=0.01)  # Wilson 95% for 2/5, by hand


def test_churn_falls_back_to_all_time_without_dates(store):
    h = headline(store, "flags", as_of=AS_OF)
    assert h.churn_basis == "all time"
    assert (h.churn.top, h.churn.n, h.churn.value) == (1, 4, 25.0)
    assert (h.customers, h.active_customers) == (4, 3)  # a null flag is not churned


def test_workspaces_do_not_leak(store):
    h = headline(store, "other", as_of=AS_OF)
    assert (h.customers, h.transactions, h.revenue) == (1, 1, 999.0)
    assert h.nps.n == 1 and h.nps.value == -100.0
    assert (h.churn.top, h.churn.n) == (1, 1)


def test_mapping_of_dataframes_gives_the_same_headline(store):
    tables = {name: store.to_arrow(name, "acme").to_pandas() for name in TABLES}
    assert headline(tables, "acme", as_of=AS_OF) == headline(store, "acme", as_of=AS_OF)


def test_empty_workspace_gives_zeros_and_n_zero(store):
    h = headline(store, "nobody", as_of=AS_OF)
    assert (h.customers, h.active_customers, h.revenue, h.transactions) == (0, 0, 0.0, 0)
    assert h.nps.n == 0 and math.isnan(h.nps.value)
    assert not h.nps_change.significant
    assert h.churn.n == 0
    assert h.as_dict()["nps"]["value"] is None


def test_shorter_window_and_month_end_clamping(store):
    h = headline(store, "acme", as_of=date(2024, 2, 29), months=12)
    assert h.start == date(2023, 3, 1)
    h6 = headline(store, "acme", as_of=AS_OF, months=6)
    assert h6.start == date(2024, 7, 1)
    assert h6.churn_basis == "6 months"
    assert (h6.revenue, h6.transactions) == (pytest.approx(50.5), 1)
    assert h6.nps.n == 1  # only the 31 December answer
