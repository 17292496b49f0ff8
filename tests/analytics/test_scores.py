"""Scores: known answers on real survey data, independent re-computations, properties."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from cxray.analytics import connect
from cxray.analytics.results import Score, to_frame
from cxray.analytics.scores import (
    ces,
    compare,
    csat,
    csat_by,
    enps,
    nps,
    nps_by,
    proportion,
    score_by,
    score_change,
    score_of,
    score_trend,
    share,
    wilson_interval,
)
from cxray.errors import InvalidInputError

STAGES = {  # published in the data set's README: stage -> (n, NPS)
    "Order": (962, -9.98),
    "First Payment": (1130, -29.29),
    "Equipment Received": (231, -56.71),
    "Service in Use": (30, -76.67),
}


def _scores(values: list[float | None], column: str = "score") -> pa.Table:
    return pa.table({column: pa.array(values, type=pa.float64())})


# --- NPS on the UK telecom survey ------------------------------------------------------------
def test_nps_reproduces_published_figure(nps_verbatims):
    s = nps(nps_verbatims, score="NPS_SCORE")
    assert round(s.value, 2) == -24.69
    assert (s.promoters, s.passives, s.detractors, s.n) == (690, 392, 1271, 2353)
    assert s.metric == "nps" and s.reliable


def test_nps_interval_matches_hand_computed_multinomial_error(nps_verbatims):
    s = nps(nps_verbatims, score="NPS_SCORE")
    n, p_pro, p_det = 2353, 690 / 2353, 1271 / 2353
    se = math.sqrt((p_pro + p_det - (p_pro - p_det) ** 2) / n) * 100
    assert se == pytest.approx(1.81184, abs=1e-4)  # worked by hand from the counts above
    assert s.std_error == pytest.approx(se, rel=1e-12)
    assert s.low == pytest.approx(-24.6919 - 1.959964 * se, abs=1e-3)
    assert s.high == pytest.approx(-24.6919 + 1.959964 * se, abs=1e-3)
    # Second route: NPS is the mean of +1/0/-1 per respondent; its standard error is the
    # population standard deviation of that variable over sqrt(n).
    x = nps_verbatims["NPS_SCORE"].dropna().to_numpy()
    points = np.where(x >= 9, 1.0, np.where(x <= 6, -1.0, 0.0))
    assert s.std_error == pytest.approx(100 * points.std() / math.sqrt(len(points)), rel=1e-9)


def test_nps_by_stage_reproduces_published_figures(nps_verbatims):
    by_stage = nps_by(nps_verbatims, "SURVEY_SUB_TYPE", score="NPS_SCORE")
    assert set(by_stage) == set(STAGES)
    for stage, (n, value) in STAGES.items():
        assert by_stage[stage].n == n, stage
        assert round(by_stage[stage].value, 2) == value, stage
    assert list(by_stage) == sorted(STAGES)  # groups come sorted


def test_small_group_is_marked_not_hidden(nps_verbatims):
    # Service in Use has exactly 30 answers: reliable means n >= min_n.
    at_30 = nps_by(nps_verbatims, "SURVEY_SUB_TYPE", score="NPS_SCORE", min_n=30)
    at_31 = nps_by(nps_verbatims, "SURVEY_SUB_TYPE", score="NPS_SCORE", min_n=31)
    assert at_30["Service in Use"].reliable
    assert not at_31["Service in Use"].reliable
    assert round(at_31["Service in Use"].value, 2) == -76.67  # still there, only marked
    assert at_31["Equipment Received"].reliable


def test_duckdb_table_and_dataframe_give_the_same_scores(nps_verbatims):
    df = nps_verbatims[["SURVEY_SUB_TYPE", "NPS_SCORE", "at"]]
    con = connect("duckdb://")
    # Stored in DuckDB through its own client, so the Ibis table below is engine-backed.
    con.con.register("incoming", pa.Table.from_pandas(df, preserve_index=False))
    con.con.execute("CREATE TABLE verbatims AS SELECT * FROM incoming")
    table = con.table("verbatims")
    assert table.count().execute() == len(df)
    assert nps(table, score="NPS_SCORE") == nps(df, score="NPS_SCORE")
    assert nps_by(table, "SURVEY_SUB_TYPE", score="NPS_SCORE") == nps_by(
        df, "SURVEY_SUB_TYPE", score="NPS_SCORE"
    )
    assert score_trend("nps", table, "month", score="NPS_SCORE") == score_trend(
        "nps", df, "month", score="NPS_SCORE"
    )


def test_trend_matches_pandas_by_month_and_quarter(nps_verbatims):
    scored = nps_verbatims.dropna(subset=["NPS_SCORE"])
    for freq, code in [("month", "M"), ("quarter", "Q")]:
        trend = score_trend("nps", nps_verbatims, freq, score="NPS_SCORE")
        periods = scored["at"].dt.to_period(code)
        expected = scored.groupby(periods)["NPS_SCORE"].agg(
            lambda s: 100 * ((s >= 9).mean() - (s <= 6).mean())
        )
        assert list(trend) == [p.start_time.date() for p in expected.index]
        assert [t.value for t in trend.values()] == pytest.approx(expected.tolist())
        assert sum(t.n for t in trend.values()) == 2353


def test_weekly_trend_starts_on_monday(nps_verbatims):
    trend = score_trend("nps", nps_verbatims, "week", score="NPS_SCORE")
    assert all(d.weekday() == 0 for d in trend)
    assert sum(t.n for t in trend.values()) == 2353


def test_metric_column_keeps_other_metrics_out():
    df = pd.DataFrame(
        {"metric": ["nps", "nps", "csat", "enps", "nps"], "score": [10, 0, 5, 9, None]}
    )
    s = nps(df)
    assert (s.n, s.promoters, s.detractors, s.value) == (2, 1, 1, 0.0)
    assert enps(df).n == 1 and enps(df).value == 100.0
    assert csat(df).n == 1


# --- CSAT, CES and plain shares --------------------------------------------------------------
def test_satisfied_share_reproduces_published_airline_figure(airline):
    s = share(airline, "satisfaction", equals="satisfied")
    assert (s.top, s.n) == (11403, 25976)
    assert round(s.value, 2) == 43.90  # the Kaggle data set's published share
    ci = stats.binomtest(11403, 25976).proportion_ci(0.95, method="wilson")
    assert (s.low, s.high) == pytest.approx((100 * ci.low, 100 * ci.high), rel=1e-9)


def test_csat_top2_on_airline_item_matches_pandas(airline):
    item = "Inflight wifi service"
    rated = airline.assign(**{item: airline[item].where(airline[item] > 0)})  # 0 = n/a
    s = csat(rated, score=item)
    answered = rated[item].dropna()
    assert s.n == len(answered) == 25976 - 813
    assert s.value == pytest.approx(100 * (answered >= 4).mean(), rel=1e-12)
    assert (s.top, s.middle, s.bottom) == (
        int((answered >= 4).sum()),
        int((answered == 3).sum()),
        int((answered <= 2).sum()),
    )
    ci = stats.binomtest(s.top, s.n).proportion_ci(0.95, method="wilson")
    assert (s.low, s.high) == pytest.approx((100 * ci.low, 100 * ci.high), rel=1e-9)
    by_class = csat_by(rated, "Class", score=item)
    assert sum(v.n for v in by_class.values()) == s.n


def test_out_of_scale_scores_are_refused_with_a_clear_message(airline):
    with pytest.raises(InvalidInputError, match=r"csat scores must be from 1 to 5; 813 row"):
        csat(airline, score="Inflight wifi service")  # raw file: 0 means not applicable
    with pytest.raises(InvalidInputError, match=r"nps scores must be from 0 to 10; 2 row"):
        nps(pd.DataFrame({"score": [3, 11, -1, None]}))
    with pytest.raises(InvalidInputError, match=r"ces scores must be from 1 to 7"):
        ces(pd.DataFrame({"score": [0, 4]}))


def test_bad_arguments_say_what_to_do():
    df = pd.DataFrame({"score": [1, 2], "label": ["a", "b"]})
    with pytest.raises(InvalidInputError, match="pass score="):
        nps(df, score="rating")
    with pytest.raises(InvalidInputError, match="not numbers"):
        nps(df, score="label")
    with pytest.raises(InvalidInputError, match="unknown score"):
        score_of("custom", df)
    with pytest.raises(InvalidInputError, match="no such column"):
        score_by("nps", df, "segment")
    with pytest.raises(InvalidInputError, match="trend frequency"):
        score_trend("nps", df, "year")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="not a date"):
        score_trend("nps", df, "month", at="label")


def test_ces_mean_and_t_interval_match_scipy():
    answers = [1, 2, 7, 7, 6, 5, 4]
    s = ces(_scores([*answers, None]))
    assert s.value == pytest.approx(32 / 7)
    low, high = stats.t.interval(0.95, 6, loc=np.mean(answers), scale=stats.sem(answers))
    assert (s.low, s.high) == pytest.approx((low, high))
    assert (s.top, s.middle, s.bottom, s.n) == (4, 1, 2, 7)
    assert s.top_share == pytest.approx(100 * 4 / 7)  # share of low effort (5-7)


def test_empty_input_gives_n_zero_not_an_error():
    s = nps(_scores([None, None]))
    assert s.n == 0 and math.isnan(s.value) and not s.reliable
    assert s.as_dict()["value"] is None


def test_wilson_interval_matches_scipy_at_the_edges():
    for k, n in [(0, 10), (10, 10), (2, 5), (1, 1000)]:
        ci = stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
        assert wilson_interval(k, n) == pytest.approx((ci.low, ci.high), rel=1e-9, abs=1e-12)
    with pytest.raises(InvalidInputError):
        proportion(6, 5)


# --- score change ----------------------------------------------------------------------------
def test_identical_periods_do_not_differ(nps_verbatims):
    change = score_change("nps", nps_verbatims, nps_verbatims, score="NPS_SCORE")
    assert change.difference == 0 and change.p_value == 1.0 and not change.significant
    assert change.low < 0 < change.high


def test_clear_difference_is_significant():
    before = _scores([10.0] * 100 + [0.0] * 100)  # NPS 0
    after = _scores([10.0] * 180 + [0.0] * 20)  # NPS 80
    change = score_change("nps", before, after)
    assert change.difference == pytest.approx(80.0)
    assert change.significant and change.p_value < 1e-6
    assert change.low > 0


def test_nps_change_p_value_by_hand():
    # before: 1 promoter, 3 detractors (NPS -50); after: 3 promoters, 1 passive,
    # 2 detractors (NPS 16.67). Pooled p_pro = 4/10, p_det = 5/10:
    # var = (0.4 + 0.5 - 0.1^2)(1/4 + 1/6) = 0.370833, se = 0.608961,
    # z = 0.666667 / 0.608961 = 1.094762, two-sided p = 0.273617.
    change = score_change("nps", _scores([10, 0, 0, 3]), _scores([10, 10, 9, 8, 0, 5]))
    assert change.difference == pytest.approx(200 / 3)
    assert change.p_value == pytest.approx(0.273617, abs=1e-5)
    assert not change.significant


def test_csat_change_matches_two_proportion_z_test():
    before = _scores([5.0] * 60 + [1.0] * 40)  # 60%
    after = _scores([5.0] * 75 + [2.0] * 25)  # 75%
    change = score_change("csat", before, after)
    # pooled p = 135/200 = 0.675; se = sqrt(0.675 * 0.325 * (2/100)) = 0.066238;
    # z = 0.15 / 0.066238 = 2.26455; p = 0.023540
    assert change.p_value == pytest.approx(0.023540, abs=1e-6)
    assert change.significant


def test_ces_change_matches_welch_t_test():
    rng = np.random.default_rng(7)
    a = rng.integers(1, 8, 60).astype(float)
    b = np.clip(a[:45] + 1, 1, 7)
    change = score_change("ces", _scores(a.tolist()), _scores(b.tolist()))
    welch = stats.ttest_ind(b, a, equal_var=False)
    assert change.difference == pytest.approx(b.mean() - a.mean())
    assert change.p_value == pytest.approx(welch.pvalue, rel=1e-9)


def test_compare_refuses_two_different_metrics():
    with pytest.raises(InvalidInputError, match="one metric"):
        compare(nps(_scores([10])), csat(_scores([5])))


# --- results ---------------------------------------------------------------------------------
def test_to_frame_lists_one_row_per_group(nps_verbatims):
    frame = to_frame(nps_by(nps_verbatims, "SURVEY_SUB_TYPE", score="NPS_SCORE"), key="stage")
    assert frame.set_index("stage")["n"].to_dict() == {k: n for k, (n, _) in STAGES.items()}
    assert frame["reliable"].all()


def test_trend_keys_are_dates(nps_verbatims):
    trend = score_trend("nps", nps_verbatims, "quarter", score="NPS_SCORE")
    assert list(trend) == [date(2017, 10, 1), date(2018, 1, 1), date(2018, 4, 1)]


# --- properties ------------------------------------------------------------------------------
answers = st.lists(st.one_of(st.none(), st.integers(0, 10)), max_size=120)
_fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_fast
@given(answers)
def test_nps_properties(values):
    s = nps(_scores([None if v is None else float(v) for v in values]))
    scored = [v for v in values if v is not None]
    assert s.n == len(scored)
    assert s.top + s.middle + s.bottom == s.n
    if not scored:
        assert math.isnan(s.value)
        return
    assert -100 <= s.low <= s.value <= s.high <= 100
    expected = 100 * (sum(v >= 9 for v in scored) - sum(v <= 6 for v in scored)) / len(scored)
    assert s.value == pytest.approx(expected)


@_fast
@given(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=1, max_size=120))
def test_csat_properties(values):
    s = csat(_scores([None if v is None else float(v) for v in values]))
    scored = [v for v in values if v is not None]
    assert s.n == len(scored)
    if scored:
        assert 0 <= s.low <= s.value <= s.high <= 100


@_fast
@given(answers, answers)
def test_change_is_antisymmetric(a, b):
    sa = nps(_scores([None if v is None else float(v) for v in a]))
    sb = nps(_scores([None if v is None else float(v) for v in b]))
    forth, back = compare(sa, sb), compare(sb, sa)
    if sa.n and sb.n:
        assert forth.difference == pytest.approx(-back.difference)
        assert forth.p_value == pytest.approx(back.p_value)
        assert 0 <= forth.p_value <= 1
    else:
        assert not forth.significant


def test_score_is_frozen():
    s = Score(1.0, 0.0, 2.0, 5, "nps")
    with pytest.raises(AttributeError):
        s.value = 3.0  # type: ignore[misc]
