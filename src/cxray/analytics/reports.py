"""Whole-workspace reports that combine the analytics, for the CLI, the API and the web pages.

Each report reads the canonical tables of one workspace through ``source.table(name,
workspace)`` (an :class:`~cxray.analytics.store.AnalyticsStore`, or a view of it that
restricts what a user may see) and returns plain result objects.

``churn_lag_days``: many systems date a churn on the day it is *declared* (N days without
activity), not on the day the customer left. Reports shift ``churned_at`` back by that lag,
so that "churned within 90 days of a score" and "a promoter within 90 days before leaving"
measure from the day the customer actually left.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import ibis
import numpy as np
import pandas as pd

from cxray.analytics.churn import CoxResult, SurvivalCurve, cox_model, survival_curves
from cxray.analytics.churn_predict import (
    PredictiveResult,
    loyal_looking_churners,
    score_predicts_churn,
)
from cxray.analytics.clv import BetaGeoFitter, GammaGammaFitter
from cxray.analytics.clv_rfm import rfm_summary
from cxray.analytics.customer_groups import MISSING
from cxray.analytics.drivers import DriverResult, driver_matrix, key_drivers
from cxray.analytics.money import MoneyDifference, cost_of_dissatisfied_customer, value_at_risk
from cxray.analytics.money import value_by_loyalty as _value_by_loyalty
from cxray.analytics.results import Score
from cxray.analytics.scores import low_band
from cxray.errors import InsufficientDataError

SURVIVAL_DAYS = (90, 180, 365)


def _json_ready(value: Any) -> Any:
    """Plain JSON types: numpy numbers become floats/ints, NaN and infinity become None."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, date):
        return value.isoformat()
    return value


class Source(Protocol):
    def table(self, name: str, workspace: str) -> ibis.Table: ...


def customers_left_on(source: Source, workspace: str, churn_lag_days: int = 0) -> ibis.Table:
    """Customers with ``churned_at`` moved to the day they left (see the module docstring)."""
    c = source.table("customers", workspace)
    if churn_lag_days:
        c = c.mutate(churned_at=c.churned_at - ibis.interval(days=churn_lag_days))
    return c


