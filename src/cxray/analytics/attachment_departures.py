"""Churn of customers attached to an employee after that employee leaves, against comparable
customers (see :mod:`cxray.analytics.attachment` for the rule and the definitions).

For every employee who left with the whole window before ``as_of``: the customers attached to
them on the day they left and still customers then, followed for ``window_days``; comparable
customers are attached by the same rule, on the same day, to another employee of the same unit
who stayed through the window (the whole workspace when the unit has fewer than
``MIN_COMPARABLE``). The risk ratio is Mantel-Haenszel over segments.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxray.analytics.attachment import (
    DEFAULT_WINDOW_DAYS,
    MIN_COMPARABLE,
    AttachmentRule,
    _customer_rows,
    _day,
    _employee_rows,
    _interaction_rows,
    _num,
    _tx_rows,
)
from cxray.analytics.results import Score
from cxray.analytics.scores import proportion
from cxray.errors import InvalidInputError

if TYPE_CHECKING:
    import ibis
    import pyarrow as pa

    TableLike = ibis.Table | pd.DataFrame | pa.Table


# --- departures ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DepartureEffect:
    """The churn of one departed employee's attached customers against comparable ones.

    ``attached`` and ``comparable`` are churn shares (percent, Wilson interval, ``n``
    customers at risk, ``top`` churned). ``risk_ratio`` is the Mantel-Haenszel risk ratio
    over segments with the Greenland-Robins interval; ``comparison`` says whether the
    comparable customers come from the same ``"unit"`` or, when it has fewer than
    ``MIN_COMPARABLE``, from the whole ``"workspace"``.
    """

    employee_id: str
    name: str
    unit_id: str
    left: date
    window_days: int
    attached: Score
    comparable: Score
    risk_ratio: float
    rr_low: float
    rr_high: float
    comparison: str
    value_recent: float  # revenue of the attached customers in the 12 months before leaving
    customer_ids: tuple[str, ...] = field(default=(), repr=False)

    @property
    def excess_churned(self) -> float:
        """Attached customers lost beyond what the comparable rate predicts."""
        if not self.attached.n or math.isnan(self.comparable.value):
            return math.nan
        return self.attached.top - self.attached.n * self.comparable.value / 100.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "employee_id": self.employee_id,
            "name": self.name,
            "unit_id": self.unit_id,
            "left": self.left.isoformat(),
            "window_days": self.window_days,
            "attached_churn": self.attached.as_dict(),
            "comparable_churn": self.comparable.as_dict(),
            "risk_ratio": _num(self.risk_ratio),
            "risk_ratio_low": _num(self.rr_low),
            "risk_ratio_high": _num(self.rr_high),
            "comparison": self.comparison,
            "excess_churned": _num(self.excess_churned),
            "value_recent": _num(self.value_recent),
        }


def departure_effects(
    interactions: TableLike,
    customers: TableLike,
    employees: TableLike,
    *,
    as_of: date,
    transactions: TableLike | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    rule: AttachmentRule | None = None,
    min_attached: int = 1,
    employee_ids: Sequence[str] | None = None,
) -> list[DepartureEffect]:
    """One :class:`DepartureEffect` per employee who left with their whole window before
    ``as_of`` and at least ``min_attached`` attached customers at risk; most attached first.
    """
    rule = (rule or AttachmentRule()).check()
    if window_days < 1:
        raise InvalidInputError(f"window_days {window_days} must be at least 1, e.g. 180")
    pairs = _interaction_rows(interactions)
    cust = _customer_rows(customers)
    emp = _employee_rows(employees)
    emp_unit = emp.set_index("employee_id")["unit_id"].to_dict()
    emp_left = emp.set_index("employee_id")["left"].to_dict()
    done = emp[emp["left"].notna() & (emp["left"] + pd.Timedelta(days=window_days) <= _day(as_of))]
    if employee_ids is not None:
        done = done[done["employee_id"].isin(list(employee_ids))]
    tx = None if transactions is None else _tx_rows(transactions)
    # Integer codes once (sorted, so ties go to the smaller employee id); each departure then
    # counts and ranks numbers with numpy instead of grouping strings.
    c_code, c_names = pd.factorize(pairs["customer_id"], sort=True)
    t_code, _ = pd.factorize(pairs["touchpoint_id"], sort=True)
    e_code, e_names = pd.factorize(pairs["employee_id"], sort=True)
    at = pairs["at"].to_numpy()
    known = np.asarray(c_names.isin(cust["customer_id"]))
    cust = cust.set_index("customer_id").reindex(c_names)
    churned_at = cust["churned_at"].to_numpy()
    segment = cust["segment"].fillna("").to_numpy()
    e_left = pd.to_datetime(pd.Series(e_names).map(emp_left)).to_numpy()
    e_unit = pd.Series(e_names).map(emp_unit).to_numpy()
    out: list[DepartureEffect] = []
    timeline = _Timeline(c_code, t_code, e_code, at, rule)
    for row in done.itertuples(index=False):
        left = row.left
        cust_i, emp_i = timeline.attached_before(left.to_datetime64())
        at_risk = known[cust_i] & (pd.isna(churned_at[cust_i]) | (churned_at[cust_i] > left))
        cust_i, emp_i = cust_i[at_risk], emp_i[at_risk]
        end = left + pd.Timedelta(days=window_days)
        churned = ~pd.isna(churned_at[cust_i]) & (churned_at[cust_i] <= end)
        hits = np.flatnonzero(e_names == row.employee_id)
        me = hits[0] if len(hits) else -1
        is_mine = emp_i == me
        mine_c = np.unique(cust_i[is_mine])
        if len(mine_c) < min_attached:
            continue
        stayed = pd.isna(e_left[emp_i]) | (e_left[emp_i] > end)
        other = stayed & ~is_mine & ~np.isin(cust_i, mine_c)
        same = other & (e_unit[emp_i] == row.unit_id)
        comparison, chosen = "unit", same
        if len(np.unique(cust_i[same])) < MIN_COMPARABLE:
            comparison, chosen = "workspace", other
        mine = _frame(cust_i[is_mine], churned[is_mine], segment)
        cmp = _frame(cust_i[chosen], churned[chosen], segment)
        rr, lo, hi = mantel_haenszel_rr(mine, cmp)
        value = 0.0
        if tx is not None:
            recent = tx[(tx["at"] < left) & (tx["at"] >= left - pd.Timedelta(days=365))]
            ids = c_names[mine["c"].to_numpy()]
            value = float(recent[recent["customer_id"].isin(ids)]["amount"].sum())
        out.append(
            DepartureEffect(
                employee_id=row.employee_id,
                name=row.name,
                unit_id=row.unit_id,
                left=left.date(),
                window_days=window_days,
                attached=proportion(int(mine["churned"].sum()), len(mine), metric="churn"),
                comparable=proportion(int(cmp["churned"].sum()), len(cmp), metric="churn"),
                risk_ratio=rr,
                rr_low=lo,
                rr_high=hi,
                comparison=comparison,
                value_recent=value,
                customer_ids=tuple(c_names[mine["c"].to_numpy()]),
            )
        )
    return sorted(out, key=lambda d: (-d.attached.n, d.employee_id))


def mantel_haenszel_rr(
    exposed: pd.DataFrame, unexposed: pd.DataFrame, *, strata: str = "segment",
    confidence: float = 0.95,
) -> tuple[float, float, float]:  # fmt: skip
    """Risk ratio of ``churned`` (a boolean column) in ``exposed`` against ``unexposed``,
    pooled over ``strata`` by Mantel-Haenszel, with the Greenland-Robins (1985, Biometrics
    41:55) variance of log RR. Strata present in only one group carry no weight. Returns
    (rr, low, high); NaN when no stratum has events on both sides."""
    e = (
        exposed.assign(_s=exposed[strata].fillna(""))
        if strata in exposed
        else exposed.assign(_s="")
    )
    u = (
        unexposed.assign(_s=unexposed[strata].fillna(""))
        if strata in unexposed
        else unexposed.assign(_s="")
    )
    a = e.groupby("_s")["churned"].agg(["sum", "count"])
    b = u.groupby("_s")["churned"].agg(["sum", "count"])
    both = a.join(b, lsuffix="_1", rsuffix="_0", how="inner")
    if both.empty:
        return (math.nan, math.nan, math.nan)
    a1, n1 = both["sum_1"].to_numpy(float), both["count_1"].to_numpy(float)
    a0, n0 = both["sum_0"].to_numpy(float), both["count_0"].to_numpy(float)
    big_n = n1 + n0
    num = np.sum(a1 * n0 / big_n)
    den = np.sum(a0 * n1 / big_n)
    if num <= 0 or den <= 0:
        return (math.nan, math.nan, math.nan)
    rr = num / den
    var = np.sum((n1 * n0 * (a1 + a0) - a1 * a0 * big_n) / big_n**2) / (num * den)
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    se = math.sqrt(max(var, 0.0))
    return (float(rr), float(rr * math.exp(-z * se)), float(rr * math.exp(z * se)))


# --- internals ---------------------------------------------------------------------------------
class _Timeline:
    """Every interaction as an index into the (customer, touchpoint, employee) keys, in time
    order, so the attachments on any day come from counting a prefix: one ``bincount`` and a
    few ``reduceat`` per day, instead of a sort of all interactions per departure."""

    def __init__(
        self, c: np.ndarray, t: np.ndarray, e: np.ndarray, at: np.ndarray, rule: AttachmentRule
    ) -> None:
        self.rule = rule
        order = np.argsort(at, kind="stable")
        self.at = at[order]
        n_t = int(t.max()) + 1 if len(t) else 1
        self.n_e = int(e.max()) + 1 if len(e) else 1
        # One int64 key per (customer, touchpoint, employee); unique keys come sorted by
        # (customer, touchpoint) and then employee id, which breaks ties in favour of the
        # smaller id.
        raw = ((c.astype(np.int64) * n_t + t) * self.n_e + e)[order]
        self.keys, self.inv = np.unique(raw, return_inverse=True)
        ct = self.keys // self.n_e
        self.starts = np.flatnonzero(np.r_[True, ct[1:] != ct[:-1]]) if len(ct) else np.array([])
        self.sizes = np.diff(np.r_[self.starts, len(self.keys)])
        self.customer = (ct // n_t)[self.starts] if len(ct) else np.array([], dtype=np.int64)

    def attached_before(self, day: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
        """(customer code, employee code) of every attachment from interactions before
        ``day``; a customer attached to one person at two touchpoints appears once."""
        empty = (np.array([], dtype=np.int64), np.array([], dtype=np.int64))
        prefix = int(np.searchsorted(self.at, day, side="left"))
        if prefix == 0 or len(self.keys) == 0:
            return empty
        k = np.bincount(self.inv[:prefix], minlength=len(self.keys))
        n = np.add.reduceat(k, self.starts)
        top = np.maximum.reduceat(k, self.starts)
        pos = np.where(k == np.repeat(top, self.sizes), np.arange(len(k)), len(k))
        first_top = np.minimum.reduceat(pos, self.starts)
        ok = (n >= self.rule.min_interactions) & (n > 0)
        ok &= top / np.maximum(n, 1) >= self.rule.threshold  # a share, as in concentration()
        emp = self.keys[first_top[ok]] % self.n_e
        both = np.unique(self.customer[ok] * self.n_e + emp)
        return (both // self.n_e, both % self.n_e)


def _frame(cust: np.ndarray, churned: np.ndarray, segment: np.ndarray) -> pd.DataFrame:
    df = pd.DataFrame({"c": cust, "churned": churned}).drop_duplicates("c")
    return df.assign(segment=segment[df["c"].to_numpy()])
