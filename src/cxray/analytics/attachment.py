"""Attachment to a person (seed 001): customers who always deal with one employee, and what
happens to them when that employee leaves.

- :func:`concentration`: per customer and touchpoint, how concentrated the interactions are
  on one employee: the top employee's share and the Herfindahl-Hirschman index
  ``HHI = sum_e share_e^2`` (1 = always the same person; 1/k = evenly over k people).
  Concentration is measured per touchpoint because a customer can be attached to their
  doctor at the consultation and to nobody at the reception desk; mixing touchpoints would
  dilute every share with the hand-offs of one visit.
- :func:`attached_by_employee`: per employee, the customers attached to them (top share >=
  ``threshold`` over at least ``min_interactions`` interactions at one touchpoint) and the
  revenue those customers bring.
- :func:`~cxray.analytics.attachment_departures.departure_effects`: for every employee who
  left, the churn of the customers attached to them at the day they left, against comparable
  customers (attached by the same rule to another employee of the same unit who stayed
  through the window), with the risk ratio and its interval, stratified by segment
  (Mantel-Haenszel).
- :func:`dependency_alerts`: "N customers worth X depend on employee Y" for the employees
  still working, flagged when a leaving date is already known.

Churn is read as recorded in ``customers.churned_at``: a customer is "at risk" on the day
the employee left if they had not churned by then, and "churned within the window" if
``churned_at`` falls within ``window_days`` after it. Only departures whose whole window
lies before ``as_of`` are measured, so every figure is a complete follow-up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxray.analytics.tables import as_table
from cxray.errors import InvalidInputError

if TYPE_CHECKING:
    import ibis

    TableLike = ibis.Table | pd.DataFrame | pa.Table

# The planted rule of the demo and the seed's "always the same person": >= 70 % of at least
# two interactions with one employee.
DEFAULT_THRESHOLD = 0.7
DEFAULT_MIN_INTERACTIONS = 2
DEFAULT_WINDOW_DAYS = 180
MIN_COMPARABLE = 30  # fewer comparable customers in the unit: compare with the workspace


@dataclass(frozen=True, slots=True)
class AttachmentRule:
    """When a customer counts as attached to an employee (at one touchpoint)."""

    threshold: float = DEFAULT_THRESHOLD
    min_interactions: int = DEFAULT_MIN_INTERACTIONS

    def check(self) -> AttachmentRule:
        if not 0 < self.threshold <= 1:
            raise InvalidInputError(
                f"attachment threshold {self.threshold} must be a share in (0, 1], e.g. 0.7"
            )
        if self.min_interactions < 1:
            raise InvalidInputError(
                f"min_interactions {self.min_interactions} must be at least 1, e.g. 2"
            )
        return self


# --- concentration ---------------------------------------------------------------------------
def concentration(
    interactions: TableLike,
    *,
    before: date | None = None,
    touchpoints: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per (customer, touchpoint): ``n`` interactions with an employee, ``employees`` (distinct),
    ``top_employee_id``, ``top_n``, ``top_share`` and ``hhi``.

    Rows without a customer or an employee do not count. ``before`` keeps interactions
    strictly before that day; ``touchpoints`` keeps only those touchpoints.
    """
    t = as_table(interactions)
    _require(t.columns, ("customer_id", "employee_id", "touchpoint_id", "at"), "interactions")
    t = t.filter(t.customer_id.notnull() & t.employee_id.notnull())
    if before is not None:
        t = t.filter(t["at"] < _ts(before))
    if touchpoints:
        t = t.filter(t.touchpoint_id.isin(list(touchpoints)))
    pairs = (
        t.group_by(["customer_id", "touchpoint_id", "employee_id"])
        .aggregate(k=t.count())
        .to_pandas()
    )
    return _concentration_of_pairs(pairs)


