"""NPS, eNPS, CSAT and CES with their intervals, by group, over time, and between two periods.

Every function takes an Ibis table (any engine) or anything :func:`ibis.memtable` accepts (a
pandas DataFrame, a pyarrow Table). The counts come from ONE Ibis aggregation, run on the
engine; the arithmetic on the few numbers that come back is done here in Python, so one
expression serves DuckDB, Spark or Postgres alike.

Conventions shared by every score:

- Null (and NaN) scores are ignored; ``n`` is the number of scores actually counted.
- A score outside the metric's scale raises :class:`~cxray.errors.InvalidInputError` naming
  the metric, the allowed range and how many rows are outside it.
- If the table has a ``metric`` column (as the canonical ``responses`` table does), only the
  rows of the metric asked for count, so ``nps(store.table("responses", ws))`` never mixes
  CSAT answers into NPS.
- A figure on fewer than ``min_n`` answers is still returned, marked ``reliable=False``.
- ``weight="n"`` reads each row as that many identical answers: the same figures come from a
  pre-aggregated table of counts per score value (see :mod:`cxray.analytics.rollup`) as from
  the answers themselves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal

import ibis
from scipy import stats

from cxray.analytics.results import Score, ScoreChange
from cxray.analytics.schema import METRIC_SCALES
from cxray.analytics.tables import as_table
from cxray.errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    TableLike = ibis.Table | pd.DataFrame | pa.Table

Kind = Literal["nps", "share", "mean"]
Freq = Literal["day", "week", "month", "quarter"]


@dataclass(frozen=True, slots=True)
class _Spec:
    """How one metric turns answers into a figure: ``top`` is score >= ``top_from``,
    ``bottom`` is score <= ``bottom_to``."""

    name: str
    kind: Kind
    top_from: float
    bottom_to: float

    @property
    def scale(self) -> tuple[int, int]:
        return METRIC_SCALES[self.name]


# NPS buckets: Reichheld 2003, "The One Number You Need to Grow", HBR 81(12).
# CSAT top-2 box on 1-5 (4-5 = satisfied). CES 2.0 on 1-7 agreement with "the company made it
# easy for me to handle my issue" (Dixon, Toman & DeLisi 2013, The Effortless Experience):
# higher is easier, so 5-7 is low effort and 1-3 high effort.
_SPECS: dict[str, _Spec] = {
    "nps": _Spec("nps", "nps", 9, 6),
    "enps": _Spec("enps", "nps", 9, 6),
    "internal_nps": _Spec("internal_nps", "nps", 9, 6),
    "csat": _Spec("csat", "share", 4, 2),
    "ces": _Spec("ces", "mean", 5, 3),
}
_FREQ_UNITS: dict[str, str] = {"day": "D", "week": "W", "month": "M", "quarter": "Q"}
_SCORE = "_cx_score"  # internal column names, prefixed so they cannot clash with the user's
_PERIOD = "_cx_period"
_WEIGHT = "_cx_weight"


# --- one figure ------------------------------------------------------------------------------
def nps(
    table: TableLike, *, score: str = "score", min_n: int = 30, confidence: float = 0.95
) -> Score:
    """Net Promoter Score in points: 100 * (share of 9-10 - share of 0-6), on 0-10 answers.

    Interval: the NPS is the difference of two proportions of one multinomial sample, whose
    covariance is -p_pro * p_det / n, so (as a proportion)
    ``var = [p_pro(1-p_pro) + p_det(1-p_det) + 2 p_pro p_det] / n
    = [p_pro + p_det - (p_pro - p_det)^2] / n``; normal approximation, clipped to
    [-100, 100].
    """
    return score_of("nps", table, score=score, min_n=min_n, confidence=confidence)


def enps(
    table: TableLike, *, score: str = "score", min_n: int = 30, confidence: float = 0.95
) -> Score:
    """Employee NPS: :func:`nps` on employees' 0-10 answers (rows with metric "enps")."""
    return score_of("enps", table, score=score, min_n=min_n, confidence=confidence)


