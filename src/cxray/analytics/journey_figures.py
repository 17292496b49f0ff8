"""Live figures per touchpoint of a journey map, computed from the store, never typed in.

For each touchpoint code (one grouped query per figure, for all touchpoints at once):

- **reach**: distinct customers with an interaction at the touchpoint;
- **scores**: NPS, CSAT and CES of the answers given about it (:mod:`scores`), with n and
  interval; ``primary`` is the metric with the most answers;
- **expectation gap**: experienced minus expected, from paired survey items about the
  touchpoint (``metric = "custom"`` rows whose ``survey_id`` ends in ``expected`` and
  ``experienced``, same customer), with a paired t interval; ``None`` = not measured;
- **churn within 90 days**: of the customers whose last interaction there lies at least
  90 days before ``as_of`` (a full window to watch), the share whose churn date falls in
  the 90 days after it, with a Wilson interval; churn dates are moved back by the
  workspace's churn lag (:func:`cxray.analytics.reports.customers_left_on`);
- **revenue at risk**: :func:`cxray.analytics.money.value_at_risk` over the customers whose
  latest score there is low (not churned yet), valued at their revenue of the last 365
  days, times the touchpoint's 90-day churn share (the interval is the bootstrap interval of
  the revenue, scaled the same way: the churn share's own uncertainty is not in it);
- **themes**: the top comment themes with quotes (:mod:`text_report`).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import ibis
import ibis.expr.operations as ops
import pandas as pd
import pyarrow as pa
from scipy import stats

from cxray.analytics import scores
from cxray.analytics.money import _value_at_risk_blocks, _value_at_risk_frame
from cxray.analytics.reports import customers_left_on
from cxray.analytics.results import Score
from cxray.analytics.text_report import ThemeFigure, _themes
from cxray.errors import InvalidInputError

METRICS = ("nps", "csat", "ces")
WINDOW_DAYS = 90
MEASURED, PARTLY, ASSUMED = "measured", "partly", "assumed"


class Source(Protocol):
    def table(self, name: str, workspace: str) -> ibis.Table: ...


@dataclass(frozen=True)
class Gap:
    """Experienced minus expected (points of the items' scale) over ``n`` paired answers."""

    value: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": _num(self.value),
            "low": _num(self.low),
            "high": _num(self.high),
            "n": self.n,
        }


@dataclass(frozen=True)
class Money:
    value: float
    low: float
    high: float
    n: int  # customers with a low latest score and a revenue

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": _num(self.value),
            "low": _num(self.low),
            "high": _num(self.high),
            "n": self.n,
        }


@dataclass(frozen=True)
class TouchpointFigures:
    touchpoint: str
    reach: int = 0
    scores: dict[str, Score] = field(default_factory=dict)
    expectation_gap: Gap | None = None
    churn: Score | None = None  # share churned within 90 days, percent
    revenue_at_risk: Money | None = None
    themes: list[ThemeFigure] = field(default_factory=list)
    min_n: int = 30

    @property
    def primary(self) -> Score | None:
        """The score with the most answers (the touchpoint's own survey)."""
        found = [s for s in self.scores.values() if s.n]
        return max(found, key=lambda s: s.n) if found else None

    @property
    def evidence(self) -> str:
        """measured: reached, scored on enough answers and its churn watched; partly: some
        of that; assumed: no data at all."""
        primary = self.primary
        checks = [self.reach > 0, primary is not None and primary.reliable, self.churn is not None]
        if all(checks):
            return MEASURED
        if self.reach > 0 or primary is not None:
            return PARTLY
        return ASSUMED

    def as_dict(self) -> dict[str, Any]:
        return {
            "touchpoint": self.touchpoint,
            "evidence": self.evidence,
            "reach": self.reach,
            "scores": {m: s.as_dict() for m, s in self.scores.items()},
            "primary": self.primary.metric if self.primary else None,
            "expectation_gap": self.expectation_gap.as_dict() if self.expectation_gap else None,
            "churn_90d": self.churn.as_dict() if self.churn else None,
            "revenue_at_risk": self.revenue_at_risk.as_dict() if self.revenue_at_risk else None,
            "themes": [
                {
                    "theme": t.theme,
                    "mentions": t.mentions,
                    "negative_share": t.negative_share,
                    "quotes": [
                        {"text": q[0], "language": q[1], "sentiment": q[2]} for q in t.quotes
                    ],
                }
                for t in self.themes
            ],
        }


