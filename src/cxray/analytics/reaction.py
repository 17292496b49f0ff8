"""Measured reaction to unhappy customers (seed 001, pitfall 9: the reaction is the moment
of truth).

Two questions:

- **How fast?** Time from opening to the first reaction and to closure (median and 90th
  percentile, hours), and the share of cases reacted to within their deadline (Wilson interval).
- **Does it pay?** Do customers whose case was handled (reacted to within the deadline) stay
  more often, and score higher next time, than *comparable* customers whose case was not?
  Comparable = the same segment and the same band of the low score (exact stratification):
  within each stratum the difference of means, then their average weighted by the handled
  cases of the stratum (the effect on the handled, ATT), with the normal interval
  ``sqrt(Σ w_s² (s²_h/n_h + s²_u/n_u))``. Strata without both kinds of case are left out and
  counted. This is an observational comparison, not an experiment: owners may react first to
  the customers easiest to keep; the docs say so beside the figure.

Pure: takes Ibis tables or pandas/pyarrow frames (the web app passes its cases as a frame),
never the ORM.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from cxray.analytics.results import Score
from cxray.analytics.schema import METRIC_SCALES
from cxray.analytics.scores import _SPECS, proportion
from cxray.analytics.tables import as_table
from cxray.errors import InvalidInputError

# The highest score that counts as "low" per metric: the bottom bucket of cxray.analytics.scores
# (NPS/eNPS detractors 0-6, CSAT 1-2, CES 1-3 where higher is easier); custom 0-10 like NPS.
LOW_SCORE_MAX: dict[str, float] = {m: s.bottom_to for m, s in _SPECS.items()} | {"custom": 6}

CASE_COLUMNS = ("case_id", "opened", "due", "first_reaction", "closed")
MIN_N = 10  # per group: below it the comparison is shown greyed, marked unreliable
HORIZON_DAYS = 90


def _finite(d: dict[str, Any]) -> dict[str, Any]:
    """NaN (a figure with no data) as None, so the dict is valid JSON."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in d.items()}


def is_low_score(metric: str, score: float | None) -> bool:
    """Whether ``score`` is in the bottom bucket of ``metric`` (unknown metric: never)."""
    limit = LOW_SCORE_MAX.get(metric)
    return score is not None and limit is not None and score <= limit


