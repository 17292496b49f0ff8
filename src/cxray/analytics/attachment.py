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

import pandas as pd

from cxray.analytics.tables import as_table
from cxray.errors import InvalidInputError

if TYPE_CHECKING:
    import ibis
    import pyarrow as pa

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
    if value is not None and not a.empty:
        a = a.merge(value, on="customer_id", how="left")
    for c in ("revenue_to_date", "revenue_recent"):
        if c not in a.columns:
            a[c] = 0.0
        a[c] = a[c].fillna(0.0)
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
    conc = concentration(interactions, before=as_of + timedelta(days=1))
    cust = _customer_rows(customers)
    active = cust[cust["churned_at"].isna() | (cust["churned_at"] > _day(as_of))]["customer_id"]
    conc = conc[conc["customer_id"].isin(active)]
    value = customer_value(transactions, as_of=as_of) if transactions is not None else None
    per = attached_by_employee(conc, value=value, rule=rule)
    emp = _employee_rows(employees).set_index("employee_id")
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


# --- internals -------------------------------------------------------------------------------
def _interaction_rows(interactions: TableLike) -> pd.DataFrame:
    t = as_table(interactions)
    _require(t.columns, ("customer_id", "employee_id", "touchpoint_id", "at"), "interactions")
    t = t.filter(t.customer_id.notnull() & t.employee_id.notnull())
    df = t.select("customer_id", "touchpoint_id", "employee_id", "at").to_pandas()
    df["touchpoint_id"] = df["touchpoint_id"].fillna("")
    df["at"] = pd.to_datetime(df["at"])
    return df


def _customer_rows(customers: TableLike) -> pd.DataFrame:
    t = as_table(customers)
    _require(t.columns, ("customer_id", "churned_at"), "customers")
    cols = ["customer_id", "churned_at"] + (["segment"] if "segment" in t.columns else [])
    df = t.select(*cols).to_pandas()
    df["churned_at"] = pd.to_datetime(df["churned_at"])
    if "segment" not in df:
        df["segment"] = ""
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


def _tx_rows(transactions: TableLike) -> pd.DataFrame:
    t = as_table(transactions)
    _require(t.columns, ("customer_id", "at", "amount"), "transactions")
    df = t.select("customer_id", "at", "amount").to_pandas()
    df["at"] = pd.to_datetime(df["at"])
    return df


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