def touchpoint_figures(
    source: Source,
    workspace: str,
    codes: list[str],
    *,
    as_of: date | None = None,
    churn_lag_days: int = 0,
    min_n: int = 30,
    top_themes: int = 3,
    quotes: int = 2,
) -> dict[str, TouchpointFigures]:
    """The figures of each touchpoint in ``codes`` (see the module docstring)."""
    codes = list(dict.fromkeys(c for c in codes if c))
    if not codes:
        return {}
    source = _Tables(source)
    interactions = source.table("interactions", workspace)
    interactions = interactions.filter(interactions.touchpoint_id.isin(codes))
    responses = source.table("responses", workspace)
    responses = responses.filter(responses.touchpoint_id.isin(codes))
    if as_of is None:
        as_of = _last_day(source, workspace)
    # Few queries, each for all touchpoints: on a busy server compiling a query costs as much
    # as running it, so reach and churn share one and the scores come from one count table.
    reach, churn = _reach_and_churn(source, workspace, interactions, as_of, churn_lag_days, min_n)
    by_metric, has_items = _scores(responses, min_n)
    gaps = _gaps(responses) if has_items else {}
    primary = {
        code: max(found, key=lambda m: found[m].n)
        for code in codes
        if (found := {m: s[code] for m, s in by_metric.items() if code in s and s[code].n})
    }
    money = _revenue_at_risk(source, workspace, responses, churn, primary, as_of)
    themes = _themes_by_touchpoint(source, workspace, responses, top_themes, quotes)
    return {
        code: TouchpointFigures(
            touchpoint=code,
            reach=reach.get(code, 0),
            scores={m: s[code] for m, s in by_metric.items() if code in s},
            expectation_gap=gaps.get(code),
            churn=churn.get(code),
            revenue_at_risk=money.get(code),
            themes=themes.get(code, []),
            min_n=min_n,
        )
        for code in codes
    }


