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
    DependencyAlert,
    Payments,
    People,
    _day,
    _num,
    alerts_of,
    customer_value,
    load_payments,
    load_people,
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
    _check_window(window_days)
    people = load_people(interactions, customers, employees)
    pay = None if transactions is None else load_payments(transactions, people)
    return departures_of(people, pay, as_of=as_of, window_days=window_days, rule=rule,
                         min_attached=min_attached, employee_ids=employee_ids)  # fmt: skip


def attachment_overview(
    interactions: TableLike,
    customers: TableLike,
    employees: TableLike,
    *,
    as_of: date,
    transactions: TableLike | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    rule: AttachmentRule | None = None,
    min_attached: int = 1,
    top: int = 10,
) -> tuple[list[DepartureEffect], list[DependencyAlert]]:
    """:func:`departure_effects` and :func:`~cxray.analytics.attachment.dependency_alerts`
    together, reading each table once (the People page shows both)."""
    rule = (rule or AttachmentRule()).check()
    _check_window(window_days)
    people = load_people(interactions, customers, employees)
    pay = None if transactions is None else load_payments(transactions, people)
    departures = departures_of(people, pay, as_of=as_of, window_days=window_days, rule=rule,
                               min_attached=min_attached)  # fmt: skip
    # After the departures: as_of comes after every departure's day, so the counts go on.
    value = customer_value(transactions, as_of=as_of) if transactions is not None else None
    alerts = alerts_of(people, as_of=as_of, value=value, rule=rule, top=top)
    return departures, alerts


def departures_of(
    people: People,
    payments: Payments | None,
    *,
    as_of: date,
    window_days: int,
    rule: AttachmentRule,
    min_attached: int = 1,
    employee_ids: Sequence[str] | None = None,
) -> list[DepartureEffect]:
    """:func:`departure_effects` on data loaded once (:func:`load_people`)."""
    emp = people.emp
    window = pd.Timedelta(days=window_days)
    done = emp[emp["left"].notna() & (emp["left"] + window <= _day(as_of))]
    if employee_ids is not None:
        done = done[done["employee_id"].isin(list(employee_ids))]
    # In order of leaving, so the timeline only ever adds interactions.
    done = done.sort_values("left", kind="stable")
    names = people.employees
    code_of = {name: i for i, name in enumerate(names)}
    by_id = emp.set_index("employee_id")
    e_left = pd.to_datetime(pd.Series(names, dtype=object).map(by_id["left"])).to_numpy(
        dtype="datetime64[ns]"
    )
    units = pd.Series(names, dtype=object).map(by_id["unit_id"])
    unit_code, unit_names = pd.factorize(units)  # -1 for employees missing from the table
    unit_of = {u: i for i, u in enumerate(unit_names)}
    strata, segment = np.unique(people.segment, return_inverse=True)
    churned_at = people.churned_at
    n_c = len(people.customers)
    out: list[DepartureEffect] = []
    for row in done.itertuples(index=False):
        left = row.left
        end = left + window
        cust_i, emp_i = people.timeline.attached_before(left, rule)
        ca = churned_at[cust_i]
        at_risk = np.isnat(ca) | (ca > left.to_datetime64())
        cust_i, emp_i = cust_i[at_risk], emp_i[at_risk]
        is_mine = emp_i == code_of.get(row.employee_id, -1)
        mine_c = np.unique(cust_i[is_mine])
        if len(mine_c) < min_attached:
            continue
        mine_mask = np.zeros(n_c, dtype=bool)
        mine_mask[mine_c] = True
        el = e_left[emp_i]
        stayed = np.isnat(el) | (el > end.to_datetime64())
        other = stayed & ~is_mine & ~mine_mask[cust_i]
        same = other & (unit_code[emp_i] == unit_of.get(row.unit_id, -2))
        comparison, cmp_c = "unit", np.unique(cust_i[same])
        if len(cmp_c) < MIN_COMPARABLE:
            comparison, cmp_c = "workspace", np.unique(cust_i[other])
        churned = ~np.isnat(churned_at) & (churned_at <= end.to_datetime64())
        rr, lo, hi = _mh_counts(
            *_by_stratum(segment[mine_c], churned[mine_c], len(strata)),
            *_by_stratum(segment[cmp_c], churned[cmp_c], len(strata)),
        )
        value = 0.0
        if payments is not None:
            value = payments.of(mine_mask, left - pd.Timedelta(days=365), left)
        out.append(
            DepartureEffect(
                employee_id=row.employee_id,
                name=row.name,
                unit_id=row.unit_id,
                left=left.date(),
                window_days=window_days,
                attached=proportion(int(churned[mine_c].sum()), len(mine_c), metric="churn"),
                comparable=proportion(int(churned[cmp_c].sum()), len(cmp_c), metric="churn"),
                risk_ratio=rr,
                rr_low=lo,
                rr_high=hi,
                comparison=comparison,
                value_recent=value,
                customer_ids=tuple(people.customers[mine_c]),
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
    names = np.unique(np.r_[e["_s"].to_numpy(dtype=object), u["_s"].to_numpy(dtype=object)])
    pos = {v: i for i, v in enumerate(names)}
    counts = []
    for side in (e, u):
        codes = np.array([pos[v] for v in side["_s"]], dtype=np.int64)
        counts += _by_stratum(codes, side["churned"].to_numpy(dtype=bool), len(names))
    return _mh_counts(*counts, confidence=confidence)


def _mh_counts(
    a1: np.ndarray, n1: np.ndarray, a0: np.ndarray, n0: np.ndarray, *, confidence: float = 0.95
) -> tuple[float, float, float]:
    """:func:`mantel_haenszel_rr` from churned and counts per stratum (strata in order)."""
    both = (n1 > 0) & (n0 > 0)
    if not both.any():
        return (math.nan, math.nan, math.nan)
    a1, n1, a0, n0 = (x[both].astype(float) for x in (a1, n1, a0, n0))
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


def _check_window(window_days: int) -> None:
    if window_days < 1:
        raise InvalidInputError(f"window_days {window_days} must be at least 1, e.g. 180")


def _by_stratum(stratum: np.ndarray, churned: np.ndarray, n: int) -> list[np.ndarray]:
    """Churned and customers per stratum code."""
    return [
        np.bincount(stratum, weights=churned.astype(np.int64), minlength=n).astype(np.int64),
        np.bincount(stratum, minlength=n),
    ]
