"""Each respondent's own scale: a score read against the same person's other answers.

A "9" is generous from someone who gives 6s and routine from someone who gives 10s. Reading
each answer as a deviation from the respondent's own baseline removes that response style
(the "acquiescence" or "scale use" differences of Baumgartner & Steenkamp 2001, Journal of
Marketing Research 38(2):143-156) before comparing touchpoints or units, much as
within-person centring does in multilevel models (Enders & Tofighi 2007, Psychological
Methods 12(2):121-138).

The baseline is leave-one-out: the mean of the respondent's OTHER answers of the metric, so
an answer is never compared with itself (which would shrink every deviation towards zero by
a factor (m-1)/m for someone with m answers). It runs in the engine as window sums over the
respondent: ``(sum over respondent - own score) / (count over respondent - 1)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ibis
from scipy import stats

from cxray.analytics.tables import as_table
from cxray.errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    TableLike = ibis.Table | pd.DataFrame | pa.Table


def relative_to_baseline(
    responses: TableLike,
    *,
    respondent: str = "customer_id",
    metric: str | None = "nps",
    min_answers: int = 3,
    score: str = "score",
) -> Any:
    """The answers of ``metric`` with three columns added: ``answers`` (how many answers
    of the metric the respondent gave), ``baseline`` (the mean of their other answers, only
    when ``answers >= min_answers``, else null) and ``deviation`` (score - baseline).

    Rows with no score or no respondent are left out. If the table has a ``metric`` column,
    only rows of ``metric`` count (pass ``metric=None`` to use every row). Given an Ibis
    table the result is an Ibis table (nothing runs yet); given a DataFrame, a DataFrame.
    """
    if min_answers < 2:
        raise InvalidInputError(
            f"min_answers={min_answers}: a leave-one-out baseline needs at least 2 answers"
        )
    t = _answers(responses, respondent=respondent, metric=metric, score=score)
    s = t["_cx_score"]
    whole = ibis.window(group_by=t[respondent])
    total, count = s.sum().over(whole), s.count().over(whole)
    baseline = ibis.ifelse(
        count >= min_answers, (total - s) / (count - 1).cast("float64"), ibis.null("float64")
    )
    out = t.mutate(answers=count, baseline=baseline)
    out = out.mutate(deviation=out["_cx_score"] - out["baseline"]).drop("_cx_score")
    return out if isinstance(responses, ibis.Table) else out.to_pandas()


def own_scale_summary(
    responses: TableLike,
    *,
    by: str | Sequence[str] = "touchpoint_id",
    respondent: str = "customer_id",
    metric: str | None = "nps",
    min_answers: int = 3,
    score: str = "score",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per group of ``by``: the raw mean score beside the mean deviation from the
    respondents' own baselines, with a Student t interval.

    Columns: the ``by`` column(s); ``n_answers`` and ``mean_score`` over every answer of the
    group; ``n`` (answers that have a baseline), ``mean_deviation``, ``std_error``, ``low``,
    ``high``. A group whose mean deviation is above zero gets better scores than the same
    people give elsewhere, whatever their habit with the scale. The t interval treats the
    deviations as independent; deviations of one person in several groups share data, so
    with few, prolific respondents the interval is somewhat too narrow.
    One aggregation runs on the engine, over the windowed table of :func:`relative_to_baseline`.
    """
    keys = [by] if isinstance(by, str) else list(by)
    t = as_table(responses)
    missing = [k for k in keys if k not in t.columns]
    if missing:
        raise InvalidInputError(
            f"cannot summarise by {missing}: no such column; the table has {sorted(t.columns)}"
        )
    rel = relative_to_baseline(
        t, respondent=respondent, metric=metric, min_answers=min_answers, score=score
    )
    d = rel["deviation"]
    frame = (
        rel.group_by(keys)
        .aggregate(
            n_answers=rel[score].count(),
            mean_score=rel[score].mean(),
            n=d.count(),
            mean_deviation=d.mean(),
            _cx_var=d.var(how="sample"),
        )
        .order_by(keys)
        .to_pandas()
    )
    half = []
    errors = []
    for n, var in zip(frame["n"], frame["_cx_var"], strict=True):
        if n > 1 and var is not None and not math.isnan(var):
            se = math.sqrt(var / n)
            half.append(float(stats.t.ppf(1 - (1 - confidence) / 2, n - 1)) * se)
            errors.append(se)
        else:
            half.append(math.nan)
            errors.append(math.nan)
    frame["std_error"] = errors
    frame["low"] = frame["mean_deviation"] - half
    frame["high"] = frame["mean_deviation"] + half
    return frame.drop(columns="_cx_var")


def _answers(responses: Any, *, respondent: str, metric: str | None, score: str) -> ibis.Table:
    t = as_table(responses)
    for column, what in ((respondent, "respondent"), (score, "score")):
        if column not in t.columns:
            raise InvalidInputError(
                f"no {what} column {column!r}; the table has {sorted(t.columns)}; "
                f"pass {what}=<the column>"
            )
    if not t[score].type().is_numeric():
        raise InvalidInputError(f"column {score!r} is {t[score].type()}, not numbers")
    if metric is not None and "metric" in t.columns:
        t = t.filter(t["metric"] == metric)
    s = t[score].cast("float64")
    if not isinstance(responses, ibis.Table):  # pandas NaN means "no answer"
        s = ibis.ifelse(s.isnan(), ibis.null("float64"), s)
    t = t.mutate(_cx_score=s)
    return t.filter(t["_cx_score"].notnull() & t[respondent].notnull())