class _Tables:
    """``source`` with each table built once per map: building one asks DuckDB for its
    columns, and the same one also makes the same expression (a hit in the SQL kept)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.built: dict[tuple[str, str], ibis.Table] = {}

    def table(self, name: str, workspace: str) -> ibis.Table:
        key = (name, workspace)
        if key not in self.built:
            self.built[key] = self.source.table(name, workspace)
        return self.built[key]


# --- the figures -----------------------------------------------------------------------------
def _last_day(source: Source, workspace: str) -> date:
    """The last day with an interaction: churn windows must end by then to be watched."""
    t = source.table("interactions", workspace)
    last = _arrow(t.aggregate(last=t.at.max())).column("last")[0].as_py()
    return pd.Timestamp(last).date() if last is not None and not pd.isna(last) else date.today()


def _reach_and_churn(
    source: Source,
    workspace: str,
    interactions: ibis.Table,
    as_of: date,
    churn_lag_days: int,
    min_n: int,
) -> tuple[dict[str, int], dict[str, Score]]:
    """Reach, and the share churned within 90 days after the last interaction, per
    touchpoint; churn is not measured (empty) when no reached customer has a churn date."""
    t = interactions.filter(interactions.customer_id.notnull())
    last = t.group_by(["touchpoint_id", "customer_id"]).aggregate(last_at=t.at.max())
    customers = customers_left_on(source, workspace, churn_lag_days)
    c = customers.select("customer_id", "churned_at")
    j = last.left_join(c, last.customer_id == c.customer_id)
    cutoff = datetime.combine(as_of - timedelta(days=WINDOW_DAYS), datetime.max.time())
    j = j.cross_join(_bounds(cutoff=cutoff))
    watched = j.last_at <= j.cutoff
    day = j.last_at.cast("date")
    hit = (
        watched
        & j.churned_at.notnull()
        & (j.churned_at >= day)
        & (j.churned_at <= day + ibis.interval(days=WINDOW_DAYS))
    )
    rows = j.group_by("touchpoint_id").aggregate(
        reach=j.count(),
        n=watched.cast("int64").sum(),
        k=hit.cast("int64").sum(),
        dated=j.churned_at.notnull().cast("int64").sum(),
    )
    rows = _arrow(rows).to_pylist()
    reach = {r["touchpoint_id"]: int(r["reach"]) for r in rows}
    if not sum(int(r["dated"] or 0) for r in rows):
        return reach, {}  # no churn dates: churn after a touchpoint cannot be measured
    churn = {
        r["touchpoint_id"]: scores.proportion(
            int(r["k"] or 0), int(r["n"]), metric="churn_90d", min_n=min_n
        )
        for r in rows
        if r["n"]
    }
    return reach, churn


def _scores(responses: ibis.Table, min_n: int) -> tuple[dict[str, dict[str, Score]], bool]:
    """NPS, CSAT and CES per touchpoint from one table of answer counts, with the formulas
    and intervals of :mod:`cxray.analytics.scores`; also whether expectation items exist."""
    r = responses.filter(responses.score.notnull())
    item = r.survey_id.endswith("expected") | r.survey_id.endswith("experienced")
    r = r.filter(r.metric.isin(METRICS) | ((r.metric == "custom") & item.fill_null(False)))
    counts = _arrow(
        r.group_by(["touchpoint_id", "metric", "score"]).aggregate(k=r.count())
    ).to_pandas()
    has_items = bool((counts["metric"] == "custom").any()) if len(counts) else False
    out: dict[str, dict[str, Score]] = {}
    for (metric, code), g in counts[counts["metric"].isin(METRICS)].groupby(
        ["metric", "touchpoint_id"]
    ):
        out.setdefault(str(metric), {})[str(code)] = _score_from_counts(
            str(metric), dict(zip(g["score"], g["k"], strict=True)), min_n=min_n
        )
    return out, has_items


def _score_from_counts(metric: str, counts: dict[float, int], *, min_n: int) -> Score:
    """The score of answers given as {value: how many}, through the same arithmetic as
    :func:`cxray.analytics.scores.score_of` (its row of counts, mean and variance)."""
    spec = scores._spec(metric)
    lo, hi = spec.scale
    outside = {v: k for v, k in counts.items() if v < lo or v > hi}
    if outside:
        raise InvalidInputError(
            f"{metric} scores must be from {lo} to {hi}; {sum(outside.values())} answer(s) "
            f"are outside (values {sorted(outside)}); fix or drop those rows"
        )
    n = sum(counts.values())
    mean = sum(v * k for v, k in counts.items()) / n
    var = sum(k * (v - mean) ** 2 for v, k in counts.items()) / (n - 1) if n > 1 else None
    row = {
        "_cx_n": n,
        "_cx_top": sum(k for v, k in counts.items() if v >= spec.top_from),
        "_cx_bottom": sum(k for v, k in counts.items() if v <= spec.bottom_to),
        "_cx_mean": mean,
        "_cx_var": var,
    }
    return scores._score_from_row(spec, row, min_n=min_n, confidence=0.95)


def _gaps(responses: ibis.Table) -> dict[str, Gap]:
    items = responses.filter(
        (responses.metric == "custom")
        & responses.score.notnull()
        & responses.customer_id.notnull()
        & (responses.survey_id.endswith("expected") | responses.survey_id.endswith("experienced"))
    )
    kind = ibis.ifelse(items.survey_id.endswith("experienced"), "experienced", "expected")
    items = items.mutate(kind=kind)
    frame = _arrow(
        items.group_by(["touchpoint_id", "customer_id", "kind"]).aggregate(score=items.score.mean())
    ).to_pandas()
    if frame.empty:
        return {}
    wide = frame.pivot_table(
        index=["touchpoint_id", "customer_id"], columns="kind", values="score"
    ).dropna()
    if "expected" not in wide or "experienced" not in wide:
        return {}
    wide["gap"] = wide["experienced"] - wide["expected"]
    out = {}
    for code, g in wide.groupby(level="touchpoint_id"):
        d = g["gap"].to_numpy(dtype=float)
        n = len(d)
        mean = float(d.mean())
        if n > 1:
            half = float(stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / math.sqrt(n))
        else:
            half = math.nan
        out[str(code)] = Gap(mean, mean - half, mean + half, n)
    return out


def _revenue_at_risk(
    source: Source,
    workspace: str,
    responses: ibis.Table,
    churn: dict[str, Score],
    primary: dict[str, str],
    as_of: date,
) -> dict[str, Money]:
    """Per touchpoint, on its primary metric's definition of a low score (see the module)."""
    priced = {code: m for code, m in primary.items() if code in churn and churn[code].n}
    if not priced:
        return {}
    tx = source.table("transactions", workspace)
    since = datetime.combine(as_of - timedelta(days=365), datetime.max.time())
    until = datetime.combine(as_of, datetime.max.time())
    tx = tx.cross_join(_bounds(since=since, until=until))
    recent = tx.filter((tx.at > tx.since) & (tx.at <= tx.until) & tx.customer_id.notnull())
    revenue = recent.group_by("customer_id").aggregate(clv=recent.amount.sum())
    customers = source.table("customers", workspace).select("customer_id", "churned")
    # One value_at_risk over every touchpoint: each answer is first marked low or not by its
    # own touchpoint's metric (0 = low, 10 = not), then read as NPS, whose low is <= 6. Which
    # metric each touchpoint is priced on is a table, not literals in the SQL, so that the
    # compiled query serves again when the data changes.
    own = ibis.memtable(
        pa.table(
            {
                "touchpoint_id": pa.array(list(priced), pa.string()),
                "metric": pa.array(list(priced.values()), pa.string()),
                "bottom_to": pa.array(
                    [float(scores._spec(m).bottom_to) for m in priced.values()], pa.float64()
                ),
            }
        )
    )
    r = responses.filter(responses.score.notnull())
    r = r.join(own, ["touchpoint_id", "metric"])
    r = r.mutate(score=ibis.ifelse(r.score <= r.bottom_to, 0.0, 10.0), metric=ibis.literal("nps"))
    by = "touchpoint_id"
    blocks = _value_at_risk_blocks(
        r,
        customers,
        revenue,
        1.0,
        by=by,
        low_score_threshold=None,
        metric="nps",
        customer="customer_id",
        score="score",
        at="at",
        clv_column="clv",
        p_column="p",
    )
    # value_at_risk(..., n_boot=200), with its query run through the kept SQL. The blocks
    # are put in a fixed order first: the bootstrap draws follow the rows' order, which
    # DuckDB does not promise, so the same data always gives the same interval.
    per_block = _frame(blocks).sort_values([by, "_cx_block"], kind="stable", ignore_index=True)
    frame = _value_at_risk_frame(per_block, by=by, n_boot=200, seed=0, confidence=0.95)
    out: dict[str, Money] = {}
    for row in frame.to_dict("records"):
        p = churn[row["touchpoint_id"]].value / 100
        out[row["touchpoint_id"]] = Money(
            value=p * row["clv_at_risk"], low=p * row["low"], high=p * row["high"], n=int(row["n"])
        )
    return out