def _concentration_of_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """``pairs``: customer_id, touchpoint_id, employee_id, k (interactions of that pair)."""
    cols = ["customer_id", "touchpoint_id", "n", "employees", "top_employee_id", "top_n",
            "top_share", "hhi"]  # fmt: skip
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    pairs = pairs.copy()
    pairs["touchpoint_id"] = pairs["touchpoint_id"].fillna("")
    keys = ["customer_id", "touchpoint_id"]
    g = pairs.groupby(keys, sort=False)
    pairs["n"] = g["k"].transform("sum")
    pairs["sq"] = (pairs["k"] / pairs["n"]) ** 2
    # Ties for the top go to the smaller employee id, so the result does not depend on order.
    top = pairs.sort_values([*keys, "k", "employee_id"], ascending=[True, True, False, True])
    top = top.drop_duplicates(keys)
    out = top[[*keys, "n", "employee_id", "k"]].rename(
        columns={"employee_id": "top_employee_id", "k": "top_n"}
    )
    agg = g.agg(employees=("employee_id", "nunique"), hhi=("sq", "sum")).reset_index()
    out = out.merge(agg, on=keys)
    out["top_share"] = out["top_n"] / out["n"]
    return out[cols].reset_index(drop=True)


def attached_customers(conc: pd.DataFrame, rule: AttachmentRule | None = None) -> pd.DataFrame:
    """The rows of :func:`concentration` that meet ``rule``: one per customer and employee
    (a customer attached to the same person at two touchpoints counts once, at the touchpoint
    with more interactions)."""
    rule = (rule or AttachmentRule()).check()
    a = conc[(conc["top_share"] >= rule.threshold) & (conc["n"] >= rule.min_interactions)]
    a = a.sort_values(["customer_id", "top_employee_id", "n"], ascending=[True, True, False])
    return a.drop_duplicates(["customer_id", "top_employee_id"]).reset_index(drop=True)


# --- per employee ----------------------------------------------------------------------------
def customer_value(
    transactions: TableLike, *, as_of: date, months: int = 12
) -> pd.DataFrame:  # fmt: skip
    """Per customer: ``revenue_to_date`` (all transactions up to ``as_of``) and
    ``revenue_recent`` (the last ``months`` months), the value that walks out with them."""
    t = as_table(transactions)
    _require(t.columns, ("customer_id", "at", "amount"), "transactions")
    end = _ts(as_of + timedelta(days=1))
    start = _ts(as_of - timedelta(days=round(months * 365.25 / 12)))
    t = t.filter(t.customer_id.notnull() & (t["at"] < end))
    recent = (t["at"] >= start).ifelse(t.amount, 0.0)
    return (
        t.group_by("customer_id")
        .aggregate(revenue_to_date=t.amount.sum(), revenue_recent=recent.sum())
        .to_pandas()
    )


def attached_by_employee(
    conc: pd.DataFrame,
    *,
    value: pd.DataFrame | None = None,
    rule: AttachmentRule | None = None,
) -> pd.DataFrame:
    """Per employee: ``customers`` seen (at any touchpoint), ``attached`` customers, their
    ``revenue_to_date`` and ``revenue_recent`` (0 without ``value``), and ``touchpoints``
    where they are attached; most attached first."""
    served = conc.groupby("top_employee_id")["customer_id"].nunique().rename("customers")
    a = attached_customers(conc, rule)
    a = _with_value(a, value)
    per = a.groupby("top_employee_id").agg(
        attached=("customer_id", "nunique"),
        revenue_to_date=("revenue_to_date", "sum"),
        revenue_recent=("revenue_recent", "sum"),
        touchpoints=("touchpoint_id", lambda s: ",".join(sorted(set(s)))),
    )
    out = (
        per.join(served, how="left")
        .reset_index()
        .rename(columns={"top_employee_id": "employee_id"})
    )
    return out.sort_values(["attached", "employee_id"], ascending=[False, True]).reset_index(
        drop=True
    )


# --- alerts ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DependencyAlert:
    """``customers`` active customers worth ``value_recent`` (revenue in the last 12 months)
    depend on one employee; ``leaving`` is the known leaving date, if any."""

    employee_id: str
    name: str
    unit_id: str
    customers: int
    value_recent: float
    value_to_date: float
    leaving: date | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "employee_id": self.employee_id,
            "name": self.name,
            "unit_id": self.unit_id,
            "customers": self.customers,
            "value_recent": _num(self.value_recent),
            "value_to_date": _num(self.value_to_date),
            "leaving": self.leaving.isoformat() if self.leaving else None,
        }


