"""Anonymity of employee surveys: no figure, comment or export reveals a group smaller than
the workspace's minimum group size (default 5).

Employee answers (eNPS, internal NPS, any response with a respondent employee) are turned
into *cells* before anything is computed from them, and every figure is a union of cells:

1. A cell is (wave, the respondent's unit) and, for internal NPS, also the rated unit. A
   wave is a calendar quarter; the answer's time becomes the first day of its quarter, so
   every date filter takes whole waves.
2. A cell with fewer than ``min_group`` answers is pooled into its parent unit's cell
   (shown as "<parent> (pooled)"); this goes up the hierarchy, and what is still too small
   at the top is dropped. A pooled cell holds the parent's own answers plus its small
   children, so subtracting the children shown from the parent's total gives back only
   cells of at least ``min_group``: no difference of two figures can isolate a small group
   (the differencing attack: "the unit shows n=7, the unit without one department n=5").
3. Only closed waves count (the quarter ended before ``as_of``): while a wave is open each
   new answer would move cells between a unit and its parent, and yesterday's figure minus
   today's would isolate it.
4. Who answered is removed: respondent and customer ids, the employee the answer is about,
   language and channel are emptied; the comment stays with its cell.

Residual risk, said plainly: answers imported late into a closed wave change its cells; a
comment's own words can identify its author. Both are documented in docs/people.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxray.analytics.tables import as_table
from cxray.errors import InvalidInputError

if TYPE_CHECKING:
    import ibis
    import pyarrow as pa

    TableLike = ibis.Table | pd.DataFrame | pa.Table

DEFAULT_MIN_GROUP = 5
EMPLOYEE_METRICS = ("enps", "internal_nps")
POOLED = " (pooled)"  # appended to a unit's name when its cell holds pooled children
# ``respondent_employee_id`` of an answer whose respondent gave only their unit (an internal
# NPS form asks "your department" when the link does not say who answers): "unit:<code>".
RESPONDENT_UNIT_PREFIX = "unit:"
IDENTIFYING = ("customer_id", "respondent_employee_id", "employee_id", "language", "channel",
               "touchpoint_id")  # fmt: skip


def employee_filter(t: ibis.Table) -> ibis.Value:
    """Rows that are employees' answers: an employee metric or a respondent employee."""
    rows = t.metric.isin(list(EMPLOYEE_METRICS))
    if "respondent_employee_id" in t.columns:
        rows = rows | t.respondent_employee_id.notnull()
    return rows.fill_null(False)