# --- churn -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChurnReport:
    as_of: date
    churn_lag_days: int
    curves: dict[Any, SurvivalCurve]  # by segment, duration in days since first seen
    predictive_by_segment: list[PredictiveResult]
    predictive_by_touchpoint: list[PredictiveResult]
    loyal_looking: dict[Any, Score]  # share of churners who were promoters before leaving
    loyal_looking_all: Score
    cox: CoxResult | None = None  # hazard of leaving on the last NPS, segment, bad touchpoints
    cox_problem: str = ""  # why there is no model, when there is none

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: what the CLI prints with --json and the API returns."""
        return _json_ready(
            {
                "as_of": self.as_of.isoformat(),
                "churn_lag_days": self.churn_lag_days,
                "survival": {
                    str(k): {
                        str(d): float(v)
                        for d, v in zip(
                            SURVIVAL_DAYS, c.survival_at(list(SURVIVAL_DAYS)), strict=True
                        )
                    }
                    for k, c in self.curves.items()
                },
                "score_predicts_churn": [
                    p.as_dict() for p in self.predictive_by_segment + self.predictive_by_touchpoint
                ],
                "loyal_looking_churners": {
                    str(k): s.as_dict() for k, s in self.loyal_looking.items()
                },
                "cox": self.cox.as_dict() if self.cox else None,
            }
        )


def churn_report(
    source: Source, workspace: str, *, as_of: date, churn_lag_days: int = 0
) -> ChurnReport:
    customers = customers_left_on(source, workspace, churn_lag_days)
    responses = source.table("responses", workspace)
    frame = customers.select(
        "customer_id", "segment", "first_seen", "churned", "churned_at"
    ).to_pandas()
    frame = frame.dropna(subset=["first_seen"])
    if frame.empty:
        raise InsufficientDataError(
            "no customers with a first-seen date: import customers with a first_seen (or "
            "'client since') column to see survival"
        )
    end = pd.to_datetime(frame["churned_at"]).where(frame["churned"].fillna(False))
    end = end.fillna(pd.Timestamp(as_of))
    frame["days"] = (end - pd.to_datetime(frame["first_seen"])).dt.days.clip(lower=0)
    frame["event"] = frame["churned"].fillna(False).astype(int)
    frame["segment"] = frame["segment"].fillna("—")
    curves = survival_curves(frame, duration="days", event="event", by="segment")
    nps_only = responses.filter(responses.metric == "nps")
    cox, cox_problem = None, ""
    try:
        cox = _churn_cox(frame, responses)
    except InsufficientDataError as exc:
        cox_problem = str(exc)
    return ChurnReport(
        as_of=as_of,
        churn_lag_days=churn_lag_days,
        curves=curves,
        predictive_by_segment=score_predicts_churn(
            nps_only, customers, horizons=(90, 180), by="segment", metric="nps", as_of=as_of
        ),
        predictive_by_touchpoint=score_predicts_churn(
            responses.filter(responses.touchpoint_id.notnull()),
            customers,
            horizons=(90, 180),
            by="touchpoint_id",
            metric=None,
            as_of=as_of,
        ),
        loyal_looking=loyal_looking_churners(nps_only, customers, window_days=90, by="segment"),
        loyal_looking_all=loyal_looking_churners(nps_only, customers, window_days=90),
        cox=cox,
        cox_problem=cox_problem,
    )


COX_TOUCHPOINTS = 5  # touchpoints with the most answers that enter the model
COX_MIN_CUSTOMERS = 100
COX_MAX_GROUPS = 8  # customer groups (segments) that enter the model as a covariate
COX_MIN_EVENTS = 10  # departures with and without a flag before it enters the model
BAD_EXPERIENCE_METRICS = ("nps", "csat", "ces")
BAD_EXPERIENCE_DAYS = 90  # how long after a bad answer it counts as a recent bad experience


def _churn_cox(frame: pd.DataFrame, responses: ibis.Table) -> CoxResult:
    """Cox model of leaving on the last NPS so far, recent bad experiences and segment.

    ``frame`` has one row per customer (customer_id, segment, first_seen, days, event). The
    covariates change over time, so each customer is followed in intervals from their first
    NPS answer: ``last_nps`` is their latest answer so far, and "bad experience at X" is 1 for
    :data:`BAD_EXPERIENCE_DAYS` after an answer at touchpoint X in the metric's bottom band
    (NPS 0–6, CSAT 1–2, CES 1–3 of 7, see :func:`~cxray.analytics.scores.low_band`). A flag
    "ever had a bad experience" would be biased: who stays longer has more chances to have one.
    """
    r = responses.filter(
        responses.score.notnull()
        & responses.customer_id.notnull()
        & responses.metric.isin(BAD_EXPERIENCE_METRICS)
    )
    answers = r.select("customer_id", "at", "metric", "score", "touchpoint_id").to_pandas()
    answers = answers.merge(frame[["customer_id", "first_seen", "days"]], on="customer_id")
    answers["day"] = (
        pd.to_datetime(answers["at"]) - pd.to_datetime(answers["first_seen"])
    ).dt.total_seconds() / 86400
    answers = answers[(answers["day"] >= 0) & (answers["day"] < answers["days"])]
    nps = answers[answers["metric"] == "nps"].sort_values("day")
    entry = nps.groupby("customer_id")["day"].min().rename("entry")
    top = answers["touchpoint_id"].value_counts().index[:COX_TOUCHPOINTS].tolist()
    band = answers["metric"].map({m: low_band(m) for m in BAD_EXPERIENCE_METRICS})
    bad = answers[answers["touchpoint_id"].isin(top) & (answers["score"] <= band)]

    cuts = pd.concat(
        [
            nps[["customer_id", "day"]],
            bad[["customer_id", "day"]],
            bad[["customer_id", "day"]].assign(day=bad["day"] + BAD_EXPERIENCE_DAYS),
            frame[["customer_id", "days"]].rename(columns={"days": "day"}),
        ]
    )
    cuts = cuts.merge(entry, on="customer_id").merge(frame[["customer_id", "days"]])
    cuts = cuts[(cuts["day"] >= cuts["entry"]) & (cuts["day"] <= cuts["days"])]
    cuts = cuts.drop_duplicates(["customer_id", "day"]).sort_values(["customer_id", "day"])
    cuts["stop"] = cuts.groupby("customer_id")["day"].shift(-1)
    spans = cuts.dropna(subset=["stop"]).rename(columns={"day": "start"})
    if spans.empty or spans["customer_id"].nunique() < COX_MIN_CUSTOMERS:
        raise InsufficientDataError(
            f"the churn model needs at least {COX_MIN_CUSTOMERS} customers with a first-seen "
            f"date and an NPS answer; there are {spans['customer_id'].nunique()}"
        )
    spans = spans.sort_values("start")
    spans = pd.merge_asof(
        spans,
        nps[["customer_id", "day", "score"]].rename(columns={"score": "last_nps"}),
        left_on="start",
        right_on="day",
        by="customer_id",
    ).drop(columns="day")
    spans = spans.merge(frame[["customer_id", "segment", "event"]], on="customer_id")
    spans["event"] = spans["event"].where(spans["stop"] == spans["days"], 0)
    if spans["event"].sum() == 0:
        raise InsufficientDataError("the churn model needs customers who left; none did")
    covariates = ["last_nps"]
    for tp in top:
        name = f"bad experience at {tp}"
        seen = bad.loc[bad["touchpoint_id"] == tp, ["customer_id", "day"]].sort_values("day")
        latest = pd.merge_asof(
            spans[["customer_id", "start"]], seen, left_on="start", right_on="day", by="customer_id"
        )["day"].to_numpy()
        spans[name] = (spans["start"].to_numpy() < latest + BAD_EXPERIENCE_DAYS).astype(float)
        # A hazard ratio needs departures both with and without the flag; with a handful it
        # would only be noise (or fail to converge).
        with_flag = spans.loc[spans[name] == 1, "event"].sum()
        if COX_MIN_EVENTS <= with_flag <= spans["event"].sum() - COX_MIN_EVENTS:
            covariates.append(name)
    # Many groups (a cohort per quarter, a column with dozens of values) would give the model
    # more dummies than the departures can support: then the groups are left to the curves.
    if 1 < spans["segment"].nunique() <= COX_MAX_GROUPS:
        covariates.append("segment")
    return cox_model(
        spans, "stop", "event", covariates, start="start", subject="customer_id", penalizer=0.001
    )


# --- lifetime value --------------------------------------------------------------------------
@dataclass(frozen=True)
class ClvReport:
    as_of: date
    months: int
    bg_nbd: dict[str, float]
    gamma_gamma: dict[str, float]
    # customer_id, segment, frequency, recency, T (weeks), p_alive, clv, expected_purchases
    # (over the horizon), and the RFM summary's other columns
    per_customer: pd.DataFrame
    by_segment: pd.DataFrame  # segment, customers, mean_clv, low, high, total_clv, p_alive
    deciles: list[float]

    def as_dict(self) -> dict[str, Any]:
        return _json_ready(
            {
                "months": self.months,
                "bg_nbd": self.bg_nbd,
                "gamma_gamma": self.gamma_gamma,
                "by_segment": self.by_segment.to_dict("records"),
            }
        )


def clv_report(source: Source, workspace: str, *, as_of: date, months: int = 12) -> ClvReport:
    tx = source.table("transactions", workspace)
    rfm = rfm_summary(tx, observation_end=as_of, freq="W")
    rfm = rfm[rfm["T"] > 0]
    if len(rfm) < 50 or (rfm["frequency"] > 0).sum() < 20:
        raise InsufficientDataError(
            f"lifetime value needs repeat purchases: {len(rfm)} customers with transactions, "
            f"{int((rfm['frequency'] > 0).sum())} with a repeat; import more transactions"
        )
    bgf = BetaGeoFitter(penalizer=0.001).fit(rfm["frequency"], rfm["recency"], rfm["T"])
    repeat = rfm[(rfm["frequency"] > 0) & (rfm["monetary_value"] > 0)]
    ggf = GammaGammaFitter(penalizer=0.001).fit(repeat["frequency"], repeat["monetary_value"])
    rfm = rfm.assign(
        p_alive=np.asarray(
            bgf.conditional_probability_alive(rfm["frequency"], rfm["recency"], rfm["T"])
        ),
        spend=_expected_spend(ggf, rfm, repeat),
    )
    rfm["clv"] = _discounted_value(bgf, rfm, months=months, weeks_per_month=52.1775 / 12)
    rfm["expected_purchases"] = np.asarray(
        bgf.conditional_expected_number_of_purchases_up_to_time(
            months * 52.1775 / 12, rfm["frequency"], rfm["recency"], rfm["T"]
        ),
        dtype=float,
    )
    segments = source.table("customers", workspace).select("customer_id", "segment").to_pandas()
    per_customer = rfm.merge(segments, on="customer_id", how="left")
    per_customer["segment"] = per_customer["segment"].fillna("—")
    return ClvReport(
        as_of=as_of,
        months=months,
        bg_nbd=dict(bgf.params_),
        gamma_gamma=dict(ggf.params_),
        per_customer=per_customer,
        by_segment=_by_segment(per_customer),
        deciles=[float(v) for v in np.quantile(per_customer["clv"], np.linspace(0.1, 0.9, 9))],
    )


def clv_for_customers(
    report: ClvReport, customer_ids: Iterable[str], groups: Mapping[str, str] | None = None
) -> ClvReport:
    """The same fitted report, its tables and deciles over ``customer_ids`` only; with
    ``groups`` (customer id -> group) its table by segment is by those groups instead.

    The model's parameters stay those fitted on everyone: a customer's value does not change
    because a filter left their neighbours out, and a small segment does not fall below the
    number of customers the model needs. Raises :class:`InsufficientDataError` when none of
    ``customer_ids`` has a purchase.
    """
    keep = report.per_customer["customer_id"].isin(set(customer_ids))
    per_customer = report.per_customer[keep].reset_index(drop=True)
    if per_customer.empty:
        raise InsufficientDataError("none of these customers has a purchase to value")
    if groups is not None:
        per_customer["segment"] = per_customer["customer_id"].map(groups).fillna(MISSING)
    return ClvReport(
        as_of=report.as_of,
        months=report.months,
        bg_nbd=report.bg_nbd,
        gamma_gamma=report.gamma_gamma,
        per_customer=per_customer,
        by_segment=_by_segment(per_customer),
        deciles=[float(v) for v in np.quantile(per_customer["clv"], np.linspace(0.1, 0.9, 9))],
    )


def _expected_spend(ggf: GammaGammaFitter, rfm: pd.DataFrame, repeat: pd.DataFrame) -> np.ndarray:
    """Expected spend per purchase: Gamma-Gamma's conditional mean where the model is proper.

    Its population mean p·v/(q−1) exists only for q > 1; otherwise (a heavy-tailed spend,
    as some clinics have) each customer's own mean is used, and the mean over repeat buyers
    for customers without a repeat purchase.
    """
    observed = rfm["monetary_value"].to_numpy(dtype=float)
    fallback = float(repeat["monetary_value"].mean())
    if ggf.params_["q"] > 1:
        return np.asarray(
            ggf.conditional_expected_average_profit(
                rfm["frequency"].clip(lower=0), np.where(observed > 0, observed, fallback)
            ),
            dtype=float,
        )
    return np.where(rfm["frequency"] > 0, observed, fallback)


def _discounted_value(
    bgf: BetaGeoFitter,
    rfm: pd.DataFrame,
    *,
    months: int,
    weeks_per_month: float,
    monthly_discount: float = 0.01,
) -> np.ndarray:
    """Σ over months of the expected purchases in that month × spend, discounted monthly."""
    value = np.zeros(len(rfm))
    previous = np.zeros(len(rfm))
    for m in range(1, months + 1):
        expected = np.asarray(
            bgf.conditional_expected_number_of_purchases_up_to_time(
                m * weeks_per_month, rfm["frequency"], rfm["recency"], rfm["T"]
            ),
            dtype=float,
        )
        value += (expected - previous) * rfm["spend"].to_numpy() / (1 + monthly_discount) ** m
        previous = expected
    return value


def _by_segment(per_customer: pd.DataFrame) -> pd.DataFrame:
    from scipy import stats

    rows = []
    for segment, g in per_customer.groupby("segment", sort=True):
        n = len(g)
        mean = float(g["clv"].mean())
        se = float(g["clv"].std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
        half = float(stats.t.ppf(0.975, n - 1) * se) if n > 1 else float("nan")
        rows.append(
            {
                "segment": segment,
                "customers": n,
                "mean_clv": mean,
                "low": mean - half,
                "high": mean + half,
                "total_clv": float(g["clv"].sum()),
                "p_alive": float(g["p_alive"].mean()),
            }
        )
    return pd.DataFrame(rows).sort_values("total_clv", ascending=False, ignore_index=True)


# --- money -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class MoneyReport:
    by_loyalty: pd.DataFrame
    at_risk_by_touchpoint: pd.DataFrame
    at_risk_by_segment: pd.DataFrame
    # None where there are fewer than 2 promoters or 2 detractors with a value (a narrow
    # filter): the other tables still stand, and ``cost_of_detractor_note`` says why.
    cost_of_detractor: MoneyDifference | None
    cost_of_detractor_note: str = ""

    def as_dict(self) -> dict[str, Any]:
        d = self.cost_of_detractor
        return _json_ready(
            {
                "by_loyalty": self.by_loyalty.to_dict("records"),
                "value_at_risk_by_touchpoint": self.at_risk_by_touchpoint.to_dict("records"),
                "value_at_risk_by_segment": self.at_risk_by_segment.to_dict("records"),
                "promoter_minus_detractor": d.as_dict() if d is not None else None,
                "promoter_minus_detractor_note": self.cost_of_detractor_note,
            }
        )


def money_report(source: Source, workspace: str, *, clv: ClvReport) -> MoneyReport:
    responses = source.table("responses", workspace)
    customers = source.table("customers", workspace)
    per_customer = clv.per_customer[["customer_id", "clv", "p_alive"]]
    clv_table = ibis.memtable(per_customer[["customer_id", "clv"]])
    p_churn = ibis.memtable(
        per_customer.assign(p=1 - per_customer["p_alive"])[["customer_id", "p"]]
    )
    nps_only = responses.filter(responses.metric == "nps")
    tx = source.table("transactions", workspace)
    try:
        detractor, note = cost_of_dissatisfied_customer(nps_only, clv=clv_table), ""
    except InsufficientDataError as exc:
        detractor, note = None, str(exc)
    return MoneyReport(
        by_loyalty=_value_by_loyalty(nps_only, tx, clv=clv_table),
        at_risk_by_touchpoint=_value_at_risk_by_touchpoint(
            responses, customers, clv_table, p_churn
        ),
        at_risk_by_segment=value_at_risk(
            nps_only, customers, clv_table, p_churn, by="segment", n_boot=200
        ),
        cost_of_detractor=detractor,
        cost_of_detractor_note=note,
    )


def _value_at_risk_by_touchpoint(
    responses: ibis.Table, customers: ibis.Table, clv: ibis.Table, p_churn: ibis.Table
) -> pd.DataFrame:
    """Each touchpoint's own survey decides what a low score is (CES, CSAT or NPS)."""
    frames = []
    for metric in ("nps", "csat", "ces"):
        r = responses.filter((responses.metric == metric) & responses.touchpoint_id.notnull())
        if int(r.count().execute()) == 0:
            continue
        frames.append(
            value_at_risk(r, customers, clv, p_churn, by="touchpoint_id", metric=metric, n_boot=200)
        )
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True).sort_values(
        "value_at_risk", ascending=False, ignore_index=True
    )


