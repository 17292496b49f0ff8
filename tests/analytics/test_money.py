"""Money: hand-computed groups and sums, Welch against scipy, DiD on planted effects."""

from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxray.analytics.money import (
    cost_of_dissatisfied_customer,
    did_effect,
    value_at_risk,
    value_by_loyalty,
)
from cxray.errors import InsufficientDataError, InvalidInputError


@pytest.fixture
def responses() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "d", "e", "f", "g"],
            "touchpoint_id": ["t1", "t2", "t1", "t1", "t2", "t2", "t1", "t1"],
            "metric": ["nps"] * 7 + ["csat"],
            "score": [10, 3, 9, 8, 2, 10, 5, 1.0],
            "at": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-02-01",
                    "2024-01-05",
                    "2024-01-07",
                    "2024-01-09",
                    "2024-01-10",
                    "2024-01-11",
                    "2024-01-12",
                ]
            ),
        }
    )


@pytest.fixture
def transactions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "b", "c", "d", "e", "e"],
            "at": pd.to_datetime(["2024-03-01"] * 6 + ["2023-01-01"]),
            "amount": [100.0, 50, 70, 30, 20, 200, 999],
        }
    )


@pytest.fixture
def clv() -> pd.DataFrame:
    return pd.DataFrame(
        {"customer_id": list("abcdefg"), "clv": [1000.0, 500, 300, 200, 2000, 100, 50]}
    )


def test_value_by_loyalty_uses_the_latest_score(responses, transactions, clv):
    out = value_by_loyalty(
        responses, transactions, window=("2024-01-01", "2025-01-01"), clv=clv
    ).set_index("group")
    # latest NPS: a 3 (Feb beats Jan's 10), b 9, c 8, d 2, e 10, f 5 (g answered CSAT only)
    assert out["customers"].to_dict() == {"promoter": 2, "passive": 1, "detractor": 3}
    # revenue in 2024: a 100, b 120, c 30, d 20, e 200 (its 999 is in 2023), f none -> 0
    assert out.loc["promoter", "revenue_per_customer"] == pytest.approx((120 + 200) / 2)
    assert out.loc["detractor", "total_revenue"] == pytest.approx(100 + 20 + 0)
    det = np.array([100.0, 20.0, 0.0])
    half = stats.t.ppf(0.975, 2) * det.std(ddof=1) / math.sqrt(3)
    assert (out.loc["detractor", "low"], out.loc["detractor", "high"]) == pytest.approx(
        (det.mean() - half, det.mean() + half)
    )
    assert out.loc["promoter", "mean_clv"] == pytest.approx((500 + 2000) / 2)
    assert out.loc["detractor", "clv_n"] == 3
    all_time = value_by_loyalty(responses, transactions).set_index("group")
    assert all_time.loc["promoter", "total_revenue"] == pytest.approx(120 + 200 + 999)


def test_cost_of_dissatisfied_customer_matches_scipy_welch():
    rng = np.random.default_rng(1)
    n = 300
    score = rng.integers(0, 11, n).astype(float)
    revenue = 100 + 15 * score + rng.gamma(2.0, 40.0, n)
    ids = [f"c{i}" for i in range(n)]
    responses = pd.DataFrame({"customer_id": ids, "score": score, "at": pd.Timestamp("2024-01-01")})
    transactions = pd.DataFrame(
        {"customer_id": ids, "amount": revenue, "at": pd.Timestamp("2024-02-01")}
    )
    res = cost_of_dissatisfied_customer(ibis.memtable(responses), transactions)
    pro, det = revenue[score >= 9], revenue[score <= 6]
    test = stats.ttest_ind(pro, det, equal_var=False)
    ci = test.confidence_interval(0.95)
    assert res.difference == pytest.approx(pro.mean() - det.mean())
    assert (res.low, res.high) == pytest.approx((ci.low, ci.high))
    assert (res.n_top, res.n_bottom) == (len(pro), len(det))


def test_value_at_risk_by_touchpoint_and_segment(responses, clv):
    customers = pd.DataFrame(
        {
            "customer_id": list("abcdefg"),
            "segment": ["x", "x", "y", "y", "x", "y", "y"],
            "churned": [False, False, False, True, False, False, None],
        }
    )
    by_tp = value_at_risk(responses, customers, clv, 0.2).set_index("touchpoint_id")
    # low (0-6) latest answers: at t2 a (3) and d (2, already churned); at t1 f (5)
    assert by_tp.loc["t2", "value_at_risk"] == pytest.approx(0.2 * 1000)
    assert by_tp.loc["t1", "value_at_risk"] == pytest.approx(0.2 * 100)
    assert by_tp.index.tolist() == ["t2", "t1"]  # largest first
    p = pd.DataFrame({"customer_id": list("abcdef"), "p": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]})
    by_seg = value_at_risk(responses, customers, clv, p, by="segment").set_index("segment")
    assert by_seg.loc["x", "value_at_risk"] == pytest.approx(0.1 * 1000)
    assert by_seg.loc["y", "value_at_risk"] == pytest.approx(0.6 * 100)
    lenient = value_at_risk(
        responses, customers, clv, p, by="segment", low_score_threshold=8
    ).set_index("segment")
    assert lenient.loc["y", "value_at_risk"] == pytest.approx(0.3 * 300 + 0.6 * 100)


