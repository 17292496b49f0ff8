"""Churn: survival curves, a Cox model, and whether scores predict churn.

- :func:`survival_curves`: Kaplan-Meier (Kaplan & Meier 1958, JASA 53:457) with Greenwood's
  variance on the log(-log) scale (Kalbfleisch & Prentice 2002, §1.4; Greenwood 1926), per
  group, computed from ONE grouped Ibis aggregation of (group, duration) counts.
- :func:`cox_model` (in :mod:`cxray.analytics.churn_cox`): the Cox proportional-hazards model
  (Cox 1972, JRSS B 34:187) through lifelines, as a frozen result with hazard ratios,
  intervals, p-values and concordance.
- :func:`score_predicts_churn` and :func:`loyal_looking_churners` (in
  :mod:`cxray.analytics.churn_predict`): does a low score come before churn, and how many
  churners looked loyal right before they left.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np

from cxray.analytics.churn_cox import CoxResult, HazardRatio, cox_model
from cxray.analytics.churn_predict import (
    ALL,
    PredictiveResult,
    loyal_looking_churners,
    score_predicts_churn,
)
from cxray.analytics.tables import as_table
from cxray.errors import InsufficientDataError, InvalidInputError

if TYPE_CHECKING:
    import ibis
    import pandas as pd
    import pyarrow as pa

    TableLike = ibis.Table | pd.DataFrame | pa.Table

__all__ = [
    "ALL",
    "CoxResult",
    "HazardRatio",
    "PredictiveResult",
    "SurvivalCurve",
    "cox_model",
    "loyal_looking_churners",
    "score_predicts_churn",
    "survival_curves",
]


# --- Kaplan-Meier ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class SurvivalCurve:
    """A Kaplan-Meier curve of one group: S(t) on ``timeline`` with its pointwise interval.

    ``at_risk[k]`` customers were still observed just before ``timeline[k]`` and ``events[k]``
    churned at it. ``median`` is the first time S(t) <= 0.5 (``inf`` when the curve never gets
    there); its interval is where the interval's bounds cross 0.5 (Brookmeyer & Crowley 1982,
    Biometrics 38:29, inverted pointwise intervals). The arrays are read-only.
    """

    group: Any
    timeline: np.ndarray
    survival: np.ndarray
    low: np.ndarray
    high: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    n: int
    n_events: int
    median: float
    median_low: float
    median_high: float
    confidence: float = 0.95

    def survival_at(self, t: float | Sequence[float] | np.ndarray) -> Any:
        """S(t), the right-continuous step function: 1 before the first time on the timeline."""
        return self._step(self.survival, t, before=1.0)

    def interval_at(self, t: float | Sequence[float] | np.ndarray) -> tuple[Any, Any]:
        """The pointwise interval of S(t), as (low, high)."""
        return self._step(self.low, t, before=1.0), self._step(self.high, t, before=1.0)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            {
                "survival": self.survival,
                "low": self.low,
                "high": self.high,
                "at_risk": self.at_risk,
                "events": self.events,
            },
            index=pd.Index(self.timeline, name="time"),
        )

    def as_dict(self) -> dict[str, Any]:
        def num(v: float) -> float | None:
            return None if math.isnan(v) or math.isinf(v) else float(v)

        return {
            "group": self.group,
            "timeline": self.timeline.tolist(),
            "survival": self.survival.tolist(),
            "low": self.low.tolist(),
            "high": self.high.tolist(),
            "at_risk": self.at_risk.tolist(),
            "events": self.events.tolist(),
            "n": self.n,
            "n_events": self.n_events,
            "median": num(self.median),
            "median_low": num(self.median_low),
            "median_high": num(self.median_high),
            "confidence": self.confidence,
        }

    def _step(self, values: np.ndarray, t: Any, before: float) -> Any:
        times = np.asarray(t, dtype=float)
        idx = np.searchsorted(self.timeline, times, side="right") - 1
        out = np.where(idx >= 0, values[np.clip(idx, 0, None)], before)
        return float(out) if out.ndim == 0 else out


def survival_curves(
    table: TableLike,
    *,
    duration: str,
    event: str,
    by: str | None = None,
    timeline: Sequence[float] | np.ndarray | None = None,
    confidence: float = 0.95,
) -> dict[Any, SurvivalCurve]:
    """Kaplan-Meier survival curves, ``{group: SurvivalCurve}`` (key :data:`ALL` without ``by``).

    ``duration`` is the time each customer was observed (tenure); ``event`` is true (or 1)
    when the observation ended in churn and false (0) when it was censored (still a customer).
    Rows with a null duration or event are left out.

    ``S(t) = prod_{t_k <= t} (1 - d_k / n_k)``; Greenwood: ``V(t) = sum d_k / (n_k (n_k - d_k))``;
    the interval is ``S^exp(±z sqrt(V) / log S)``, i.e. symmetric on ``log(-log S)``, so it stays
    inside [0, 1] (the lifelines default). Without ``timeline`` the curve has a point at 0 and
    at every distinct duration; with it, the curve is read off at those times.
    """
    t = as_table(table)
    missing = [c for c in (duration, event, by) if c is not None and c not in t.columns]
    if missing:
        raise InvalidInputError(
            f"survival_curves: no column(s) {missing}; the table has {sorted(t.columns)}"
        )
    d_type, e_type = t[duration].type(), t[event].type()
    if not d_type.is_numeric():
        raise InvalidInputError(
            f"duration column {duration!r} is {d_type}, not a number; pass the time observed "
            "(e.g. tenure in months, or days between first purchase and churn or today)"
        )
    if not (e_type.is_boolean() or e_type.is_numeric()):
        raise InvalidInputError(
            f"event column {event!r} is {e_type}; make it true/false (or 1/0), e.g. "
            'df.assign(churned=df["Churn"].eq("Yes"))'
        )
    t = t.filter(t[duration].notnull() & t[event].notnull())
    keys = ([by] if by else []) + [duration]
    counts = (
        t.group_by(keys)
        .aggregate(
            _cx_n=t[duration].count(),
            _cx_d=t[event].cast("int64").sum(),
            _cx_bad=((t[event].cast("float64") != 0) & (t[event].cast("float64") != 1))
            .cast("int64")
            .sum(),
        )
        .to_pandas()
    )
    if counts["_cx_bad"].sum():
        raise InvalidInputError(
            f"event column {event!r} has values other than 0/1 or true/false; "
            "recode it so 1 (true) means churned"
        )
    if len(counts) and (counts[duration] < 0).any():
        bad = int(counts.loc[counts[duration] < 0, "_cx_n"].sum())
        raise InvalidInputError(
            f"duration column {duration!r} has {bad} negative value(s); durations are "
            "times observed and must be >= 0"
        )
    if len(counts) == 0:
        raise InsufficientDataError(
            "survival_curves: no rows with both a duration and an event; nothing to estimate"
        )
    grid = None if timeline is None else np.sort(np.asarray(timeline, dtype=float))
    curves: dict[Any, SurvivalCurve] = {}
    groups = [(ALL, counts)] if by is None else list(counts.groupby(by, dropna=False, sort=True))
    for group, part in groups:
        part = part.sort_values(duration)
        curves[group] = _kaplan_meier(
            group,
            part[duration].to_numpy(float),
            part["_cx_n"].to_numpy(np.int64),
            part["_cx_d"].to_numpy(np.int64),
            grid,
            confidence,
        )
    return curves


def _kaplan_meier(
    group: Any,
    times: np.ndarray,
    observed: np.ndarray,
    events: np.ndarray,
    grid: np.ndarray | None,
    confidence: float,
) -> SurvivalCurve:
    """One curve from per-time counts (``times`` sorted, unique)."""
    n, n_events = int(observed.sum()), int(events.sum())
    at_risk = observed[::-1].cumsum()[::-1]  # still observed just before each time
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - events / at_risk)
        greenwood = np.cumsum(np.where(events > 0, events / (at_risk * (at_risk - events)), 0.0))
        log_s = np.log(survival)
        z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
        # log(-log S) ± z sqrt(V) / |log S|; back-transformed S^exp(...)
        spread = z * np.sqrt(greenwood) / np.abs(log_s)
        low = np.exp(log_s * np.exp(-spread))
        high = np.exp(log_s * np.exp(spread))
        low, high = np.minimum(low, high), np.maximum(low, high)
    # Before the first churn S = 1 exactly and the interval is [1, 1]; once S reaches 0 it
    # stays 0 with interval [0, 0].
    none_yet = survival >= 1.0
    low[none_yet], high[none_yet] = 1.0, 1.0
    gone = survival <= 0.0
    low[gone], high[gone] = 0.0, 0.0
    if len(times) == 0 or times[0] > 0:  # the curve starts at S(0) = 1
        times = np.concatenate([[0.0], times])
        survival, low, high = (np.concatenate([[1.0], a]) for a in (survival, low, high))
        at_risk = np.concatenate([[observed.sum()], at_risk])
        events = np.concatenate([[0], events])
    curve_times = times
    if grid is not None:
        idx = np.searchsorted(times, grid, side="right") - 1
        pick = np.clip(idx, 0, None)
        valid = idx >= 0
        survival, low, high = (np.where(valid, a[pick], 1.0) for a in (survival, low, high))
        # at risk at t = observed with duration >= t; events exactly at t
        ahead = np.searchsorted(times, grid, side="left")
        tail = np.concatenate([at_risk, [0]])
        at_risk = tail[ahead]
        exact = (ahead < len(times)) & (times[np.minimum(ahead, len(times) - 1)] == grid)
        events = np.where(exact, events[np.minimum(ahead, len(times) - 1)], 0)
        curve_times = grid
    return SurvivalCurve(
        group=group,
        timeline=_frozen(curve_times),
        survival=_frozen(survival),
        low=_frozen(low),
        high=_frozen(high),
        at_risk=_frozen(at_risk.astype(np.int64)),
        events=_frozen(np.asarray(events, dtype=np.int64)),
        n=n,
        n_events=n_events,
        median=_first_time_below(curve_times, survival, 0.5),
        median_low=_first_time_below(curve_times, low, 0.5),
        median_high=_first_time_below(curve_times, high, 0.5),
        confidence=confidence,
    )


def _first_time_below(times: np.ndarray, values: np.ndarray, q: float) -> float:
    hit = np.flatnonzero(values <= q)
    return float(times[hit[0]]) if len(hit) else math.inf


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.flags.writeable = False
    return a