# --- drivers ---------------------------------------------------------------------------------
def drivers_report(
    source: Source,
    workspace: str,
    *,
    outcome: str = "nps",
    n_boot: int = 200,
    method: str = "shapley",
) -> DriverResult:
    """Which touchpoints' experience drives the relationship score (or churn), over each
    customer's mean score per touchpoint: Shapley values, or Johnson's relative weights with
    ``method="relative_weights"`` (logistic for ``churned``); ``result.method`` says which."""
    responses = source.table("responses", workspace).filter(
        lambda t: t.touchpoint_id.notnull() | (t.metric == outcome)
    )
    if outcome == "churned":
        matrix = driver_matrix(
            responses, outcome=source.table("customers", workspace), outcome_column="churned"
        )
    else:
        matrix = driver_matrix(responses, outcome=outcome)
    drivers = [c for c in matrix.columns if c not in ("customer_id", outcome)]
    if not drivers:
        raise InsufficientDataError(
            "no touchpoint scores to explain the outcome: feedback needs a touchpoint column"
        )
    # Customers meet only some touchpoints. Dropping incomplete rows (or pairwise counts)
    # would keep the few who met them all; a touchpoint not met counts as its average
    # experience instead, so it neither helps nor hurts that customer's outcome.
    matrix = matrix.dropna(subset=[outcome])
    matrix[drivers] = matrix[drivers].fillna(matrix[drivers].mean())
    return key_drivers(matrix, outcome, drivers, method=method, n_boot=n_boot)