def wave_start(d: Any) -> date:
    """The first day of the calendar quarter of ``d`` (a wave of employee surveys)."""
    ts = pd.Timestamp(d)
    return date(ts.year, 3 * ((ts.month - 1) // 3) + 1, 1)


def closed_before(as_of: date) -> date:
    """Waves starting before this day are closed on ``as_of``."""
    return wave_start(as_of)


@dataclass(frozen=True)
class ProtectedAnswers:
    """Employee answers as cells: one row per answer with ``wave`` (quarter start),
    ``respondent_unit_id`` (the respondent's unit as given), ``cell_unit_id`` (that unit or
    the ancestor it was pooled into), ``pooled`` and, for internal NPS, ``unit_id`` = the
    rated unit. ``dropped`` answers were in cells too small even at the top; ``open``
    answers belong to the wave still running."""

    rows: pd.DataFrame
    min_group: int
    dropped: int
    open: int


def protect_answers(
    responses: TableLike,
    *,
    employees: TableLike | None = None,
    units: TableLike | None = None,
    min_group: int = DEFAULT_MIN_GROUP,
    as_of: date,
) -> ProtectedAnswers:
    """Employee answers of ``responses`` turned into cells (see the module docstring)."""
    if min_group < 2:
        raise InvalidInputError(
            f"the minimum group size {min_group} must be at least 2 (default 5); with 1 every "
            "answer is shown on its own"
        )
    t = as_table(responses)
    needed = ("metric", "unit_id", "at", "score")
    missing = [c for c in needed if c not in t.columns]
    if missing:
        raise InvalidInputError(f"responses lack column(s) {missing}; they have {t.columns}")
    df = t.filter(employee_filter(t)).to_pandas()
    parent = _parents(units)
    if df.empty:
        return ProtectedAnswers(_empty_rows(df), min_group, 0, 0)
    df["wave"] = [wave_start(v) for v in pd.to_datetime(df["at"])]
    is_open = df["wave"] >= closed_before(as_of)
    n_open = int(is_open.sum())
    df = df[~is_open].copy()
    df["respondent_unit_id"] = _respondent_units(df, employees)
    internal = df["metric"] == "internal_nps"
    # The rated unit of internal NPS is not a group of respondents: it is part of the key.
    df["rated"] = np.where(internal, df["unit_id"].fillna(""), "")
    df["cell_unit_id"] = df["respondent_unit_id"].fillna("")
    df["pooled"] = False
    df, dropped = _pool(df, parent, ["metric", "wave", "rated"], min_group)
    for col in IDENTIFYING:
        if col in df:
            df[col] = None
    # eNPS is about the respondent's own unit; internal NPS keeps the rated unit.
    df["unit_id"] = np.where(df["metric"] == "internal_nps", df["rated"], df["cell_unit_id"])
    df["unit_id"] = df["unit_id"].replace("", None)
    df["at"] = pd.to_datetime(df["wave"])
    return ProtectedAnswers(df.drop(columns=["rated"]).reset_index(drop=True), min_group,
                            dropped, n_open)  # fmt: skip


def _pool(
    df: pd.DataFrame, parent: dict[str, str | None], keys: list[str], k: int
) -> tuple[pd.DataFrame, int]:
    """Pool cells smaller than ``k`` into the parent unit's cell, deepest units first."""
    depth = _depths(parent)
    df = df.reset_index(drop=True)
    cell = df["cell_unit_id"].astype(object).to_numpy().copy()
    pooled = df["pooled"].to_numpy(dtype=bool).copy()
    keep = np.ones(len(df), dtype=bool)
    key = df[keys].astype(str).agg("\x1f".join, axis=1).to_numpy()
    for level in range(max([*depth.values(), 0]), -1, -1):
        here = keep & np.array([depth.get(u, 0) == level for u in cell])
        if not here.any():
            continue
        groups = pd.Series(key[here] + "\x1f" + cell[here].astype(str))
        size = groups.map(groups.value_counts()).to_numpy()
        idx = np.flatnonzero(here)[size < k]
        for i in idx:
            up = parent.get(cell[i])
            if up is None:
                keep[i] = False
            else:
                cell[i], pooled[i] = up, True
    out = df.assign(cell_unit_id=cell, pooled=pooled)[keep].reset_index(drop=True)
    return out, int((~keep).sum())


def _parents(units: TableLike | None) -> dict[str, str | None]:
    if units is None:
        return {}
    u = as_table(units).select("unit_id", "parent_id").to_pandas()
    return {
        str(r.unit_id): (None if pd.isna(r.parent_id) or not r.parent_id else str(r.parent_id))
        for r in u.itertuples(index=False)
    }


def _depths(parent: dict[str, str | None]) -> dict[str, int]:
    out: dict[str, int] = {}
    for unit in parent:
        d, seen, cur = 0, {unit}, parent.get(unit)
        while cur is not None and cur not in seen:  # a cycle ends the walk rather than hanging
            seen.add(cur)
            d, cur = d + 1, parent.get(cur)
        out[unit] = d
    return out


def _respondent_units(df: pd.DataFrame, employees: TableLike | None) -> pd.Series:
    """The respondent's unit: from the employees table when the respondent is known, or
    as given on the form ("unit:<code>"), else the response's own unit (eNPS forms are
    sent per unit)."""
    own = df["unit_id"].where(df["metric"] != "internal_nps", None)
    if "respondent_employee_id" not in df:
        return own
    ids = df["respondent_employee_id"]
    cut = len(RESPONDENT_UNIT_PREFIX)
    given = pd.Series(
        [
            v[cut:]
            if isinstance(v, str) and v.startswith(RESPONDENT_UNIT_PREFIX) and v[cut:]
            else None
            for v in ids
        ],
        index=df.index,
        dtype=object,
    )
    own = given.where(given.notna(), own)
    if employees is None:
        return own
    e = as_table(employees).select("employee_id", "unit_id").to_pandas()
    by_id = dict(zip(e["employee_id"], e["unit_id"], strict=True))
    found = ids.map(by_id)
    return found.where(found.notna(), own)


def _empty_rows(df: pd.DataFrame) -> pd.DataFrame:
    extra = ["wave", "respondent_unit_id", "cell_unit_id", "pooled"]
    return pd.DataFrame(columns=[*df.columns, *[c for c in extra if c not in df.columns]])


def suppressed_cells(counts: dict[Any, int], min_group: int) -> set[Any]:
    """Cells of a one-way table to hide so that neither a small cell nor a difference of the
    total and the shown cells reveals fewer than ``min_group`` answers: the small cells, and
    then the smallest others until the hidden ones add up to ``min_group`` or more
    (complementary suppression). For tables whose cells were not pooled beforehand."""
    hidden = {c for c, n in counts.items() if 0 < n < min_group}
    rest = sorted((n, str(c), c) for c, n in counts.items() if c not in hidden and n > 0)
    while hidden and sum(counts[c] for c in hidden) < min_group and rest:
        hidden.add(rest.pop(0)[2])
    return hidden
