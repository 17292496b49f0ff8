"""The measured effect of an initiative: difference in differences against hand-computed 2×2
tables, a case with exactly zero effect, the windows and the money per year."""

from __future__ import annotations

import math
from datetime import date, datetime

import pyarrow as pa
import pytest

from cxray.analytics.did import add_months, did_windows, measure_initiative
from cxray.analytics.schema import TABLES
from cxray.analytics.store import AnalyticsStore
from cxray.errors import InsufficientDataError, InvalidInputError

WS = "w"
STARTED = date(2026, 3, 1)
AS_OF = date(2026, 5, 1)  # two whole months after the start: windows Jan-Feb and Mar-Apr
BEFORE = datetime(2026, 1, 20)
AFTER = datetime(2026, 3, 20)
TREATED = frozenset({"T1", "T2"})


def _rows(name: str, rows: list[dict]) -> pa.Table:
    schema = TABLES[name].to_pyarrow()
    return pa.Table.from_pylist(
        [{c: {"workspace": WS, **r}.get(c) for c in schema.names} for r in rows], schema=schema
    )


def _store(tmp_path, *, responses=(), transactions=(), customers=()) -> AnalyticsStore:
    store = AnalyticsStore(f"duckdb://{tmp_path / 'a.duckdb'}")
    keyed = [{"row_key": f"r{i}", "metric": "nps", **r} for i, r in enumerate(responses)]
    store.write("responses", _rows("responses", keyed))
    tx = [{"row_key": f"t{i}", **r} for i, r in enumerate(transactions)]
    store.write("transactions", _rows("transactions", tx))
    store.write("customers", _rows("customers", list(customers)))
    return store


def _answers(unit: str, at: datetime, scores: list[float]) -> list[dict]:
    return [
        {"unit_id": unit, "at": at, "score": s, "customer_id": f"{unit}-{at.month}-{i}"}
        for i, s in enumerate(scores)
    ]


def _nps_responses() -> list[dict]:
    return (
        _answers("T1", BEFORE, [10, 2])
        + _answers("T1", AFTER, [10, 10])
        + _answers("T2", BEFORE, [8, 2])
        + _answers("T2", AFTER, [10, 7, 3])
        + _answers("C1", BEFORE, [10, 8])
        + _answers("C1", AFTER, [10, 8])
        + _answers("C2", BEFORE, [2, 2])
        + _answers("C2", AFTER, [10, 2])
        # Outside both windows, or another metric: left out.
        + _answers("T1", datetime(2025, 12, 15), [0, 0, 0])
        + [{"unit_id": "T1", "at": AFTER, "score": 1.0, "metric": "csat", "customer_id": "x"}]
    )


def test_windows_are_whole_months_of_equal_length():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 3, 1), -3) == date(2025, 12, 1)
    months, before, after = did_windows(STARTED, AS_OF)
    assert months == 2
    assert before == (date(2026, 1, 1), date(2026, 3, 1))
    assert after == (date(2026, 3, 1), date(2026, 5, 1))
    assert did_windows(date(2024, 1, 1), AS_OF)[0] == 12  # at most a year
    with pytest.raises(InsufficientDataError, match="one whole month"):
        did_windows(date(2026, 4, 15), AS_OF)


def test_nps_effect_matches_the_hand_computed_two_by_two_table(tmp_path):
    # Contributions: promoter +100, passive 0, detractor -100; NPS per unit and window:
    #            before            after           change
    # T1  (10, 2)  ->    0    (10, 10)   -> 100     +100
    # T2  (8, 2)   ->  -50    (10, 7, 3) ->   0      +50
    # C1  (10, 8)  ->   50    (10, 8)    ->  50        0
    # C2  (2, 2)   -> -100    (10, 2)    ->   0     +100
    # treated mean change 75, control 50: effect 25. Cell means: treated -25 -> 50,
    # control -25 -> 25, and (50 - -25) - (25 - -25) = 25 as well.
    # SE (clustered by unit) = sqrt(var{100,50}/2 + var{0,100}/2) = sqrt(625 + 2500).
    responses = _nps_responses()
    store = _store(tmp_path, responses=responses)
    e = measure_initiative(
        store, WS, outcome="nps", started=STARTED, as_of=AS_OF, treated_units=TREATED
    )
    d = e.did
    assert d.effect == pytest.approx(25.0)
    assert (d.treated_before, d.treated_after) == (pytest.approx(-25.0), pytest.approx(50.0))
    assert (d.control_before, d.control_after) == (pytest.approx(-25.0), pytest.approx(25.0))
    assert d.std_error == pytest.approx(math.sqrt(3125))
    assert d.df == pytest.approx(3125**2 / (625**2 + 2500**2))
    assert d.low < 0 < d.high  # two units a side: wide, honest interval
    assert (d.n_treated, d.n_control) == (2, 2)
    assert e.months == 2 and e.clusters == "unit"
    # Distinct customers at T1/T2 after the start: 2 + 3 answers, and the CSAT answerer.
    assert e.treated_customers == 6
    assert math.isnan(d.money)  # no transactions: no promoter - detractor price
    assert e.unpriced == "no_revenue"