def _themes_by_touchpoint(
    source: Source, workspace: str, responses: ibis.Table, top: int, quotes: int
) -> dict[str, list[ThemeFigure]]:
    texts = source.table("response_texts", workspace)
    texts = texts.filter(texts.field == "comment")
    joined = texts.join(
        responses.select("row_key", "touchpoint_id", "at", "score", "scale_max"),
        texts.response_key == responses.row_key,
    )
    frame = _arrow(
        joined.select(
            "touchpoint_id",
            "language",
            "sentiment",
            "sentiment_score",
            "themes",
            "masked",
            "at",
            "score",
            "scale_max",
        )
    ).to_pandas()
    if frame.empty:
        return {}
    frame["score10"] = frame["score"] / frame["scale_max"].clip(lower=1) * 10
    frame["month"] = pd.to_datetime(frame["at"]).dt.strftime("%Y-%m")
    return {
        str(code): _themes(g.reset_index(drop=True), quotes)[:top]
        for code, g in frame.groupby("touchpoint_id")
    }


def _bounds(**values: datetime) -> ibis.Table:
    """One row of timestamps to compare with: as data, not as literals in the SQL, so that
    the compiled query serves again on the next day's data."""
    return ibis.memtable(
        pa.table({k: pa.array([v], pa.timestamp("us")) for k, v in values.items()})
    )


