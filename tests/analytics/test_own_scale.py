"""The respondent's own scale: hand-computed leave-one-out baselines and their summary."""

from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxray.analytics.own_scale import own_scale_summary, relative_to_baseline
from cxray.errors import InvalidInputError


@pytest.fixture
def answers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b", "b", "b", "c", "c", "a"],
            "touchpoint_id": ["t1", "t2", "t3", "t1", "t2", "t3", "t1", "t1", "t2", "t1"],
            "metric": ["nps"] * 9 + ["csat"],
            "score": [9.0, 6.0, 9.0, 10.0, 10.0, 7.0, 9.0, 5.0, 8.0, 1.0],
        }
    )


def test_leave_one_out_baseline_by_hand(answers):
    out = relative_to_baseline(answers).sort_values(["customer_id", "touchpoint_id", "score"])
    a = out[out.customer_id == "a"]
    # a answered 9, 6, 9 (the CSAT 1 is another metric): baselines (6+9)/2, (9+9)/2, (9+6)/2
    assert a["baseline"].tolist() == [7.5, 9.0, 7.5]
    assert a["deviation"].tolist() == [1.5, -3.0, 1.5]
    b = out[out.customer_id == "b"]  # 10, 10, 7, 9: sum 36
    assert b["baseline"].tolist() == pytest.approx([27 / 3, 26 / 3, 26 / 3, 29 / 3])
    c = out[out.customer_id == "c"]  # two answers < min_answers = 3: no baseline
    assert c["baseline"].isna().all() and (c["answers"] == 2).all()
    c2 = relative_to_baseline(answers, min_answers=2)
    assert c2[c2.customer_id == "c"].sort_values("score")["baseline"].tolist() == [8.0, 5.0]


def test_summary_by_touchpoint_by_hand(answers):
    s = own_scale_summary(answers).set_index("touchpoint_id")
    # t1: deviations a +1.5, b 10 - 26/3 and 9 - 27/3 = 0; c has no baseline
    dev = np.array([1.5, 10 - 26 / 3, 0.0])
    assert s.loc["t1", "n"] == 3 and s.loc["t1", "n_answers"] == 4
    assert s.loc["t1", "mean_score"] == pytest.approx((9 + 10 + 9 + 5) / 4)
    assert s.loc["t1", "mean_deviation"] == pytest.approx(dev.mean())
    se = dev.std(ddof=1) / math.sqrt(3)
    half = stats.t.ppf(0.975, 2) * se
    assert s.loc["t1", "std_error"] == pytest.approx(se)
    assert (s.loc["t1", "low"], s.loc["t1", "high"]) == pytest.approx(
        (dev.mean() - half, dev.mean() + half)
    )
    # t2: a -3, b 10 - 26/3 = +4/3; c no baseline -> the raw mean includes c's 8
    assert s.loc["t2", "mean_deviation"] == pytest.approx((-3 + 4 / 3) / 2)
    assert s.loc["t2", "mean_score"] == pytest.approx(8.0)


def test_engine_table_gives_the_same_summary(answers):
    from_frame = own_scale_summary(answers)
    lazy = relative_to_baseline(ibis.memtable(answers))
    assert isinstance(lazy, ibis.Table)
    from_table = own_scale_summary(ibis.memtable(answers))
    pd.testing.assert_frame_equal(from_frame, from_table)


def test_a_generous_rater_does_not_lift_a_touchpoint():
    # Everyone scores t2 one point below t1 on their own scale, but generous raters (10/9)
    # answer t2 three times as often as t1, and harsh raters (6/5) the other way round.
    rows = []
    for i in range(40):
        generous = i < 20
        top = 10 if generous else 6
        n_t1, n_t2 = (1, 3) if generous else (3, 1)
        rows += [(f"c{i}", "t1", top)] * n_t1 + [(f"c{i}", "t2", top - 1)] * n_t2
    df = pd.DataFrame(rows, columns=["customer_id", "touchpoint_id", "score"])
    s = own_scale_summary(df, metric=None).set_index("touchpoint_id")
    assert s.loc["t2", "mean_score"] > s.loc["t1", "mean_score"]  # raw: t2 looks better
    assert s.loc["t2", "mean_deviation"] < 0 < s.loc["t1", "mean_deviation"]


def test_errors(answers):
    with pytest.raises(InvalidInputError, match="min_answers"):
        relative_to_baseline(answers, min_answers=1)
    with pytest.raises(InvalidInputError, match="respondent"):
        relative_to_baseline(answers, respondent="who")
    with pytest.raises(InvalidInputError, match="no such column"):
        own_scale_summary(answers, by="unit_id")