def test_nps_effect_priced_by_the_promoter_detractor_difference(tmp_path):
    # Over the last 12 months every promoter spent 300, every detractor 100, passives 0:
    # a promoter brings 200 more. One NPS point = 1% of the 6 treated customers moving one
    # group up, each worth 200 / 2: 0.01 × 6 × 100 = 6 per point; 25 points -> 150 a year.
    responses = _nps_responses()
    spend = {
        10: 300.0,
        9: 300.0,
        0: 100.0,
        1: 100.0,
        2: 100.0,
        3: 100.0,
        4: 100.0,
        5: 100.0,
        6: 100.0,
    }
    tx = [
        {"customer_id": r["customer_id"], "at": r["at"], "amount": spend[int(r["score"])]}
        for r in responses
        if r.get("metric", "nps") == "nps" and int(r["score"]) in spend
    ]
    store = _store(tmp_path, responses=responses, transactions=tx)
    e = measure_initiative(
        store, WS, outcome="nps", started=STARTED, as_of=AS_OF, treated_units=TREATED
    )
    assert e.promoter_minus_detractor == pytest.approx(200.0)
    assert e.value_per_point == pytest.approx(6.0)
    assert e.did.money == pytest.approx(150.0)
    assert e.unpriced == ""


def test_revenue_effect_in_money_per_year(tmp_path):
    # Revenue per customer per month (window of 2 months):
    # T1: (100+300)/2/2 = 100 -> (200+400)/2/2 = 150   +50
    # T2: 200/1/2       = 100 -> 340/1/2       = 170   +70
    # C1: (100+100)/2/2 =  50 -> (120+80)/2/2  =  50     0
    # C2: 400/1/2       = 200 -> 440/1/2       = 220   +20
    # effect = 60 - 10 = 50 per customer per month; treated customers a, b, c: 3;
    # money per year = 50 × 12 × 3 = 1800.
    spend = {
        ("T1", "a"): (100, 200),
        ("T1", "b"): (300, 400),
        ("T2", "c"): (200, 340),
        ("C1", "d"): (100, 120),
        ("C1", "e"): (100, 80),
        ("C2", "f"): (400, 440),
    }
    tx = [
        {"unit_id": u, "customer_id": c, "at": at, "amount": float(v)}
        for (u, c), amounts in spend.items()
        for at, v in zip((BEFORE, AFTER), amounts, strict=True)
    ]
    store = _store(tmp_path, transactions=tx)
    e = measure_initiative(
        store, WS, outcome="revenue", started=STARTED, as_of=AS_OF, treated_units=TREATED
    )
    assert e.did.effect == pytest.approx(50.0)
    assert e.did.treated_before == pytest.approx(100.0)
    assert e.did.treated_after == pytest.approx(160.0)
    assert e.treated_customers == 3
    assert e.value_per_point == pytest.approx(36.0)
    assert e.did.money == pytest.approx(1800.0)
    assert e.did.money_low == pytest.approx(e.did.low * 36)
    assert e.did.money_high == pytest.approx(e.did.high * 36)