def dependency_alerts(
    interactions: TableLike,
    customers: TableLike,
    employees: TableLike,
    *,
    as_of: date,
    transactions: TableLike | None = None,
    rule: AttachmentRule | None = None,
    top: int = 10,
    min_customers: int = 1,
) -> list[DependencyAlert]:
    """Employees still working on ``as_of`` (or with a leaving date after it) ranked by the
    recent revenue of the active customers attached to them: every employee with a known
    leaving date first, then the ``top`` largest dependencies."""
    rule = (rule or AttachmentRule()).check()
    people = load_people(interactions, customers, employees)
    value = customer_value(transactions, as_of=as_of) if transactions is not None else None
    return alerts_of(people, as_of=as_of, value=value, rule=rule, top=top,
                     min_customers=min_customers)  # fmt: skip


def alerts_of(
    people: People,
    *,
    as_of: date,
    value: pd.DataFrame | None,
    rule: AttachmentRule,
    top: int = 10,
    min_customers: int = 1,
) -> list[DependencyAlert]:
    """:func:`dependency_alerts` on data loaded once by :func:`load_people`; ``value`` as
    from :func:`customer_value`."""
    cust_i, emp_i = people.timeline.attached_before(_day(as_of + timedelta(days=1)), rule)
    churned = people.churned_at[cust_i]
    active = np.isnat(churned) | (churned > _day(as_of).to_datetime64())
    # Sorted by customer and employee, as attached_customers() leaves them, so the revenue
    # sums below add up in the same order.
    a = pd.DataFrame(
        {
            "customer_id": people.customers[cust_i[active]],
            "top_employee_id": people.employees[emp_i[active]],
        }
    )
    a = _with_value(a, value)
    per = (
        a.groupby("top_employee_id")
        .agg(
            attached=("customer_id", "nunique"),
            revenue_to_date=("revenue_to_date", "sum"),
            revenue_recent=("revenue_recent", "sum"),
        )
        .reset_index()
        .rename(columns={"top_employee_id": "employee_id"})
        .sort_values(["attached", "employee_id"], ascending=[False, True])
        .reset_index(drop=True)
    )
    emp = people.emp.set_index("employee_id")
    per = per[per["employee_id"].isin(emp.index)]
    left = per["employee_id"].map(emp["left"])
    working = left.isna() | (left > _day(as_of))
    per = per[working & (per["attached"] >= min_customers)].copy()
    per["leaving"] = per["employee_id"].map(emp["left"])
    per = per.sort_values(["revenue_recent", "attached"], ascending=False)
    chosen = pd.concat([per[per["leaving"].notna()], per[per["leaving"].isna()].head(top)])
    return [
        DependencyAlert(
            employee_id=r.employee_id,
            name=str(emp.at[r.employee_id, "name"] or r.employee_id),
            unit_id=str(emp.at[r.employee_id, "unit_id"] or ""),
            customers=int(r.attached),
            value_recent=float(r.revenue_recent),
            value_to_date=float(r.revenue_to_date),
            leaving=None if pd.isna(r.leaving) else r.leaving.date(),
        )
        for r in chosen.itertuples(index=False)
    ]


# --- the data, loaded once -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class People:
    """What the attachment figures read, each table read once: the customers (sorted ids,
    ``churned_at`` as datetime64, ``segment``), the employees' rows, the ids of the
    employees seen in interactions (sorted) and the interactions as a :class:`Timeline`.
    Customers are numbered by their position in ``customers``, employees in ``employees``;
    interactions of customers missing from the customers table are left out (such customers
    are never at risk nor active)."""

    customers: np.ndarray
    churned_at: np.ndarray
    segment: np.ndarray
    employees: np.ndarray
    emp: pd.DataFrame
    timeline: Timeline