_SQL_CACHE: dict[Any, tuple[str, tuple[str, ...]]] = {}
_SQL_CACHE_SIZE = 256
_MEM = "_cx_journey_mem_{}_"  # stands for the i-th in-memory table in a cached query


def _arrow(expr: ibis.Table) -> pa.Table:
    """Run ``expr``. On DuckDB the compiled SQL is kept per expression: compiling (Ibis and
    sqlglot, pure Python) costs more than DuckDB takes to run these queries, and a map opened
    again, or after an import, asks the same questions of new data.

    In-memory tables (the protected employee answers, the window bounds) get new names on
    every call, so the key and the kept SQL use a placeholder for each, by position; the
    run puts the name of its copy of the table in.
    """
    backend = expr._find_backend()
    if getattr(backend, "name", "") != "duckdb":
        return expr.to_pyarrow()
    from ibis.backends.duckdb.converter import DuckDBPyArrowData

    op = expr.op()
    mems = list(dict.fromkeys(op.find(ops.InMemoryTable)))
    key = (
        op.replace({m: ops.UnboundTable(_MEM.format(i), m.schema) for i, m in enumerate(mems)})
        if mems
        else op
    )
    found = _SQL_CACHE.get(key)
    if found is None:
        sql = str(ibis.to_sql(key.to_expr(), dialect="duckdb"))
        found = (sql, tuple(f'"{_MEM.format(i)}"' for i in range(len(mems))))
        if len(_SQL_CACHE) >= _SQL_CACHE_SIZE:
            _SQL_CACHE.pop(next(iter(_SQL_CACHE)))
        _SQL_CACHE[key] = found
    sql, placeholders = found
    if any(p not in sql for p in placeholders):  # quoted some other way: compile afresh
        return expr.to_pyarrow()
    # Each in-memory table is copied into a temporary DuckDB table for the run: DuckDB (1.5)
    # cannot push its join filters into a scan of Arrow data ("BLOOM_FILTER ... not
    # supported in PyArrow Scans"), which the comments' join met with the employee rows.
    names = [f"_cx_jm_{uuid.uuid4().hex}" for _ in mems]
    con = backend.con
    try:
        for name, m in zip(names, mems, strict=True):
            con.register(name + "_src", m.data.to_pyarrow(m.schema))
            con.execute(f'CREATE TEMP TABLE "{name}" AS SELECT * FROM "{name}_src"')
            con.unregister(name + "_src")
        for placeholder, name in zip(placeholders, names, strict=True):
            sql = sql.replace(placeholder, f'"{name}"')
        result = con.execute(sql)
        fetch = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table
        table = fetch()
    finally:
        for name in names:
            con.execute(f'DROP TABLE IF EXISTS "{name}"')
    # The same types Ibis would give (DuckDB sums of integers are 128-bit, for one).
    return expr.__pyarrow_result__(table, data_mapper=DuckDBPyArrowData)


def _frame(expr: ibis.Table) -> pd.DataFrame:
    """``expr`` as the same data frame as ``expr.to_pandas()``, through :func:`_arrow`."""
    if getattr(expr._find_backend(), "name", "") != "duckdb":
        return expr.to_pandas()
    from ibis.backends.duckdb.converter import DuckDBPandasData

    table = _arrow(expr)
    df = pd.DataFrame(
        {
            name: col.to_pylist()
            if pa.types.is_nested(col.type) or pa.types.is_dictionary(col.type) or col.null_count
            else col.to_pandas()
            for name, col in zip(table.column_names, table.columns, strict=True)
        }
    )
    return expr.__pandas_result__(DuckDBPandasData.convert_table(df, expr.schema()))


def _num(v: float) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v
