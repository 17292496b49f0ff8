"""The home page's figures for one workspace: NPS and its change, customers, revenue, churn.

Each figure is one small Ibis aggregation on the canonical tables, so the page costs three
queries on any engine. The window is the ``months`` months that end on ``as_of``, both days
included: for ``as_of=2024-12-31, months=12`` it is 2024-01-01 .. 2024-12-31.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import ibis

from cxray.analytics.results import Headline, Score
from cxray.analytics.schema import TABLES
from cxray.analytics.scores import compare, proportion, score_by
from cxray.errors import InvalidInputError

if TYPE_CHECKING:
    from cxray.analytics.store import AnalyticsStore

_PERIOD = "_cx_period"


def headline(
    source: AnalyticsStore | Mapping[str, Any],
    workspace: str,
    *,
    as_of: date,
    months: int = 12,
    min_n: int = 30,
) -> Headline:
    """The home-page figures of ``workspace`` over the ``months`` months ending on ``as_of``.

    ``source`` is an :class:`~cxray.analytics.store.AnalyticsStore` or a mapping of canonical
    table names to Ibis tables / pandas DataFrames (a missing table counts as empty).

    - ``nps``: :func:`~cxray.analytics.scores.nps` of the window's responses with metric
      "nps"; ``nps_change``: against the ``months`` months before the window.
    - ``customers``: rows of ``customers``; ``active_customers``: those not churned as of
      ``as_of`` (``churned_at`` after ``as_of``, or no ``churned_at`` and ``churned`` not
      true).
    - ``revenue``: sum of ``transactions.amount`` in the window, over ``transactions`` rows.
    - ``churn``: the cohort churn rate. The cohort is the customers active when the window
      opens (first seen before ``start``, or never dated; not churned before ``start``);
      the rate is the share of them whose ``churned_at`` falls in the window, with a Wilson
      interval and the cohort size as ``n``. Customers who joined inside the window are not
      in the cohort, and churned customers without a date cannot be placed in time, so they
      are left out of it. If no churned customer has a date at all (a file with only a
      churned flag), the figure falls back to churned / all customers and ``churn_basis``
      says "all time" instead of "12 months" (the window: f"{months} months").
    """
    if months < 1:
        raise InvalidInputError(f"months must be at least 1, got {months}")
    start = _months_before(as_of, months) + timedelta(days=1)
    previous_start = _months_before(as_of, 2 * months) + timedelta(days=1)
    customers_t = _table(source, "customers", workspace)
    transactions_t = _table(source, "transactions", workspace)
    responses_t = _table(source, "responses", workspace)

    # NPS now and in the previous window, from one grouped aggregation.
    lo, mid, hi = (_midnight(previous_start), _midnight(start), _midnight(as_of + timedelta(1)))
    r = responses_t.filter((responses_t.at >= lo) & (responses_t.at < hi))
    r = r.mutate(**{_PERIOD: ibis.ifelse(r.at >= mid, "current", "previous")})
    by_period = score_by("nps", r, _PERIOD, min_n=min_n)
    empty = Score(math.nan, math.nan, math.nan, 0, "nps", min_n)
    nps_now = by_period.get("current", empty)
    nps_change = compare(by_period.get("previous", empty), nps_now)

    # Revenue in the window.
    t = transactions_t.filter((transactions_t.at >= mid) & (transactions_t.at < hi))
    money = t.aggregate(revenue=t.amount.sum(), n=t.count()).to_pyarrow().to_pylist()[0]

    # Customers and churn, in one aggregation.
    c = customers_t
    churned_now = ibis.ifelse(
        c.churned_at.notnull(), c.churned_at <= as_of, c.churned.fill_null(False)
    )
    in_cohort = (c.first_seen.isnull() | (c.first_seen < start)) & ibis.ifelse(
        c.churned_at.notnull(), c.churned_at >= start, ~c.churned.fill_null(False)
    )
    churned_in_window = in_cohort & c.churned_at.notnull() & (c.churned_at <= as_of)
    counts = (
        c.aggregate(
            customers=c.count(),
            churned=churned_now.cast("int64").sum(),
            dated=c.churned_at.notnull().cast("int64").sum(),
            cohort=in_cohort.cast("int64").sum(),
            lost=churned_in_window.cast("int64").sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    customers, churned = counts["customers"] or 0, counts["churned"] or 0
    if not counts["dated"] and churned:
        churn = proportion(churned, customers, metric="churn", min_n=min_n)
        basis = "all time"
    else:
        churn = proportion(counts["lost"] or 0, counts["cohort"] or 0, metric="churn", min_n=min_n)
        basis = f"{months} months"

    return Headline(
        workspace=workspace,
        as_of=as_of,
        start=start,
        months=months,
        nps=nps_now,
        nps_change=nps_change,
        customers=customers,
        active_customers=customers - churned,
        revenue=float(money["revenue"] or 0.0),
        transactions=int(money["n"] or 0),
        churn=churn,
        churn_basis=basis,
    )


def _table(source: Any, name: str, workspace: str) -> ibis.Table:
    """One canonical table of one workspace, from a store or from a mapping of tables."""
    if hasattr(source, "table") and not isinstance(source, Mapping):
        return source.table(name, workspace)
    if not isinstance(source, Mapping):
        raise InvalidInputError(
            f"expected an AnalyticsStore or a mapping of table names to tables, "
            f"got {type(source).__name__}"
        )
    obj = source.get(name)
    if obj is None:  # an absent table counts as an empty one
        return ibis.memtable(TABLES[name].to_pyarrow().empty_table())
    t = obj if isinstance(obj, ibis.Table) else ibis.memtable(obj)
    missing = [col for col in _NEEDED[name] if col not in t.columns]
    if missing:
        raise InvalidInputError(f"table {name!r} lacks column(s) {missing}")
    return t.filter(t.workspace == workspace) if "workspace" in t.columns else t


_NEEDED: dict[str, tuple[str, ...]] = {
    "customers": ("first_seen", "churned", "churned_at"),
    "transactions": ("at", "amount"),
    "responses": ("at", "metric", "score"),
}


def _months_before(d: date, months: int) -> date:
    """The same day ``months`` calendar months earlier, clamped to the month's last day."""
    index = d.year * 12 + d.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time())