def load_people(interactions: TableLike, customers: TableLike, employees: TableLike) -> People:
    cust = _customer_rows(customers)
    cust = cust[cust["customer_id"].notna()].sort_values("customer_id", kind="stable")
    ids = cust["customer_id"].to_numpy(dtype=object)
    t = as_table(interactions)
    _require(t.columns, ("customer_id", "employee_id", "touchpoint_id", "at"), "interactions")
    t = t.filter(t.customer_id.notnull() & t.employee_id.notnull())
    rows = t.select("customer_id", "touchpoint_id", "employee_id", "at").to_pyarrow()
    # Codes computed in Arrow: no Python string per interaction is ever made.
    c = _codes(rows["customer_id"], ids)
    names = sorted(pc.unique(rows["employee_id"]).to_pylist())
    e = _codes(rows["employee_id"], np.array(names, dtype=object))
    tp = rows["touchpoint_id"]
    if not pa.types.is_string(tp.type):
        tp = tp.cast(pa.string())
    tp = pc.fill_null(tp, "")
    t_code = _codes(tp, np.array(pc.unique(tp).to_pylist(), dtype=object))
    at = _datetimes(rows["at"])
    keep = c >= 0
    timeline = Timeline(c[keep], t_code[keep], e[keep], at[keep], n_employees=len(names))
    return People(
        customers=ids,
        churned_at=cust["churned_at"].to_numpy(dtype="datetime64[ns]"),
        segment=cust["segment"].fillna("").to_numpy(dtype=object),
        employees=np.array(names, dtype=object),
        emp=_employee_rows(employees),
        timeline=timeline,
    )