def score_band(metric: str, score: float | None) -> str:
    """The lower or upper half of the low bucket, so that a 1 is compared with a 1 or 2,
    not with a 6: NPS 0-3 / 4-6, CSAT 1 / 2, CES 1-2 / 3 (``metric:low``, ``metric:mid``)."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return f"{metric}:none"
    lo = METRIC_SCALES.get(metric, (0, 10))[0]
    top = LOW_SCORE_MAX.get(metric, 6)
    cut = lo + (top - lo) / 2
    return f"{metric}:{'low' if score < cut else 'mid'}"


# --- how fast ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Duration:
    """Hours from opening: median and 90th percentile (linear interpolation) over ``n``."""

    median_h: float
    p90_h: float
    n: int

    def as_dict(self) -> dict[str, Any]:
        return _finite(asdict(self))


@dataclass(frozen=True, slots=True)
class ReactionTimes:
    first_reaction: Duration
    closure: Duration
    within_deadline: Score  # share of cases due by now that were reacted to in time, percent
    n_cases: int
    n_open: int
    n_overdue: int  # open, past the deadline, no reaction

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_reaction": self.first_reaction.as_dict(),
            "closure": self.closure.as_dict(),
            "within_deadline": self.within_deadline.as_dict(),
            "n_cases": self.n_cases,
            "n_open": self.n_open,
            "n_overdue": self.n_overdue,
        }


def _duration(hours: pd.Series) -> Duration:
    h = hours.dropna().to_numpy(dtype=float)
    if len(h) == 0:
        return Duration(math.nan, math.nan, 0)
    return Duration(float(np.median(h)), float(np.percentile(h, 90)), len(h))


def _frame(table: Any, needed: tuple[str, ...], what: str) -> pd.DataFrame:
    t = as_table(table)
    missing = [c for c in needed if c not in t.columns]
    if missing:
        raise InvalidInputError(
            f"{what}: missing column(s) {', '.join(missing)}; the table has {sorted(t.columns)}"
        )
    return t.to_pandas()


def reaction_times(cases: Any, *, now: datetime, min_n: int = MIN_N) -> ReactionTimes:
    """Reaction and closure times of ``cases`` (columns case_id, opened, due, first_reaction,
    closed; timestamps, the last two null while missing), as of ``now``.

    The share within the deadline counts the cases whose deadline has passed or that were
    reacted to: reacted by ``due`` over all of them. A case still open and not yet due is
    not counted either way.
    """
    df = _frame(cases, CASE_COLUMNS, "cases")
    now_ts = pd.Timestamp(now).tz_localize(None) if pd.Timestamp(now).tzinfo else pd.Timestamp(now)
    for c in ("opened", "due", "first_reaction", "closed"):
        df[c] = pd.to_datetime(df[c])
        if getattr(df[c].dt, "tz", None) is not None:
            df[c] = df[c].dt.tz_convert("UTC").dt.tz_localize(None)
    hour = pd.Timedelta(hours=1)
    first = (df["first_reaction"] - df["opened"]) / hour
    closed = (df["closed"] - df["opened"]) / hour
    reacted = df["first_reaction"].notna()
    in_time = reacted & (df["first_reaction"] <= df["due"])
    counted = reacted | (df["due"] < now_ts)
    overdue = (~reacted) & df["closed"].isna() & (df["due"] < now_ts)
    return ReactionTimes(
        first_reaction=_duration(first),
        closure=_duration(closed),
        within_deadline=proportion(
            int(in_time[counted].sum()), int(counted.sum()), metric="within_deadline", min_n=min_n
        ),
        n_cases=len(df),
        n_open=int(df["closed"].isna().sum()),
        n_overdue=int(overdue.sum()),
    )


# --- does it pay ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Comparison:
    """Handled minus not handled, matched on segment and score band, with its interval."""

    outcome: str  # "retained_pct" or "next_score_pct"
    handled: float  # the handled group's mean (weighted like the difference)
    not_handled: float
    difference: float
    low: float
    high: float
    n_handled: int
    n_not_handled: int
    strata: int
    strata_dropped: int  # strata without both kinds of case
    min_n: int = MIN_N
    confidence: float = 0.95

    @property
    def reliable(self) -> bool:
        return self.n_handled >= self.min_n and self.n_not_handled >= self.min_n

    def as_dict(self) -> dict[str, Any]:
        return _finite(asdict(self)) | {"reliable": self.reliable}


@dataclass(frozen=True, slots=True)
class ReactionOutcome:
    retention: Comparison
    next_score: Comparison
    horizon_days: int
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "retention": self.retention.as_dict(),
            "next_score": self.next_score.as_dict(),
            "horizon_days": self.horizon_days,
            "notes": self.notes,
        }


def matched_difference(
    frame: pd.DataFrame,
    *,
    outcome: str,
    treated: str = "handled",
    strata: tuple[str, ...] = ("segment", "band"),
    confidence: float = 0.95,
    min_n: int = MIN_N,
) -> Comparison:
    """The stratified (exact-matched) difference of ``outcome`` means, treated − control,
    weighted by the treated count per stratum, with a normal interval.

    A stratum with a single case on a side contributes a variance of 0 for that side
    (there is nothing to estimate it from); the docs say to read such figures with n.
    """
    df = frame.dropna(subset=[outcome])
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    rows = []
    dropped = 0
    for _, g in df.groupby(list(strata), dropna=False, sort=True):
        t = g.loc[g[treated], outcome].astype(float)
        c = g.loc[~g[treated], outcome].astype(float)
        if len(t) == 0 or len(c) == 0:
            dropped += 1
            continue
        var_t = float(t.var(ddof=1)) if len(t) > 1 else 0.0
        var_c = float(c.var(ddof=1)) if len(c) > 1 else 0.0
        rows.append((len(t), len(c), float(t.mean()), float(c.mean()), var_t, var_c))
    if not rows:
        nan = math.nan
        return Comparison(outcome, nan, nan, nan, nan, nan, 0, 0, 0, dropped, min_n, confidence)
    n_t = sum(r[0] for r in rows)
    w = [r[0] / n_t for r in rows]
    mean_t = sum(wi * r[2] for wi, r in zip(w, rows, strict=True))
    mean_c = sum(wi * r[3] for wi, r in zip(w, rows, strict=True))
    var = sum(wi**2 * (r[4] / r[0] + r[5] / r[1]) for wi, r in zip(w, rows, strict=True))
    diff = mean_t - mean_c
    se = math.sqrt(var)
    return Comparison(
        outcome=outcome,
        handled=mean_t,
        not_handled=mean_c,
        difference=diff,
        low=diff - z * se,
        high=diff + z * se,
        n_handled=n_t,
        n_not_handled=sum(r[1] for r in rows),
        strata=len(rows),
        strata_dropped=dropped,
        min_n=min_n,
        confidence=confidence,
    )


def _naive(s: pd.Series) -> pd.Series:
    s = pd.to_datetime(s)
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    return s


def reaction_outcome(
    cases: Any,
    *,
    customers: Any,
    responses: Any,
    as_of: datetime,
    horizon_days: int = HORIZON_DAYS,
    min_n: int = MIN_N,
) -> ReactionOutcome:
    """Retention and next score of customers whose case was handled vs not, matched.

    ``cases``: case_id, customer_id, metric, score, opened, due, first_reaction (a frame).
    ``customers``: the canonical table (customer_id, segment, churned, churned_at).
    ``responses``: the canonical table (customer_id, at, metric, score).

    Handled = reacted to within the deadline. Retained = not churned within ``horizon_days``
    of the case opening, counted only for cases opened at least ``horizon_days`` before
    ``as_of``. Next score = the customer's first answer on the same metric after the case
    opened (a later answer than the one that opened it), as a percent of the scale.
    """
    needed = ("case_id", "customer_id", "metric", "score", "opened", "due", "first_reaction")
    df = _frame(cases, needed, "cases")
    df = df[df["customer_id"].notna() & (df["customer_id"] != "")].copy()
    for c in ("opened", "due", "first_reaction"):
        df[c] = _naive(df[c])
    as_of_ts = pd.Timestamp(as_of)
    if as_of_ts.tzinfo is not None:
        as_of_ts = as_of_ts.tz_convert("UTC").tz_localize(None)
    df["handled"] = df["first_reaction"].notna() & (df["first_reaction"] <= df["due"])
    df["band"] = [score_band(m, s) for m, s in zip(df["metric"], df["score"], strict=True)]
    ids = sorted(set(df["customer_id"]))

    cust = as_table(customers)
    cust = cust.filter(cust.customer_id.isin(ids)).select(
        "customer_id", "segment", "churned", "churned_at"
    )
    cdf = cust.to_pandas().drop_duplicates("customer_id")
    df = df.merge(cdf, on="customer_id", how="left")
    df["segment"] = df["segment"].fillna("—")

    horizon = pd.Timedelta(days=horizon_days)
    mature = df["opened"] + horizon <= as_of_ts
    churned_at = _naive(df["churned_at"])
    left = df["churned"].eq(True) & churned_at.notna()
    left &= churned_at <= df["opened"] + horizon
    df["retained_pct"] = np.where(mature, np.where(left, 0.0, 100.0), np.nan)

    r = as_table(responses)
    r = r.filter(r.customer_id.isin(ids) & r.score.notnull()).select(
        "customer_id", "at", "metric", "score"
    )
    rdf = r.to_pandas()
    rdf["at"] = _naive(rdf["at"])
    nxt = df[["case_id", "customer_id", "metric", "opened"]].merge(
        rdf, on=["customer_id", "metric"], how="inner", suffixes=("", "_r")
    )
    # "After the case opened": strictly later than the opening answer (a minute's slack for
    # the answer that opened it, whose timestamp is the opening time).
    nxt = nxt[nxt["at"] > nxt["opened"] + pd.Timedelta(minutes=1)]
    nxt = nxt.sort_values(["case_id", "at"]).drop_duplicates("case_id")
    lo = nxt["metric"].map(lambda m: METRIC_SCALES.get(m, (0, 10))[0])
    hi = nxt["metric"].map(lambda m: METRIC_SCALES.get(m, (0, 10))[1])
    nxt["next_score_pct"] = 100.0 * (nxt["score"] - lo) / (hi - lo)
    df = df.merge(nxt[["case_id", "next_score_pct"]], on="case_id", how="left")

    notes = []
    if not mature.any():
        notes.append(f"no case is older than {horizon_days} days yet: retention is not measured")
    return ReactionOutcome(
        retention=matched_difference(df, outcome="retained_pct", min_n=min_n),
        next_score=matched_difference(df, outcome="next_score_pct", min_n=min_n),
        horizon_days=horizon_days,
        notes=notes,
    )
