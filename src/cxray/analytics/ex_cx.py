"""Employee experience beside customer experience (seed 000: to know how customer-oriented a
company is, look at how it treats its employees).

- :func:`ex_cx_by_unit`: per unit (rolled up to one level of the org chart), eNPS from the
  protected employee cells (:mod:`cxray.analytics.anonymity`) beside customer NPS.
- :func:`correlation`: Pearson's r across units with the Fisher z interval
  (Fisher 1921, Metron 1:3: ``atanh(r) ± z / sqrt(n - 3)``).
- :func:`lagged_pairs`: eNPS of a unit in one quarter against its customer NPS in the next.
- :func:`outcome_by`: an employee outcome (left, yes/no) by the level of a survey item, with
  Wilson intervals: the employee-side check that satisfaction predicts staying.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from cxray.analytics.anonymity import wave_start
from cxray.analytics.results import Score
from cxray.analytics.scores import proportion, score_by
from cxray.analytics.tables import as_table
from cxray.errors import InvalidInputError

if TYPE_CHECKING:
    import pyarrow as pa

    TableLike = ibis.Table | pd.DataFrame | pa.Table


@dataclass(frozen=True, slots=True)
class UnitPair:
    unit_id: str
    enps: Score
    nps: Score

    def as_dict(self) -> dict[str, Any]:
        return {"unit_id": self.unit_id, "enps": self.enps.as_dict(), "nps": self.nps.as_dict()}


@dataclass(frozen=True, slots=True)
class Correlation:
    """Pearson's r over ``n`` pairs with its Fisher-z interval; NaN below 4 pairs."""

    r: float
    low: float
    high: float
    n: int
    confidence: float = 0.95

    def as_dict(self) -> dict[str, Any]:
        def num(v: float) -> float | None:
            return None if math.isnan(v) else round(v, 4)

        return {"r": num(self.r), "low": num(self.low), "high": num(self.high), "n": self.n,
                "confidence": self.confidence}  # fmt: skip


def unit_at_level(units: TableLike, level: str) -> dict[str, str]:
    """Each unit mapped to its ancestor (or itself) of kind ``level``; units above that level
    map to themselves."""
    u = as_table(units).select("unit_id", "parent_id", "kind").to_pandas()
    parent = dict(zip(u["unit_id"], u["parent_id"], strict=True))
    kind = dict(zip(u["unit_id"], u["kind"], strict=True))
    if level not in set(kind.values()):
        raise InvalidInputError(
            f"no unit of level {level!r}; the org chart has {sorted(set(kind.values()))}"
        )
    out: dict[str, str] = {}
    for unit in parent:
        cur, seen = unit, set()
        while cur is not None and kind.get(cur) != level and cur not in seen:
            seen.add(cur)
            cur = parent.get(cur) if isinstance(parent.get(cur), str) else None
        out[unit] = cur if cur is not None else unit
    return out


def ex_cx_by_unit(
    employee_cells: pd.DataFrame,
    customer_responses: TableLike,
    units: TableLike,
    *,
    level: str = "branch",
    min_n: int = 30,
) -> list[UnitPair]:
    """eNPS (``employee_cells``: protected rows, metric ``enps``, ``unit_id`` = the cell's
    unit) and customer NPS per unit of ``level``; units with answers on both sides only."""
    e, c = _grouped(employee_cells, customer_responses, unit_at_level(units, level))
    return _unit_pairs(e, c, min_n)


def ex_cx_overview(
    employee_cells: pd.DataFrame,
    customer_responses: TableLike,
    units: TableLike,
    *,
    level: str = "branch",
    min_n: int = 30,
) -> tuple[list[UnitPair], list[LaggedPair]]:
    """:func:`ex_cx_by_unit` and :func:`lagged_pairs` together, reading the org chart and
    counting the customers' answers once for both."""
    e, c = _grouped(employee_cells, customer_responses, unit_at_level(units, level))
    if e.empty or c.empty:
        return _unit_pairs(e, c, min_n), _lagged(e, c, min_n)
    # One aggregation per side for both groupings instead of one per grouping.
    both = {"unit": ["group"], "quarter": ["group", "q"]}
    ex = score_by_many("enps", e, both, weight="n", min_n=min_n)
    cx = score_by_many("nps", c, both, weight="n", min_n=min_n)
    return (
        _unit_pairs(e, c, min_n, ex["unit"], cx["unit"]),
        _lagged(e, c, min_n, ex["quarter"], cx["quarter"]),
    )