def csat(
    table: TableLike, *, score: str = "score", min_n: int = 30, confidence: float = 0.95
) -> Score:
    """CSAT in percent: the share of 4-5 (top-2 box) on 1-5 answers, with a Wilson interval
    (Wilson 1927, JASA 22:209; recommended by Brown, Cai & DasGupta 2001, Stat. Sci. 16:101)."""
    return score_of("csat", table, score=score, min_n=min_n, confidence=confidence)


def ces(
    table: TableLike, *, score: str = "score", min_n: int = 30, confidence: float = 0.95
) -> Score:
    """Customer Effort Score: the mean 1-7 answer (CES 2.0, higher = easier), with a Student t
    interval ``mean ± t(n-1) * s / sqrt(n)``. ``top`` counts low-effort answers (5-7), so
    :attr:`Score.top_share` is the share of low effort."""
    return score_of("ces", table, score=score, min_n=min_n, confidence=confidence)


def score_of(
    metric: str,
    table: TableLike,
    *,
    score: str = "score",
    weight: str | None = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> Score:
    """Any supported metric (``nps``, ``enps``, ``internal_nps``, ``csat``, ``ces``) by name."""
    spec = _spec(metric)
    rows = _aggregate(spec, _prepare(spec, table, score, weight), [])
    return _score_from_row(spec, rows[0], min_n=min_n, confidence=confidence)


# --- breakdowns ------------------------------------------------------------------------------
def score_by(
    metric: str,
    table: TableLike,
    by: str | Sequence[str],
    *,
    score: str = "score",
    weight: str | None = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> dict[Any, Score]:
    """One score per group, ``{group value: Score}``, from one grouped aggregation.

    With several ``by`` columns the keys are tuples. Groups come sorted, null keys last;
    groups with no scored answer do not appear.
    """
    spec = _spec(metric)
    t = _prepare(spec, table, score, weight)
    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise InvalidInputError("score_by needs at least one column to group by")
    missing = [k for k in keys if k not in t.columns]
    if missing:
        raise InvalidInputError(
            f"cannot group {metric} by {missing}: no such column; "
            f"the table has {sorted(c for c in t.columns if c not in (_SCORE, _WEIGHT))}"
        )
    rows = _aggregate(spec, t, keys)
    rows.sort(key=lambda r: tuple((r[k] is None, r[k]) for k in keys))
    single = isinstance(by, str)
    return {
        (r[keys[0]] if single else tuple(r[k] for k in keys)): _score_from_row(
            spec, r, min_n=min_n, confidence=confidence
        )
        for r in rows
    }


def nps_by(table: TableLike, by: str | Sequence[str], **options: Any) -> dict[Any, Score]:
    """:func:`score_by` for NPS; ``options`` as for :func:`nps`."""
    return score_by("nps", table, by, **options)


def enps_by(table: TableLike, by: str | Sequence[str], **options: Any) -> dict[Any, Score]:
    return score_by("enps", table, by, **options)


def csat_by(table: TableLike, by: str | Sequence[str], **options: Any) -> dict[Any, Score]:
    return score_by("csat", table, by, **options)


def ces_by(table: TableLike, by: str | Sequence[str], **options: Any) -> dict[Any, Score]:
    return score_by("ces", table, by, **options)


def score_trend(
    metric: str,
    table: TableLike,
    freq: Freq = "month",
    *,
    at: str = "at",
    score: str = "score",
    weight: str | None = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> dict[date, Score]:
    """One score per period, keyed by the period's first day (weeks start on Monday).

    Periods without a scored answer are absent rather than zero; rows without a date are
    left out.
    """
    if freq not in _FREQ_UNITS:
        raise InvalidInputError(f"unknown trend frequency {freq!r}; use one of {list(_FREQ_UNITS)}")
    spec = _spec(metric)
    t = _prepare(spec, table, score, weight)
    if at not in t.columns or not t[at].type().is_temporal():
        raise InvalidInputError(
            f"cannot make a {metric} trend: {at!r} is not a date or timestamp column; "
            "pass at=<the column with the answer's date>"
        )
    t = t.filter(t[at].notnull())
    t = t.mutate(**{_PERIOD: t[at].truncate(_FREQ_UNITS[freq]).cast("date")})
    rows = sorted(_aggregate(spec, t, [_PERIOD]), key=lambda r: r[_PERIOD])
    return {r[_PERIOD]: _score_from_row(spec, r, min_n=min_n, confidence=confidence) for r in rows}


# --- two periods -----------------------------------------------------------------------------
def score_change(
    metric: str,
    before: TableLike,
    after: TableLike,
    *,
    score: str = "score",
    min_n: int = 30,
    alpha: float = 0.05,
) -> ScoreChange:
    """The change of a score from ``before`` to ``after`` (two independent samples);
    see :func:`compare` for the tests."""
    options: dict[str, Any] = {"score": score, "min_n": min_n, "confidence": 1 - alpha}
    return compare(
        score_of(metric, before, **options), score_of(metric, after, **options), alpha=alpha
    )


def compare(before: Score, after: Score, *, alpha: float = 0.05) -> ScoreChange:
    """Test whether a score changed between two independent samples.

    - NPS family: z-test; under "no change" both periods share one multinomial distribution,
      so the test pools the counts: ``var = [p_pro + p_det - (p_pro - p_det)^2] (1/n_a + 1/n_b)``.
      The interval of the difference uses each period's own variance (unpooled).
    - Shares (CSAT, churn, any :func:`proportion`): the two-proportion z-test with pooled p
      (Agresti 2013, Categorical Data Analysis, 3rd ed., §2.4 / §3.1); unpooled interval.
    - CES (a mean): Welch's t-test with Welch-Satterthwaite degrees of freedom
      (Welch 1947, Biometrika 34:28).
    """
    if before.metric != after.metric:
        raise InvalidInputError(
            f"cannot compare {before.metric} with {after.metric}; compare one metric at a time"
        )
    metric = after.metric
    diff = after.value - before.value
    if before.n == 0 or after.n == 0:
        return ScoreChange(
            metric, before, after, math.nan, math.nan, math.nan, math.nan, False, alpha
        )
    kind = _SPECS[metric].kind if metric in _SPECS else "share"
    df = math.nan
    se = math.hypot(before.std_error, after.std_error)
    if kind == "mean":
        df = _welch_df(before, after)
        crit = float(stats.t.ppf(1 - alpha / 2, df)) if df > 0 else math.nan
        test_se = se
    else:
        crit = NormalDist().inv_cdf(1 - alpha / 2)
        n_a, n_b = before.n, after.n
        p_top = (before.top + after.top) / (n_a + n_b)
        p_bottom = (before.bottom + after.bottom) / (n_a + n_b)
        if kind == "nps":
            pooled_var = p_top + p_bottom - (p_top - p_bottom) ** 2
        else:
            pooled_var = p_top * (1 - p_top)
        test_se = 100.0 * math.sqrt(max(pooled_var, 0.0) * (1 / n_a + 1 / n_b))
    if math.isnan(test_se):  # e.g. a mean from a single answer: no variance to test with
        p_value = math.nan
    elif test_se == 0:
        # No spread at all (every answer alike in each sample): the difference is exact.
        p_value = 1.0 if diff == 0 else 0.0
    elif kind == "mean":
        p_value = float(2 * stats.t.sf(abs(diff) / test_se, df))
    else:
        p_value = math.erfc(abs(diff) / test_se / math.sqrt(2))  # two-sided normal tail
    return ScoreChange(
        metric=metric,
        before=before,
        after=after,
        difference=diff,
        low=diff - crit * se,
        high=diff + crit * se,
        p_value=p_value,
        significant=bool(p_value < alpha),
        alpha=alpha,
    )


# --- proportions -----------------------------------------------------------------------------
def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion, as fractions in [0, 1]
    (Wilson 1927, JASA 22:209; Brown, Cai & DasGupta 2001, eq. 4)."""
    if n <= 0:
        return (math.nan, math.nan)
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def proportion(
    successes: int,
    n: int,
    *,
    metric: str = "share",
    min_n: int = 30,
    confidence: float = 0.95,
) -> Score:
    """A share in percent from counts, with its Wilson interval (``top`` = successes)."""
    if not 0 <= successes <= n:
        raise InvalidInputError(
            f"{metric}: {successes} successes out of {n} is not a proportion; "
            "successes must be between 0 and n"
        )
    if n == 0:
        return Score(math.nan, math.nan, math.nan, 0, metric, min_n, confidence=confidence)
    p = successes / n
    low, high = wilson_interval(successes, n, confidence)
    return Score(
        value=100.0 * p,
        low=100.0 * low,
        high=100.0 * high,
        n=n,
        metric=metric,
        min_n=min_n,
        top=successes,
        bottom=n - successes,
        std_error=100.0 * math.sqrt(p * (1 - p) / n),
        confidence=confidence,
    )


def share(
    table: TableLike,
    column: str,
    *,
    equals: Any = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> Score:
    """The share (percent, Wilson interval) of rows where ``column`` is true, or equals
    ``equals`` when given; rows where ``column`` is null are not counted."""
    t = as_table(table)
    if column not in t.columns:
        raise InvalidInputError(f"no column {column!r}; the table has {sorted(t.columns)}")
    c = t[column]
    if equals is None and not c.type().is_boolean():
        raise InvalidInputError(
            f"column {column!r} is {c.type()}, not true/false; pass equals=<the value to count>"
        )
    hit = c if equals is None else c == equals
    row = (
        t.filter(c.notnull())
        .aggregate(n=c.count(), k=hit.cast("int64").sum())
        .to_pyarrow()
        .to_pylist()[0]
    )
    return proportion(
        row["k"] or 0, row["n"] or 0, metric=column, min_n=min_n, confidence=confidence
    )


# --- internals -------------------------------------------------------------------------------
def low_band(metric: str) -> float:
    """The highest score that counts as a bad answer (a detractor's 6, CSAT 2, CES 3)."""
    return _spec(metric).bottom_to


def _spec(metric: str) -> _Spec:
    if metric not in _SPECS:
        raise InvalidInputError(f"unknown score {metric!r}; use one of {sorted(_SPECS)}")
    return _SPECS[metric]


def _prepare(spec: _Spec, table: Any, score: str, weight: str | None = None) -> ibis.Table:
    """The rows that count: this metric only, non-null scores in column ``_cx_score`` and
    how many answers each row stands for in ``_cx_weight`` (1 without ``weight``)."""
    t = as_table(table)
    if weight is not None and (weight not in t.columns or not t[weight].type().is_integer()):
        raise InvalidInputError(
            f"weight column {weight!r} must be an integer column of the table "
            f"(the number of answers each row stands for); the table has {sorted(t.columns)}"
        )
    if score not in t.columns:
        raise InvalidInputError(
            f"no score column {score!r} for {spec.name}; the table has {sorted(t.columns)}; "
            "pass score=<the column with the answers>"
        )
    s = t[score]
    if not s.type().is_numeric():
        raise InvalidInputError(f"{spec.name}: column {score!r} is {s.type()}, not numbers")
    if "metric" in t.columns and t["metric"].type().is_string():
        t = t.filter(t["metric"] == spec.name)
        s = t[score]
    if s.type().is_floating() and not isinstance(table, ibis.Table):
        # pandas-style NaN means "no answer". Only wrapped DataFrames can hold it (the
        # importers store nulls), and not every engine compiles isnan (SQLite does not).
        s = ibis.ifelse(s.isnan(), ibis.null("float64"), s)
    w = t[weight].cast("int64") if weight is not None else ibis.literal(1, "int64")
    t = t.mutate(**{_SCORE: s.cast("float64"), _WEIGHT: w})
    return t.filter(t[_SCORE].notnull())


def _aggregate(spec: _Spec, t: ibis.Table, keys: list[str]) -> list[dict[str, Any]]:
    """The single aggregation: counts, mean, variance and range checks per group."""
    s, w = t[_SCORE], t[_WEIGHT]
    lo, hi = spec.scale
    # Sums of w, w*s and w*s^2 instead of count/mean/var, so that a table of counts per
    # score value gives the same figures as the answers themselves.
    measures = {
        "_cx_n": w.sum(),
        "_cx_top": ibis.ifelse(s >= spec.top_from, w, 0).sum(),
        "_cx_bottom": ibis.ifelse(s <= spec.bottom_to, w, 0).sum(),
        "_cx_sum": (s * w).sum(),
        "_cx_sum2": (s * s * w).sum(),
        "_cx_outside": ibis.ifelse((s < lo) | (s > hi), w, 0).sum(),
        "_cx_min": s.min(),
        "_cx_max": s.max(),
    }
    expr = t.group_by(keys).aggregate(**measures) if keys else t.aggregate(**measures)
    rows = expr.to_pyarrow().to_pylist()
    for r in rows:
        n = r["_cx_n"] or 0
        r["_cx_mean"] = r["_cx_sum"] / n if n else None
        # Centred on the mean; clipped at 0 because rounding can leave a tiny negative.
        r["_cx_var"] = max(r["_cx_sum2"] - n * r["_cx_mean"] ** 2, 0.0) / (n - 1) if n > 1 else None
    outside = sum(r["_cx_outside"] or 0 for r in rows)
    if outside:
        seen = [r["_cx_min"] for r in rows if r["_cx_min"] is not None]
        seen_max = [r["_cx_max"] for r in rows if r["_cx_max"] is not None]
        raise InvalidInputError(
            f"{spec.name} scores must be from {lo} to {hi}; {outside} row(s) are outside "
            f"(values seen from {min(seen):g} to {max(seen_max):g}); fix or drop those rows "
            "(a 0 that means 'not applicable' should be empty)"
        )
    return rows


def _score_from_row(spec: _Spec, row: dict[str, Any], *, min_n: int, confidence: float) -> Score:
    n = int(row["_cx_n"] or 0)
    top, bottom = int(row["_cx_top"] or 0), int(row["_cx_bottom"] or 0)
    if n == 0:
        return Score(math.nan, math.nan, math.nan, 0, spec.name, min_n, confidence=confidence)
    if spec.kind == "share":
        s = proportion(top, n, metric=spec.name, min_n=min_n, confidence=confidence)
        return Score(
            s.value,
            s.low,
            s.high,
            n,
            spec.name,
            min_n,
            top,
            n - top - bottom,
            bottom,
            s.std_error,
            confidence,
        )
    if spec.kind == "nps":
        p_top, p_bottom = top / n, bottom / n
        value = 100.0 * (p_top - p_bottom)
        se = 100.0 * math.sqrt(max(p_top + p_bottom - (p_top - p_bottom) ** 2, 0.0) / n)
        z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
        low, high = max(-100.0, value - z * se), min(100.0, value + z * se)
    else:  # mean (CES)
        value = float(row["_cx_mean"])
        var = row["_cx_var"]
        se = math.sqrt(var / n) if var is not None and n > 1 else math.nan
        crit = float(stats.t.ppf(1 - (1 - confidence) / 2, n - 1)) if n > 1 else math.nan
        lo, hi = spec.scale
        low, high = max(lo, value - crit * se), min(hi, value + crit * se)
        if math.isnan(se):
            low = high = math.nan
    return Score(
        value, low, high, n, spec.name, min_n, top, n - top - bottom, bottom, se, confidence
    )


def _welch_df(a: Score, b: Score) -> float:
    va, vb = a.std_error**2, b.std_error**2
    denom = (va**2 / (a.n - 1) if a.n > 1 else math.inf) + (
        vb**2 / (b.n - 1) if b.n > 1 else math.inf
    )
    return (va + vb) ** 2 / denom if denom > 0 else math.inf