class Timeline:
    """Every interaction as an index into the (customer, touchpoint, employee) keys, in time
    order. Counts are kept for the interactions before the last day asked for, so a run of
    days in increasing order adds each interaction once, instead of recounting every
    interaction on every day."""

    def __init__(
        self, c: np.ndarray, t: np.ndarray, e: np.ndarray, at: np.ndarray, *, n_employees: int
    ) -> None:
        order = np.argsort(at, kind="stable")
        self.at = at[order]
        n_t = int(t.max()) + 1 if len(t) else 1
        self.n_e = max(n_employees, 1)
        # One int64 key per (customer, touchpoint, employee); unique keys come sorted by
        # (customer, touchpoint) and then employee id, which breaks ties in favour of the
        # smaller id.
        raw = ((c.astype(np.int64) * n_t + t) * self.n_e + e)[order]
        keys, self.inv = np.unique(raw, return_inverse=True)
        # Keys are sorted, so each (customer, touchpoint) is a run of them: number the runs.
        of_key = keys // self.n_e
        starts = np.r_[True, of_key[1:] != of_key[:-1]] if len(keys) else np.zeros(0, bool)
        self.key_group = np.cumsum(starts) - 1
        groups = of_key[starts]
        self.key_employee = keys % self.n_e
        self.group_customer = groups // n_t
        self.k = np.zeros(len(keys), dtype=np.int64)  # interactions per key so far
        self.n = np.zeros(len(groups), dtype=np.int64)  # per (customer, touchpoint) so far
        self.seen = 0

    def attached_before(
        self, day: pd.Timestamp, rule: AttachmentRule
    ) -> tuple[np.ndarray, np.ndarray]:
        """(customer code, employee code) of every attachment from interactions before
        ``day``, sorted; a customer attached to one person at two touchpoints appears once."""
        stop = int(np.searchsorted(self.at, day.to_datetime64(), side="left"))
        if stop < self.seen:  # an earlier day than the last one: count again from the start
            self.k[:] = 0
            self.n[:] = 0
            self.seen = 0
        if stop > self.seen:
            new = self.inv[self.seen : stop]
            self.k += np.bincount(new, minlength=len(self.k))
            self.n += np.bincount(self.key_group[new], minlength=len(self.n))
            self.seen = stop
        n = self.n[self.key_group]
        # The top employee's share reaches the threshold exactly when some employee's does;
        # the same division as in concentration(), so the same ties at the threshold.
        ok = (n >= rule.min_interactions) & (n > 0)
        ok &= self.k / np.maximum(n, 1) >= rule.threshold
        cand = np.flatnonzero(ok)
        g = self.key_group[cand]
        if len(g) > 1 and bool(np.any(g[1:] == g[:-1])):
            # At a threshold of 1/2 or less two employees can both reach it: the top one
            # (most interactions, then the smaller id) is the one the customer is attached to.
            order = np.lexsort((cand, -self.k[cand], g))
            cand, g = cand[order], g[order]
            first = np.r_[True, g[1:] != g[:-1]]
            cand, g = cand[first], g[first]
        both = np.unique(self.group_customer[g] * self.n_e + self.key_employee[cand])
        return (both // self.n_e, both % self.n_e)


# --- internals -------------------------------------------------------------------------------
def _codes(values: pa.ChunkedArray | pa.Array, names: np.ndarray) -> np.ndarray:
    """Each value's position in ``names`` (-1 when absent), as int64."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    value_set = pa.array(list(names), type=values.type) if len(names) else pa.array([], values.type)
    found = pc.index_in(values, value_set=value_set)
    return pc.fill_null(found, -1).to_numpy().astype(np.int64)


def _datetimes(values: pa.ChunkedArray) -> np.ndarray:
    """A timestamp column as datetime64[ns] (text and dates are parsed as pandas would)."""
    if pa.types.is_date(values.type):
        values = values.cast(pa.timestamp("us"))
    if pa.types.is_timestamp(values.type) and values.type.tz is None:
        return values.to_numpy().astype("datetime64[ns]")
    return pd.to_datetime(values.to_pandas()).to_numpy(dtype="datetime64[ns]")


def _customer_rows(customers: TableLike) -> pd.DataFrame:
    t = as_table(customers)
    _require(t.columns, ("customer_id", "churned_at"), "customers")
    cols = ["customer_id", "churned_at"] + (["segment"] if "segment" in t.columns else [])
    rows = t.select(*cols).to_pyarrow()
    df = pd.DataFrame(
        {
            "customer_id": rows["customer_id"].to_pandas(),
            "churned_at": _datetimes(rows["churned_at"]),
            "segment": rows["segment"].to_pandas() if "segment" in cols else "",
        }
    )
    return df.drop_duplicates("customer_id")


def _employee_rows(employees: TableLike) -> pd.DataFrame:
    t = as_table(employees)
    _require(t.columns, ("employee_id", "unit_id", "left"), "employees")
    cols = ["employee_id", "unit_id", "left"] + (["name"] if "name" in t.columns else [])
    df = t.select(*cols).to_pandas()
    df["left"] = pd.to_datetime(df["left"])
    if "name" not in df:
        df["name"] = df["employee_id"]
    df["name"] = df["name"].fillna(df["employee_id"])
    df["unit_id"] = df["unit_id"].fillna("")
    return df.drop_duplicates("employee_id")


@dataclass(frozen=True, slots=True)
class Payments:
    """Transactions as arrays: customer code (as in :class:`People`, -1 for others), time
    and amount, in the table's order."""

    customer: np.ndarray
    at: np.ndarray
    amount: np.ndarray

    def of(self, mask: np.ndarray, start: pd.Timestamp, end: pd.Timestamp) -> float:
        """Revenue from customers flagged in ``mask`` (by code) in [start, end)."""
        flagged = np.r_[mask, False][self.customer]  # -1 reads the extra False
        sel = flagged & (self.at < end.to_datetime64()) & (self.at >= start.to_datetime64())
        # NaN amounts count as nothing, as pandas' sum skips them.
        return float(np.nansum(self.amount[sel]))


def load_payments(transactions: TableLike, people: People) -> Payments:
    t = as_table(transactions)
    _require(t.columns, ("customer_id", "at", "amount"), "transactions")
    rows = t.select("customer_id", "at", "amount").to_pyarrow()
    amount = rows["amount"]
    if not pa.types.is_floating(amount.type):
        amount = amount.cast(pa.float64())
    return Payments(
        customer=_codes(rows["customer_id"], people.customers),
        at=_datetimes(rows["at"]),
        amount=pc.fill_null(amount, float("nan")).to_numpy().astype(np.float64),
    )


def _require(have: Sequence[str], needed: Sequence[str], what: str) -> None:
    missing = [c for c in needed if c not in have]
    if missing:
        raise InvalidInputError(
            f"{what} table lacks column(s) {missing}; it has {sorted(have)}; "
            "import a file with these columns (see the canonical schema)"
        )


def _ts(d: date) -> Any:
    import ibis

    return ibis.timestamp(pd.Timestamp(d).to_pydatetime())


def _day(d: date) -> pd.Timestamp:
    return pd.Timestamp(d)


def _num(v: float) -> float | None:
    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else float(v)


def _with_value(a: pd.DataFrame, value: pd.DataFrame | None) -> pd.DataFrame:
    """``a`` with each customer's ``revenue_to_date`` and ``revenue_recent`` (0 unknown)."""
    if value is not None and not a.empty:
        a = a.merge(value, on="customer_id", how="left")
    for c in ("revenue_to_date", "revenue_recent"):
        if c not in a.columns:
            a[c] = 0.0
        a[c] = a[c].fillna(0.0)
    return a