def test_known_zero_effect(tmp_path):
    # Treated and control units change by the same amounts (+10, +30): effect exactly 0.
    spend = {
        ("T1", "a"): (100, 120),
        ("T2", "b"): (100, 160),
        ("C1", "c"): (50, 70),
        ("C2", "d"): (80, 140),
    }
    tx = [
        {"unit_id": u, "customer_id": c, "at": at, "amount": float(v)}
        for (u, c), amounts in spend.items()
        for at, v in zip((BEFORE, AFTER), amounts, strict=True)
    ]
    store = _store(tmp_path, transactions=tx)
    e = measure_initiative(
        store, WS, outcome="revenue", started=STARTED, as_of=AS_OF, treated_units=TREATED
    )
    assert e.did.effect == pytest.approx(0.0, abs=1e-9)
    assert e.did.low < 0 < e.did.high
    assert e.did.p_value == pytest.approx(1.0)


def test_churn_rate_by_unit(tmp_path):
    # Customers who bought at a unit in the 2 months before a window are its base; the
    # churn rate is the share of them leaving within the window, in percent.
    # Before window (Jan-Feb) base: purchases in Nov-Dec; after window (Mar-Apr): Jan-Feb.
    nov, jan = datetime(2025, 11, 10), datetime(2026, 1, 10)
    tx, customers = [], []
    plan = {
        # unit: (customers, churned in before window, churned in after window)
        "T1": (4, 2, 1),
        "T2": (4, 1, 0),
        "C1": (4, 1, 1),
        "C2": (4, 2, 2),
    }
    for unit, (n, gone_before, gone_after) in plan.items():
        for i in range(n):
            cid = f"{unit}-{i}"
            tx.append({"unit_id": unit, "customer_id": cid, "at": nov, "amount": 10.0})
            churned_at = None
            if i < gone_before:
                churned_at = date(2026, 2, 1)
            elif i < gone_before + gone_after:
                churned_at = date(2026, 4, 1)
            else:
                tx.append({"unit_id": unit, "customer_id": cid, "at": jan, "amount": 10.0})
            if churned_at and i >= gone_before:
                tx.append({"unit_id": unit, "customer_id": cid, "at": jan, "amount": 10.0})
            customers.append(
                {"customer_id": cid, "churned": churned_at is not None, "churned_at": churned_at}
            )
    # Before: base = all 4 (bought in Nov), churned in Jan-Feb: gone_before -> 50, 25, 25, 50.
    # After: base = those who bought in Jan-Feb and had not left: 4 - gone_before;
    # churned in Mar-Apr: gone_after -> T1 1/2 = 50, T2 0/3 = 0, C1 1/3 = 33.3, C2 2/2 = 100.
    # changes: T1 0, T2 -25, C1 +8.33, C2 +50 -> effect -12.5 - 29.17 = -41.67 points.
    store = _store(tmp_path, transactions=tx, customers=customers)
    e = measure_initiative(
        store, WS, outcome="churn", started=STARTED, as_of=AS_OF, treated_units=TREATED
    )
    assert e.did.treated_before == pytest.approx(37.5)
    assert e.did.treated_after == pytest.approx(25.0)
    assert e.did.control_before == pytest.approx(37.5)
    assert e.did.control_after == pytest.approx((100 / 3 + 100) / 2)
    assert e.did.effect == pytest.approx(-12.5 - (100 / 3 + 100 - 75) / 2)
    # Money: the after base at T1/T2 is 2 + 3 = 5 customers; a year of revenue per treated
    # customer is (60 + 70) / 8 = 16.25; one point = -1% × 5 × 16.25 × 12 / 2 months.
    assert e.treated_customers == 5
    assert e.annual_revenue_per_customer == pytest.approx(16.25)
    assert e.value_per_point == pytest.approx(-4.875)
    assert e.did.money == pytest.approx(e.did.effect * -4.875)
    assert e.did.money == pytest.approx(203.125)


def test_bad_requests_are_named(tmp_path):
    store = _store(tmp_path)
    with pytest.raises(InvalidInputError, match="one"):
        measure_initiative(store, WS, outcome="nps", started=STARTED, as_of=AS_OF)
    with pytest.raises(InvalidInputError, match="churn can be measured for treated units only"):
        measure_initiative(
            store, WS, outcome="churn", started=STARTED, as_of=AS_OF, treated_segment="A"
        )
    with pytest.raises(InvalidInputError, match="outcome must be one of"):
        measure_initiative(
            store, WS, outcome="csat", started=STARTED, as_of=AS_OF, treated_units=TREATED
        )
    with pytest.raises(InsufficientDataError, match="at least 2 treated"):
        measure_initiative(
            store, WS, outcome="nps", started=STARTED, as_of=AS_OF, treated_units=TREATED
        )