def _grouped(
    employee_cells: pd.DataFrame, customer_responses: TableLike, to_level: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Employees' eNPS rows and customers' NPS counts, each with its unit at the level
    (``group``) and quarter (``q``)."""
    e = employee_cells[employee_cells["metric"] == "enps"]
    e = e.assign(group=e["unit_id"].map(lambda x: to_level.get(x, x)), n=1)
    if "at" in e.columns:  # the quarter is needed by the lagged pairs only
        e = e.assign(q=[wave_start(v) for v in pd.to_datetime(e["at"])])
    c = _customer_nps_counts(customer_responses)
    c = c.assign(group=c["unit_id"].map(lambda x: to_level.get(x, x)))
    return e, c


def _unit_pairs(
    e: pd.DataFrame, c: pd.DataFrame, min_n: int, ex: dict | None = None, cx: dict | None = None
) -> list[UnitPair]:
    cols = ["metric", "score", "group", "n"]
    if ex is None:
        ex = score_by("enps", e[cols], "group", weight="n", min_n=min_n) if len(e) else {}
    if cx is None:
        cx = score_by("nps", c[cols], "group", weight="n", min_n=min_n) if len(c) else {}
    return [UnitPair(str(k), ex[k], cx[k]) for k in sorted(set(ex) & set(cx), key=str)]


def score_by_many(
    metric: str,
    frame: pd.DataFrame,
    groupings: dict[str, list[str]],
    *,
    weight: str | None = None,
    min_n: int = 30,
) -> dict[str, dict[Any, Score]]:
    """:func:`~cxray.analytics.scores.score_by` for several groupings of one small frame in
    one aggregation (each call costs a query compiled and run; the frame is a few thousand
    rows): the frame is repeated once per grouping with that grouping's key as a number.
    Every group sums the same rows as its own call would, so the scores are the same, keyed
    the same way (``[]`` gives one group, keyed ``None``) and in the same order."""
    parts, keys = [], {}
    for i, (name, cols) in enumerate(groupings.items()):
        if cols:
            g = frame.groupby(cols, sort=True, dropna=False)
            code = g.ngroup().to_numpy()
            values = [_null_to_none(v) for v in g.size().index]
        else:
            code, values = np.zeros(len(frame), dtype=np.int64), [None]
        keys[name] = values
        parts.append(frame.assign(_grouping=i, _key=code))
    stacked = pd.concat(parts, ignore_index=True)
    cols = ["metric", "score", "_grouping", "_key"] + ([weight] if weight else [])
    cols = [c for c in cols if c in stacked.columns]
    found = score_by(metric, stacked[cols], ["_grouping", "_key"], weight=weight, min_n=min_n)
    out: dict[str, dict[Any, Score]] = {name: {} for name in groupings}
    for (i, code), score in found.items():
        name = list(groupings)[i]
        out[name][keys[name][code]] = score
    return out


def _null_to_none(v: Any) -> Any:
    if isinstance(v, tuple):
        return tuple(_null_to_none(x) for x in v)
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def correlation(x: list[float], y: list[float], *, confidence: float = 0.95) -> Correlation:
    """Pearson's r with the Fisher z interval (needs at least four pairs)."""
    if len(x) != len(y):
        raise InvalidInputError(f"correlation needs pairs: {len(x)} x values, {len(y)} y values")
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[ok], ys[ok]
    n = len(xs)
    if n < 4 or xs.std() == 0 or ys.std() == 0:
        return Correlation(math.nan, math.nan, math.nan, n, confidence)
    r = float(np.corrcoef(xs, ys)[0, 1])
    z = math.atanh(max(min(r, 0.999999), -0.999999))
    half = NormalDist().inv_cdf(1 - (1 - confidence) / 2) / math.sqrt(n - 3)
    return Correlation(r, math.tanh(z - half), math.tanh(z + half), n, confidence)


def unit_correlation(pairs: list[UnitPair], *, reliable_only: bool = True) -> Correlation:
    """Correlation of eNPS and NPS across units (only figures on at least min_n answers)."""
    use = [p for p in pairs if not reliable_only or (p.enps.reliable and p.nps.reliable)]
    return correlation([p.enps.value for p in use], [p.nps.value for p in use])


@dataclass(frozen=True, slots=True)
class LaggedPair:
    unit_id: str
    quarter: date  # the eNPS quarter; NPS is from the next one
    enps: Score
    nps_next: Score


def lagged_pairs(
    employee_cells: pd.DataFrame,
    customer_responses: TableLike,
    units: TableLike,
    *,
    level: str = "branch",
    min_n: int = 30,
) -> list[LaggedPair]:
    """eNPS of a unit in quarter q beside its customer NPS in quarter q+1."""
    e, c = _grouped(employee_cells, customer_responses, unit_at_level(units, level))
    return _lagged(e, c, min_n)


def _lagged(
    e: pd.DataFrame, c: pd.DataFrame, min_n: int, ex: dict | None = None, cx: dict | None = None
) -> list[LaggedPair]:
    if e.empty or c.empty:
        return []
    cols = ["metric", "score", "group", "q", "n"]
    if ex is None:
        ex = score_by("enps", e[cols], ["group", "q"], weight="n", min_n=min_n)
    if cx is None:
        cx = score_by("nps", c[cols], ["group", "q"], weight="n", min_n=min_n)
    out = []
    for (group, q), s in ex.items():
        nxt = _next_quarter(q)
        if (group, nxt) in cx:
            out.append(LaggedPair(str(group), q, s, cx[(group, nxt)]))
    return sorted(out, key=lambda p: (p.unit_id, p.quarter))


def lagged_correlation(pairs: list[LaggedPair], *, reliable_only: bool = True) -> Correlation:
    """Across (unit, quarter) pairs. The pairs of one unit are not independent, so the
    interval is, if anything, too narrow; read it with the per-unit figures."""
    use = [p for p in pairs if not reliable_only or (p.enps.reliable and p.nps_next.reliable)]
    return correlation([p.enps.value for p in use], [p.nps_next.value for p in use])


def outcome_by(table: TableLike, by: str, outcome: str, *, yes: Any = True) -> dict[Any, Score]:
    """Per value of ``by``: the share (percent, Wilson interval) of rows whose ``outcome``
    equals ``yes`` (e.g. attrition by job satisfaction level); null ``by`` left out."""
    t = as_table(table)
    for col in (by, outcome):
        if col not in t.columns:
            raise InvalidInputError(f"no column {col!r}; the table has {sorted(t.columns)}")
    t = t.filter(t[by].notnull() & t[outcome].notnull())
    rows = (
        t.group_by(by)
        .aggregate(n=t.count(), k=(t[outcome] == yes).cast("int64").sum())
        .order_by(by)
        .to_pyarrow()
        .to_pylist()
    )
    return {r[by]: proportion(int(r["k"]), int(r["n"]), metric=outcome) for r in rows}


def _customer_nps_counts(responses: TableLike) -> pd.DataFrame:
    """Customers' NPS answers counted per unit, quarter and score on the engine (a few
    thousand rows, whatever the number of answers)."""
    t = as_table(responses)
    t = t.filter((t.metric == "nps") & t.score.notnull() & t.unit_id.notnull())
    if "customer_id" in t.columns:
        t = t.filter(t.customer_id.notnull())
    weight = t["n"] if "n" in t.columns else ibis.literal(1)
    t = t.mutate(q=t["at"].truncate("Q").cast("date"), _w=weight)
    out = (
        t.group_by(["unit_id", "q", "score"])
        .aggregate(n=t["_w"].sum())
        .to_pandas()
        .assign(metric="nps")
    )
    out["q"] = [wave_start(v) for v in pd.to_datetime(out["q"])]
    return out


def _next_quarter(q: date) -> date:
    return date(q.year + (q.month == 10), (q.month + 2) % 12 + 1, 1)
