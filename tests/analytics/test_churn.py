"""Churn: Kaplan-Meier on IBM Telco against lifelines and published figures, the Cox wrapper,
and the demo company's planted truths about scores and churn."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxray.analytics.churn import (
    ALL,
    cox_model,
    loyal_looking_churners,
    score_predicts_churn,
    survival_curves,
)
from cxray.errors import InvalidInputError

TELCO = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / "telco_churn"
    / "WA_Fn-UseC_-Telco-Customer-Churn.csv"
)


@pytest.fixture(scope="module")
def telco() -> pd.DataFrame:
    if not TELCO.exists():
        pytest.fail(f"shared data set {TELCO} is not here")
    df = pd.read_csv(TELCO)
    return df.assign(churned=df["Churn"].eq("Yes"))


@pytest.fixture(scope="module")
def demo():
    from cxray.demo import PLANTED, generate

    return generate(seed=7, n_patients=20_000, end=date(2025, 6, 30)), PLANTED


# --- Kaplan-Meier: data README figures and lifelines ---------------------------------------------
def test_kaplan_meier_reproduces_telco_reference_figures(telco):
    curve = survival_curves(ibis.memtable(telco), duration="tenure", event="churned")[ALL]
    assert curve.survival_at([12, 24, 72]) == pytest.approx([0.8432, 0.7887, 0.5928], abs=5e-5)
    assert math.isinf(curve.median)  # never reaches one half
    assert (curve.n, curve.n_events) == (7043, 1869)


def test_kaplan_meier_by_contract_reproduces_reference_figures(telco):
    curves = survival_curves(telco, duration="tenure", event="churned", by="Contract")
    assert list(curves) == ["Month-to-month", "One year", "Two year"]
    assert curves["Month-to-month"].median == 35
    expected = {"Month-to-month": 0.129, "One year": 0.568, "Two year": 0.936}
    for contract, s72 in expected.items():
        assert curves[contract].survival_at(72) == pytest.approx(s72, abs=5e-4), contract


def test_kaplan_meier_matches_lifelines_to_1e6(telco):
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    curves = survival_curves(telco, duration="tenure", event="churned", by="Contract")
    for contract, curve in curves.items():
        part = telco[telco["Contract"] == contract]
        kmf = KaplanMeierFitter().fit(part["tenure"], part["churned"])
        times = kmf.survival_function_.index.to_numpy()
        assert curve.survival_at(times) == pytest.approx(
            kmf.survival_function_.iloc[:, 0].to_numpy(), abs=1e-6
        )
        low, high = curve.interval_at(times)
        ci = kmf.confidence_interval_.to_numpy()
        assert low == pytest.approx(ci[:, 0], abs=1e-6)
        assert high == pytest.approx(ci[:, 1], abs=1e-6)
        assert curve.median == kmf.median_survival_time_
        assert (curve.median_low, curve.median_high) == tuple(
            median_survival_times(kmf.confidence_interval_).iloc[0]
        )
    assert (curves["Month-to-month"].median_low, curves["Month-to-month"].median_high) == (32, 38)


def test_kaplan_meier_small_example_by_hand():
    # times 1, 2+, 3, 3, 4+: S(1) = 4/5, S(3) = 4/5 * (1 - 2/3) = 4/15
    t = pd.DataFrame({"d": [1, 2, 3, 3, 4], "e": [1, 0, 1, 1, 0]})
    curve = survival_curves(t, duration="d", event="e", timeline=[0, 1, 2.5, 3, 10])[ALL]
    assert curve.survival.tolist() == pytest.approx([1, 0.8, 0.8, 4 / 15, 4 / 15])
    assert curve.at_risk.tolist() == [5, 5, 3, 3, 0]
    assert curve.median == 3
    # Greenwood at t=1: V = 1/(5*4); log-log interval S^exp(±z sqrt(V)/log S)
    spread = 1.959964 * math.sqrt(1 / 20) / abs(math.log(0.8))
    assert curve.interval_at(1) == pytest.approx(
        (0.8 ** math.exp(spread), 0.8 ** math.exp(-spread))
    )


def test_survival_curves_explain_a_text_event_column(telco):
    with pytest.raises(InvalidInputError, match=r"true/false.*eq\(\"Yes\"\)"):
        survival_curves(telco, duration="tenure", event="Churn")


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.booleans(), st.sampled_from("ab")), min_size=1, max_size=60
    )
)
def test_curves_never_rise_and_intervals_hold_the_estimate(rows):
    t = pd.DataFrame(rows, columns=["d", "e", "g"])
    for curve in survival_curves(t, duration="d", event="e", by="g").values():
        s = curve.survival
        assert np.all(np.diff(s) <= 1e-12) and np.all((s >= 0) & (s <= 1))
        assert np.all(curve.low <= s + 1e-12) and np.all(s <= curve.high + 1e-12)


# --- Cox -----------------------------------------------------------------------------------------
def test_cox_month_to_month_churns_faster_than_two_year(telco):
    result = cox_model(
        telco,
        "tenure",
        "churned",
        ["Contract", "MonthlyCharges"],
        reference={"Contract": "Two year"},
    )
    hr = result["Contract=Month-to-month"]
    assert hr.value > 10 and hr.low > 1 and hr.p_value < 1e-10
    assert (result.n, result.events) == (7043, 1869)
    # Same fit straight through lifelines on hand-made indicators.
    from lifelines import CoxPHFitter

    design = pd.DataFrame(
        {
            "tenure": telco["tenure"],
            "churned": telco["churned"].astype(float),
            "m2m": telco["Contract"].eq("Month-to-month").astype(float),
            "one": telco["Contract"].eq("One year").astype(float),
            "charges": telco["MonthlyCharges"],
        }
    )
    direct = CoxPHFitter().fit(design, "tenure", "churned")
    assert hr.value == pytest.approx(direct.hazard_ratios_["m2m"], rel=1e-6)
    assert result["MonthlyCharges"].value == pytest.approx(
        direct.hazard_ratios_["charges"], rel=1e-6
    )
    assert result.concordance == pytest.approx(direct.concordance_index_, rel=1e-9)


def test_cox_with_intervals_equals_the_plain_model_when_nothing_changes(telco):
    # Splitting every customer's time at an arbitrary day leaves the partial likelihood as
    # it was, so the time-varying fit must give the plain fit's hazard ratios.
    t = telco.assign(id=range(len(telco)), m2m=telco["Contract"].eq("Month-to-month"))
    t = t[t["tenure"] > 0]
    cut = (t["tenure"] // 2).where(t["tenure"] > 1, 0)
    first = t[cut > 0].assign(start=0, stop=cut[cut > 0], churned=False)
    second = t.assign(start=cut, stop=t["tenure"])
    split = pd.concat([first, second])[["id", "start", "stop", "churned", "m2m"]]
    varying = cox_model(split, "stop", "churned", ["m2m"], start="start", subject="id")
    plain = cox_model(t, "tenure", "churned", ["m2m"])
    assert varying["m2m=True"].value == pytest.approx(plain["m2m=True"].value, rel=1e-4)
    assert varying.n == plain.n and varying.events == plain.events
    with pytest.raises(InvalidInputError, match="start= and subject="):
        cox_model(split, "stop", "churned", ["m2m"], start="start")


# --- the demo company's planted truths -----------------------------------------------------------
# The demo dates churn 180 days after a patient's last visit (see cxray.demo). So a churn
# "within h days of an answer" means the last visit came within h - 180 days of it, and the
# window before churned_at must reach back past those 180 quiet days: horizons and windows
# below are 180 days longer than they would be for a CRM that dates churn at the last visit.
QUIET_DAYS = 180


def test_corporate_segment_has_the_most_loyal_looking_churners(demo):
    data, planted = demo
    segment = planted["high_nps_before_churn"]["segment"]
    shares = loyal_looking_churners(
        data.responses, data.customers, window_days=QUIET_DAYS + 90, by="segment"
    )
    corporate = shares.pop(segment)
    assert corporate.reliable and corporate.value > 55
    for other, share in shares.items():
        # clearly higher: the intervals do not even touch
        assert corporate.low > share.high, other
    overall = loyal_looking_churners(data.responses, data.customers, window_days=270)
    assert overall.n == corporate.n + sum(s.n for s in shares.values())


def test_nps_does_not_predict_churn_in_the_corporate_segment(demo):
    data, planted = demo
    segment = planted["high_nps_before_churn"]["segment"]
    results = score_predicts_churn(
        data.responses, data.customers, horizons=(QUIET_DAYS,), by="segment", as_of=data.end
    )
    auc = {r.group: r for r in results}
    corporate = auc.pop(segment)
    assert corporate.reliable and corporate.events > 100
    assert corporate.low < 0.5 < corporate.high  # no better than a coin
    assert corporate.value < 0.52
    # ...while in the family and chronic segments a low NPS does come before churn
    assert sum(r.low > 0.5 for r in auc.values()) >= 2


def test_booking_call_is_where_a_bad_score_predicts_churn(demo):
    data, planted = demo
    bad = planted["bad_touchpoint"]["touchpoint_id"]
    results = score_predicts_churn(
        data.responses,
        data.customers,
        horizons=(QUIET_DAYS + 90,),
        by="touchpoint_id",
        metric=None,  # each touchpoint has its own survey: CES on booking, CSAT elsewhere
        as_of=data.end,
    )
    auc = {r.group: r for r in results if r.group is not None and r.reliable}
    assert auc[bad].metric == planted["bad_touchpoint"]["metric"]
    assert auc[bad].low > 0.5
    assert max(auc, key=lambda k: auc[k].value) == bad
    for touchpoint, r in auc.items():
        if touchpoint != bad:
            assert r.value < auc[bad].low, touchpoint


def test_booking_call_has_the_largest_hazard_ratio_for_a_bad_score(demo):
    # A second route: Cox model of churn on "the last answer at this touchpoint was bad".
    data, planted = demo
    bad_touchpoint = planted["bad_touchpoint"]["touchpoint_id"]
    responses = data.responses.to_pandas()
    customers = data.customers.to_pandas()[["customer_id", "churned_at"]]
    end = pd.Timestamp(data.end)
    bad_cut = {"ces": 3, "csat": 2}  # CES <= 3 (PLANTED), CSAT <= 2 (the control)
    ratios = {}
    for touchpoint, part in responses.dropna(subset=["touchpoint_id"]).groupby("touchpoint_id"):
        last = part.sort_values("at").groupby("customer_id").tail(1)
        last = last.merge(customers, on="customer_id")
        stop = pd.to_datetime(last["churned_at"]).fillna(end)
        frame = pd.DataFrame(
            {
                "days": (stop - last["at"].dt.normalize()).dt.days,
                "churned": last["churned_at"].notna(),
                "bad": last["score"] <= last["metric"].map(bad_cut),
            }
        )
        ratios[touchpoint] = cox_model(frame, "days", "churned", ["bad"])["bad=True"]
    strongest = ratios.pop(bad_touchpoint)
    assert strongest.low > 1.3
    for touchpoint, hr in ratios.items():
        assert hr.value < strongest.low, touchpoint
    assert ratios["reception"].low < 1 < ratios["reception"].high  # the planted control


def test_short_horizons_on_the_demo_are_flagged_not_hidden(demo):
    data, _ = demo
    (result,) = score_predicts_churn(data.responses, data.customers, horizons=(90,))
    assert result.events == 0 and not result.reliable and math.isnan(result.value)
    assert "insufficient data" in result.note and result.n > 1000


def test_auc_by_hand_with_ties():
    # churners scored 2 and 5, stayers 5 and 9: pairs (2<5, 2<9, 5=5 -> 1/2, 5<9) -> 3.5/4
    responses = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "at": pd.to_datetime(["2024-01-01"] * 4),
            "metric": "nps",
            "score": [2.0, 5.0, 5.0, 9.0],
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "churned_at": pd.to_datetime(["2024-02-01", "2024-03-01", None, None]).date,
        }
    )
    (result,) = score_predicts_churn(responses, customers, horizons=(90,), as_of=date(2024, 12, 31))
    assert result.value == pytest.approx(3.5 / 4)
    assert (result.n, result.events) == (4, 2) and not result.reliable  # n < 30


def test_score_predicts_churn_names_a_missing_grouping_column(demo):
    data, _ = demo
    with pytest.raises(InvalidInputError, match="cannot group by 'region'"):
        score_predicts_churn(data.responses, data.customers, by="region")
