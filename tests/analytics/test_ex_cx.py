"""EX beside CX: eNPS and customer NPS per unit, their correlation with a Fisher-z interval,
lagged by a quarter; and the employee side checked on IBM HR attrition."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from cxray.analytics.ex_cx import (
    correlation,
    ex_cx_by_unit,
    ex_cx_overview,
    lagged_pairs,
    outcome_by,
    score_by_many,
    unit_at_level,
)
from cxray.analytics.scores import enps, enps_by

UNITS = pd.DataFrame(
    {
        "unit_id": ["C", "B1", "B1-D", "B2", "B3", "B4"],
        "parent_id": [None, "C", "B1", "C", "C", "C"],
        "kind": ["company", "branch", "department", "branch", "branch", "branch"],
    }
)


HR_CSV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ibm_hr_attrition"


def test_attrition_by_satisfaction_level_on_ibm_hr() -> None:
    path = HR_CSV / "WA_Fn-UseC_-HR-Employee-Attrition.csv"
    if not path.exists():
        pytest.fail(f"shared data set {path} is not here")
    hr = pd.read_csv(path)
    for item in ("JobSatisfaction", "EnvironmentSatisfaction"):
        got = outcome_by(hr[[item, "Attrition"]], item, "Attrition", yes="Yes")
        # Hand count from the CSV itself, then the published figures from the data README.
        for level, s in got.items():
            rows = hr[hr[item] == level]
            assert s.n == len(rows)
            assert s.top == int((rows["Attrition"] == "Yes").sum())
        assert s.low < s.value < s.high
    job = outcome_by(hr, "JobSatisfaction", "Attrition", yes="Yes")
    assert [round(job[k].value, 1) for k in (1, 2, 3, 4)] == [22.8, 16.4, 16.5, 11.3]
    env = outcome_by(hr, "EnvironmentSatisfaction", "Attrition", yes="Yes")
    assert [round(env[k].value, 1) for k in (1, 2, 3, 4)] == [25.4, 15.0, 13.7, 13.5]
    assert (job[1].n, job[1].top) == (289, 66)
    # The least satisfied leave more often than the most satisfied, beyond the intervals.
    assert job[1].low > job[4].high - 5 and job[1].value > job[4].value


def test_correlation_and_fisher_interval_by_hand() -> None:
    x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    y = [2.0, 1.0, 4.0, 3.0, 6.0, 5.0]
    c = correlation(x, y)
    r = stats.pearsonr(x, y).statistic
    assert c.r == pytest.approx(r)
    half = 1.959964 / math.sqrt(6 - 3)
    assert c.low == pytest.approx(math.tanh(math.atanh(r) - half), rel=1e-5)
    assert c.high == pytest.approx(math.tanh(math.atanh(r) + half), rel=1e-5)
    assert math.isnan(correlation([1, 2, 3], [1, 2, 3]).r)  # fewer than four pairs


def _nps_rows(unit: str, promoters: int, detractors: int, at: datetime) -> list[dict]:
    return [
        {"metric": "nps", "unit_id": unit, "at": at, "customer_id": f"{unit}{i}",
         "score": 10.0 if i < promoters else 0.0}
        for i in range(promoters + detractors)
    ]  # fmt: skip


def _enps_rows(unit: str, promoters: int, detractors: int, at: datetime) -> list[dict]:
    return [
        {"metric": "enps", "unit_id": unit, "at": at, "score": 9.0 if i < promoters else 3.0}
        for i in range(promoters + detractors)
    ]


def test_ex_beside_cx_per_branch_with_departments_rolled_up() -> None:
    q1, q2 = datetime(2025, 1, 1), datetime(2025, 4, 1)
    ex = pd.DataFrame(
        _enps_rows("B1", 3, 1, q1) + _enps_rows("B1-D", 3, 3, q1) + _enps_rows("B2", 1, 4, q1)
        + _enps_rows("B3", 4, 1, q1) + _enps_rows("B4", 2, 3, q1)
    )  # fmt: skip
    cx = pd.DataFrame(
        _nps_rows("B1-D", 6, 4, q2) + _nps_rows("B2", 2, 8, q2) + _nps_rows("B3", 9, 1, q2)
        + _nps_rows("B4", 5, 5, q2)
    )  # fmt: skip
    assert unit_at_level(UNITS, "branch")["B1-D"] == "B1"
    pairs = {p.unit_id: p for p in ex_cx_by_unit(ex, cx, UNITS, min_n=1)}
    assert set(pairs) == {"B1", "B2", "B3", "B4"}
    # B1 = its own 4 answers + its department's 6: 6 promoters, 4 detractors.
    assert pairs["B1"].enps.n == 10 and pairs["B1"].enps.value == pytest.approx(20.0)
    assert pairs["B1"].nps.value == pytest.approx(20.0)
    assert pairs["B2"].enps.value == pytest.approx(-60.0)
    lag = lagged_pairs(ex, cx, UNITS, min_n=1)
    assert [(p.unit_id, p.quarter.month) for p in lag] == [
        ("B1", 1), ("B2", 1), ("B3", 1), ("B4", 1)
    ]  # fmt: skip
    assert lag[0].nps_next.value == pytest.approx(20.0)
    c = correlation([p.enps.value for p in lag], [p.nps_next.value for p in lag])
    x, y = [20, -60, 60, -20], [20, -60, 80, 0]
    assert c.r == pytest.approx(stats.pearsonr(x, y).statistic)


def test_overview_gives_both_lists_from_one_count_of_the_answers() -> None:
    q1, q2 = datetime(2025, 1, 1), datetime(2025, 4, 1)
    ex = pd.DataFrame(_enps_rows("B1-D", 4, 1, q1) + _enps_rows("B2", 1, 3, q1)
                      + _enps_rows("B2", 2, 2, q2))  # fmt: skip
    cx = pd.DataFrame(_nps_rows("B1", 3, 1, q2) + _nps_rows("B2", 1, 1, q1)
                      + _nps_rows("B2", 1, 4, q2))  # fmt: skip
    pairs, lag = ex_cx_overview(ex, cx, UNITS, min_n=1)
    assert pairs == ex_cx_by_unit(ex, cx, UNITS, min_n=1)
    assert lag == lagged_pairs(ex, cx, UNITS, min_n=1)
    by_unit = {p.unit_id: p for p in pairs}
    # B1 (its department's answers): 4 promoters and 1 detractor of 5 employees (80 - 20);
    # 3 promoters and 1 detractor of 4 customers (75 - 25).
    assert by_unit["B1"].enps.value == pytest.approx(60.0)
    assert by_unit["B1"].nps.value == pytest.approx(50.0)
    # B2 over both quarters: employees 3 promoters, 5 detractors of 8; customers 2 and 5 of 7.
    assert by_unit["B2"].enps.value == pytest.approx(-25.0)
    assert by_unit["B2"].nps.value == pytest.approx(100 * (2 - 5) / 7)
    # Lagged: eNPS of Q1 beside NPS of Q2, for B1 (60 / 50) and B2 (-50 / -60).
    assert [(p.unit_id, p.enps.value, p.nps_next.value) for p in lag] == [
        ("B1", pytest.approx(60.0), pytest.approx(50.0)),
        ("B2", pytest.approx(-50.0), pytest.approx(-60.0)),
    ]


def test_several_breakdowns_in_one_aggregation_match_one_call_each() -> None:
    q1, q2 = datetime(2025, 1, 1), datetime(2025, 4, 1)
    rows = pd.DataFrame(_enps_rows("B1", 3, 1, q1) + _enps_rows("B2", 1, 2, q1)
                        + _enps_rows("B2", 2, 0, q2))  # fmt: skip
    rows.loc[len(rows)] = {"metric": "enps", "unit_id": "B1", "at": q2, "score": math.nan}
    got = score_by_many("enps", rows, {"all": [], "unit": ["unit_id"],
                                       "both": ["unit_id", "at"]}, min_n=1)  # fmt: skip
    assert got["all"] == {None: enps(rows, min_n=1)}
    assert got["unit"] == enps_by(rows, "unit_id", min_n=1)
    assert list(got["unit"]) == ["B1", "B2"]
    # B1: 3 promoters, 1 detractor (the unanswered row does not count); B2: 3 and 2 of 5.
    assert got["unit"]["B1"].value == pytest.approx(50.0) and got["unit"]["B1"].n == 4
    assert got["unit"]["B2"].value == pytest.approx(20.0)
    both = enps_by(rows, ["unit_id", "at"], min_n=1)
    assert list(got["both"].values()) == list(both.values())
    # The group with only the unanswered row is absent, as with score_by.
    assert [(u, pd.Timestamp(d)) for u, d in got["both"]] == [
        ("B1", pd.Timestamp(q1)), ("B2", pd.Timestamp(q1)), ("B2", pd.Timestamp(q2)),
    ]  # fmt: skip