def test_value_at_risk_interval_is_the_customer_bootstrap():
    rng = np.random.default_rng(2)
    n = 150  # fewer customers than blocks: close to the plain customer bootstrap
    ids = [f"c{i}" for i in range(n)]
    responses = pd.DataFrame(
        {"customer_id": ids, "touchpoint_id": "t", "score": 3.0, "at": pd.Timestamp("2024-01-01")}
    )
    customers = pd.DataFrame({"customer_id": ids})
    values = rng.gamma(2.0, 500.0, n)
    res = value_at_risk(
        responses, customers, pd.DataFrame({"customer_id": ids, "clv": values}), 0.5, n_boot=2000
    )
    total = 0.5 * values.sum()
    se = 0.5 * values.std(ddof=0) * math.sqrt(n)  # bootstrap SE of a sum of n draws
    assert res["value_at_risk"][0] == pytest.approx(total)
    assert (res["high"][0] - res["low"][0]) / 3.92 == pytest.approx(se, rel=0.25)


def _panel(effect: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(120):
        treated = u < 60
        level = rng.normal(50, 8) + (4 if treated else 0)  # treated units start higher
        shock = 0.0
        for period in range(8):
            shock = 0.6 * shock + rng.normal(0, 2)  # serially correlated within a unit
            y = level + 0.7 * period + shock + (effect if treated and period >= 4 else 0)
            rows.append((f"u{u}", period, treated, y))
    return pd.DataFrame(rows, columns=["unit", "period", "treated", "y"])


def test_did_recovers_a_planted_effect_and_its_money():
    df = _panel(effect=3.0, seed=5)
    res = did_effect(
        df,
        unit="unit",
        period="period",
        treated="treated",
        outcome="y",
        pre=[0, 1, 2, 3],
        post=[4, 5, 6, 7],
        value_per_point=12.5,
    )
    assert res.low < 3.0 < res.high
    assert res.p_value < 0.01 and (res.n_treated, res.n_control) == (60, 60)
    assert (res.money_low, res.money, res.money_high) == pytest.approx(
        (res.low * 12.5, res.effect * 12.5, res.high * 12.5)
    )
    # The same figure as the treated x after coefficient of the two-way fixed-effects
    # regression on the unit-level before/after means (solved here with lstsq).
    means = (
        df.assign(after=df.period >= 4)
        .groupby(["unit", "after"])
        .agg(y=("y", "mean"), treated=("treated", "first"))
        .reset_index()
    )
    units = pd.get_dummies(means["unit"], dtype=float).to_numpy()
    x = np.column_stack([units, means["after"], means["after"] * means["treated"]])
    coef = np.linalg.lstsq(x.astype(float), means["y"].to_numpy(), rcond=None)[0]
    assert res.effect == pytest.approx(coef[-1], abs=1e-9)


def test_did_placebo_is_about_zero():
    df = _panel(effect=0.0, seed=6)
    res = did_effect(
        ibis.memtable(df),
        unit="unit",
        period="period",
        treated="treated",
        outcome="y",
        pre=[0, 1],
        post=[2, 3],
    )  # placebo: no change happened
    assert res.low < 0.0 < res.high
    assert abs(res.effect) < 2 * res.std_error + 1e-12
    assert math.isnan(res.money)


def test_did_errors():
    df = _panel(effect=1.0, seed=7)
    mixed = df.assign(treated=df.treated | (df.period == 7))
    with pytest.raises(InvalidInputError, match="changes within some units"):
        did_effect(
            mixed, unit="unit", period="period", treated="treated", outcome="y", pre=0, post=7
        )
    with pytest.raises(InvalidInputError, match="both pre and post"):
        did_effect(
            df,
            unit="unit",
            period="period",
            treated="treated",
            outcome="y",
            pre=[0, 1],
            post=[1, 2],
        )
    with pytest.raises(InsufficientDataError):
        did_effect(
            df[df.treated],
            unit="unit",
            period="period",
            treated="treated",
            outcome="y",
            pre=0,
            post=7,
        )
