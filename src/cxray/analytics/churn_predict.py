"""Do scores predict churn? AUC of the last score before churn, and loyal-looking churners.

Imported by :mod:`cxray.analytics.churn`, which is the public home of these functions.

Both functions read the canonical ``responses`` (customer_id, at, metric, score, and the
grouping column if it is a response attribute such as ``touchpoint_id``) and ``customers``
(customer_id, churned_at, and the grouping column if it is a customer attribute such as
``segment``) tables, as Ibis tables or anything :func:`ibis.memtable` takes.

A note on dates: ``churned_at`` is the date the data records churn. Many companies (and the
demo) date churn at the end of an inactivity period ("no visit for 180 days"), so the
customer's last contact lies that long before ``churned_at``: choose horizons and windows
longer than that period, or nothing can fall inside them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.stats import rankdata

from cxray.analytics.results import Score
from cxray.analytics.scores import proportion
from cxray.analytics.tables import as_table
from cxray.errors import InvalidInputError

if TYPE_CHECKING:
    import ibis
    import pandas as pd
    import pyarrow as pa

    TableLike = ibis.Table | pd.DataFrame | pa.Table

ALL = "all"  # the group key of a figure over everyone (no ``by``)


@dataclass(frozen=True, slots=True)
class PredictiveResult:
    """How well a score ranks customers by churn within ``horizon_days``: the AUC (= the
    concordance, Harrell's C for a binary outcome) of *minus* the score, so 1.0 means every
    churner scored lower than every customer who stayed and 0.5 means the score says nothing.

    ``n`` customers (their last answer at least ``horizon_days`` before ``as_of``), ``events``
    of whom churned within the horizon. With fewer than ``min_n`` customers the AUC is still
    given but :attr:`reliable` is ``False``; without both churners and stayers it is NaN and
    ``note`` says why.
    """

    group: Any
    horizon_days: int
    metric: str
    value: float
    low: float
    high: float
    std_error: float
    n: int
    events: int
    as_of: date
    min_n: int = 30
    confidence: float = 0.95
    note: str = ""

    @property
    def reliable(self) -> bool:
        return self.n >= self.min_n and 0 < self.events < self.n and not math.isnan(self.value)

    def as_dict(self) -> dict[str, Any]:
        out = {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in asdict(self).items()
        }
        out["as_of"] = self.as_of.isoformat()
        out["reliable"] = self.reliable
        return out


def score_predicts_churn(
    responses: TableLike,
    customers: TableLike,
    *,
    horizons: Sequence[int] = (90, 180),
    by: str | None = None,
    metric: str | None = "nps",
    as_of: date | None = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> list[PredictiveResult]:
    """For each horizon h and group: does a low last score come before churn within h days?

    Per customer (and per ``by`` value when ``by`` is a response column, e.g.
    ``touchpoint_id``) take their LAST answer of ``metric`` dated at least h days before
    ``as_of`` (so the h days after it are fully observed), and mark it a churn when
    ``churned_at`` falls within h days after it. Answers after ``churned_at`` are left out
    (a customer cannot answer after leaving; such rows are a data problem).

    The AUC and its interval follow DeLong, DeLong & Clarke-Pearson (1988, Biometrics 44:837)
    with the midrank algorithm of Sun & Xu (2014, IEEE SPL 21:1389); ties count one half.
    The normal interval is clipped to [0, 1].

    ``metric=None`` takes every metric, for ``by="touchpoint_id"`` where each touchpoint has
    its own (CES after booking, CSAT at reception); a group mixing metrics is an error.
    ``as_of`` defaults to the latest answer or churn date in the data. Results come sorted by
    horizon, then group.
    """
    import ibis
    import pandas as pd

    r, c = as_table(responses), as_table(customers)
    by_in_responses = _check_columns(r, c, ["customer_id", "at", "score"], by)
    r = _answers(r, metric)
    as_of = as_of or _latest_date(r, c)
    keys = ["customer_id"] + ([by] if by and by_in_responses else [])
    customer_cols = ["customer_id", "churned_at"] + ([by] if by and not by_in_responses else [])
    people = c.select(*customer_cols)
    parts = []
    for h in sorted({int(h) for h in horizons}):
        if h <= 0:
            raise InvalidInputError(f"horizons are days after the answer and must be > 0, got {h}")
        old_enough = r.filter(r["at"].cast("date") <= ibis.literal(as_of - timedelta(days=h)))
        last = old_enough.group_by(keys).aggregate(
            _cx_at=old_enough["at"].max(),
            _cx_score=old_enough["_cx_score"].argmax(old_enough["at"]),
            _cx_metric=old_enough["metric"].argmax(old_enough["at"]),
        )
        parts.append(last.join(people, "customer_id").mutate(_cx_h=ibis.literal(h, type="int32")))
    if not parts:
        raise InvalidInputError("pass at least one horizon in days, e.g. horizons=(90, 180)")
    rows = ibis.union(*parts).to_pandas()  # one query for every horizon

    answered = pd.to_datetime(rows["_cx_at"]).dt.normalize()
    churned = pd.to_datetime(rows["churned_at"])
    days = (churned - answered).dt.days  # NaN for customers who have not churned
    rows = rows[~(days < 0)]  # answers after churn: see the docstring
    days = days[rows.index]
    rows = rows.assign(_cx_event=(days <= rows["_cx_h"]).fillna(False).astype(bool))
    group_col = by if by else "_cx_group"
    if not by:
        rows[group_col] = ALL
    results = []
    for (h, group), part in rows.groupby(["_cx_h", group_col], sort=True, dropna=False):
        metrics = part["_cx_metric"].dropna().unique()
        if len(metrics) > 1:
            raise InvalidInputError(
                f"group {group!r} mixes metrics {sorted(metrics)}; an AUC needs one scale: "
                "pass metric=<one of them> or group by a column that separates them"
            )
        name = metric or (str(metrics[0]) if len(metrics) else "score")
        results.append(
            _predictive(
                group,
                int(h),
                name,
                part["_cx_score"].to_numpy(float),
                part["_cx_event"].to_numpy(bool),
                as_of,
                min_n,
                confidence,
            )
        )
    return results


def loyal_looking_churners(
    responses: TableLike,
    customers: TableLike,
    *,
    window_days: int = 90,
    by: str | None = None,
    metric: str = "nps",
    promoter_from: float = 9,
    min_n: int = 30,
    confidence: float = 0.95,
) -> Score | dict[Any, Score]:
    """The share of churners whose last ``metric`` answer in the ``window_days`` before
    ``churned_at`` was a promoter's (9-10 on NPS): customers who looked loyal and left anyway.

    ``n`` counts the churners with at least one such answer in the window (a churner who did
    not answer tells nothing about how they looked); ``top`` counts the loyal-looking ones.
    The share is in percent with a Wilson interval (see :func:`~cxray.analytics.scores.proportion`).
    Without ``by`` one :class:`~cxray.analytics.results.Score`, with it ``{group: Score}``.
    """
    import ibis

    if window_days <= 0:
        raise InvalidInputError(f"window_days must be > 0, got {window_days}")
    r, c = as_table(responses), as_table(customers)
    by_in_responses = _check_columns(r, c, ["customer_id", "at", "score"], by)
    r = _answers(r, metric)
    churners = c.filter(c["churned_at"].notnull())
    churners = churners.select(
        "customer_id", "churned_at", *([by] if by and not by_in_responses else [])
    )
    j = r.join(churners, "customer_id")
    answered = j["at"].cast("date")
    start = j["churned_at"] - ibis.interval(days=int(window_days))
    j = j.filter((answered >= start) & (answered <= j["churned_at"]))
    per_customer = j.group_by(["customer_id"] + ([by] if by else [])).aggregate(
        _cx_last=j["_cx_score"].argmax(j["at"])
    )
    loyal = (per_customer["_cx_last"] >= promoter_from).cast("int64")
    measures = {"_cx_n": per_customer.count(), "_cx_k": loyal.sum()}
    expr = (
        per_customer.group_by(by).aggregate(**measures)
        if by
        else per_customer.aggregate(**measures)
    )
    rows = expr.to_pyarrow().to_pylist()
    name = "loyal_looking_churners"

    def score(row: dict[str, Any]) -> Score:
        return proportion(
            int(row["_cx_k"] or 0),
            int(row["_cx_n"] or 0),
            metric=name,
            min_n=min_n,
            confidence=confidence,
        )

    if not by:
        return score(rows[0]) if rows else proportion(0, 0, metric=name, min_n=min_n)
    rows.sort(key=lambda row: (row[by] is None, row[by]))
    return {row[by]: score(row) for row in rows}


# --- internals ---------------------------------------------------------------------------------
def _check_columns(r: ibis.Table, c: ibis.Table, needed: list[str], by: str | None) -> bool:
    """Check the columns; return whether ``by`` is a response column (else a customer one)."""
    missing = [k for k in needed if k not in r.columns]
    if missing:
        raise InvalidInputError(
            f"responses: no column(s) {missing}; the table has {sorted(r.columns)}"
        )
    missing = [k for k in ("customer_id", "churned_at") if k not in c.columns]
    if missing:
        raise InvalidInputError(
            f"customers: no column(s) {missing}; the table has {sorted(c.columns)}; churned_at "
            "is the date a customer churned (null while they are a customer)"
        )
    if not c["churned_at"].type().is_temporal():
        raise InvalidInputError(
            f"customers.churned_at is {c['churned_at'].type()}, not a date; convert it first"
        )
    if by is None:
        return False
    if by in r.columns:
        return True
    if by in c.columns:
        return False
    raise InvalidInputError(
        f"cannot group by {by!r}: it is neither a responses column ({sorted(r.columns)}) "
        f"nor a customers column ({sorted(c.columns)})"
    )


def _answers(r: ibis.Table, metric: str | None) -> ibis.Table:
    """The scored answers of ``metric`` (all metrics for None) with customer and date, the
    score in ``_cx_score`` as float (NaN from pandas counts as no answer)."""
    import ibis

    if metric is not None and "metric" in r.columns:
        r = r.filter(r["metric"] == metric)
    if "metric" not in r.columns:
        r = r.mutate(metric=ibis.literal(metric or "score"))
    s = r["score"].cast("float64")
    s = ibis.ifelse(s.isnan(), ibis.null("float64"), s)
    r = r.mutate(_cx_score=s)
    return r.filter(r["customer_id"].notnull() & r["at"].notnull() & r["_cx_score"].notnull())


def _latest_date(r: ibis.Table, c: ibis.Table) -> date:
    last_answer = r["at"].max().to_pyarrow().as_py()
    last_churn = c["churned_at"].max().to_pyarrow().as_py()
    found = [d.date() if isinstance(d, datetime) else d for d in (last_answer, last_churn) if d]
    if not found:
        raise InvalidInputError("no dated answers or churns; pass as_of=<the data's end date>")
    return max(found)


def _predictive(
    group: Any,
    horizon: int,
    metric: str,
    score: np.ndarray,
    event: np.ndarray,
    as_of: date,
    min_n: int,
    confidence: float,
) -> PredictiveResult:
    n, k = len(score), int(event.sum())
    common = {"group": group, "horizon_days": horizon, "metric": metric, "n": n, "events": k}
    common.update(as_of=as_of, min_n=min_n, confidence=confidence)
    if k == 0 or k == n:
        what = "no churn" if k == 0 else "no customer who stayed"
        return PredictiveResult(
            value=math.nan,
            low=math.nan,
            high=math.nan,
            std_error=math.nan,
            note=f"insufficient data: {what} within {horizon} days among {n} customers",
            **common,
        )
    auc, se = _delong_auc(-score, event)
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    note = "" if n >= min_n else f"insufficient data: {n} customers, fewer than {min_n}"
    return PredictiveResult(
        value=auc,
        low=max(0.0, auc - z * se),
        high=min(1.0, auc + z * se),
        std_error=se,
        note=note,
        **common,
    )


def _delong_auc(predictor: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """AUC of ``predictor`` for ``positive`` and its DeLong standard error (Sun & Xu 2014):
    with midranks R, the placement values are ``V10_i = (R(x_i) - R_x(x_i)) / n`` for the
    m positives and ``V01_j = 1 - (R(y_j) - R_y(y_j)) / m`` for the n negatives, and
    ``var = s2(V10) / m + s2(V01) / n``."""
    x, y = predictor[positive], predictor[~positive]
    m, n = len(x), len(y)
    combined = rankdata(np.concatenate([x, y]))
    v10 = (combined[:m] - rankdata(x)) / n
    v01 = 1.0 - (combined[m:] - rankdata(y)) / m
    auc = float(v10.mean())
    var = (v10.var(ddof=1) / m if m > 1 else 0.0) + (v01.var(ddof=1) / n if n > 1 else 0.0)
    return auc, math.sqrt(var)
