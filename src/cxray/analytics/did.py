"""The measured effect of an initiative: difference in differences, in money per year.

An initiative changes something in some units (``treated_units``) or for one customer
segment (``treated_segment``) from a start date on. Its effect on an outcome is the change
in the treated group from the window before the start to the window after it, minus the
change in the comparison group over the same windows (every other unit, or every other
segment): whatever moved both groups alike (season, prices, a campaign) cancels out.

Windows: ``after`` = [start, start + L months), ``before`` = [start - L months, start), with
L = whole months from the start to ``as_of``, at most ``max_months`` (12). Equal lengths keep
the two windows comparable in season length.

Outcomes, per cluster (a unit, or a customer in segment mode) and window:

* ``nps``: NPS of the answers in the window, as the mean of each answer's contribution
  (+100 promoter, 0 passive, -100 detractor), so the pooled figure is the ordinary NPS.
* ``revenue``: revenue per customer per month: Σ amount / distinct customers / L.
* ``churn``: percent of customers churning in the window among those who bought at the unit
  in the L months before the window and had not left before it (units only).

Estimator and interval: :func:`cxray.analytics.money.did_effect` -- each cluster collapsed to
its mean before and after, effect = mean change of treated clusters - mean change of
control clusters; the standard error is the cluster-robust one (by unit, or by customer)
with Welch degrees of freedom (Bertrand, Duflo & Mullainathan 2004).

Money per year (``value_per_point`` = money per year for one unit of the outcome):

* ``revenue``: effect × 12 × treated customers (customers of the treated group after).
* ``nps``: one NPS point is 1% of the treated customers moving one loyalty group up, each
  worth half of what a promoter brings in a year more than a detractor (the promoter -
  detractor difference in revenue over the 12 months before ``as_of``). This prices an
  association, not a causal effect; the page says so. Where promoters brought no more
  than detractors, an NPS change is not priced (``unpriced``).
* ``churn``: -1 point keeps 1% of the treated customers (the after window's base) per
  window, each worth a year of revenue per customer of the treated units (the 12 months
  before ``as_of``); × 12 / L to make it per year.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Protocol

import ibis

from cxray.analytics.money import DidResult, cost_of_dissatisfied_customer, did_effect
from cxray.errors import InsufficientDataError, InvalidInputError

OUTCOMES = ("nps", "revenue", "churn")
MAX_MONTHS = 12
UNPRICED_NO_REVENUE = "no_revenue"
UNPRICED_PROMOTERS_NOT_WORTH_MORE = "promoters_not_worth_more"


class Source(Protocol):
    def table(self, name: str, workspace: str) -> ibis.Table: ...


@dataclass(frozen=True)
class InitiativeEffect:
    outcome: str
    clusters: str  # "unit" or "customer"
    months: int
    before: tuple[date, date]
    after: tuple[date, date]
    did: DidResult
    treated_customers: int
    value_per_point: float  # money per year for one unit of the outcome; NaN if unpriced
    promoter_minus_detractor: float  # annual revenue difference used for nps; NaN otherwise
    annual_revenue_per_customer: float  # used for churn; NaN otherwise
    unpriced: str = ""  # why there is no money figure: UNPRICED_*; "" when priced

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["did"] = self.did.as_dict()
        d["before"] = [self.before[0].isoformat(), self.before[1].isoformat()]
        d["after"] = [self.after[0].isoformat(), self.after[1].isoformat()]
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later (or earlier), clipped to the month's last day."""
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    m += 1
    last = (date(y + m // 12, m % 12 + 1, 1) - date(y, m, 1)).days
    return date(y, m, min(d.day, last))


def did_windows(
    started: date, as_of: date, *, max_months: int = MAX_MONTHS
) -> tuple[int, tuple[date, date], tuple[date, date]]:
    """(L, before, after): the two equal windows of L whole months around ``started``."""
    months = 0
    while months < max_months and add_months(started, months + 1) <= as_of:
        months += 1
    if months < 1:
        raise InsufficientDataError(
            f"the initiative started on {started.isoformat()}; its effect can be measured "
            "after one whole month"
        )
    return months, (add_months(started, -months), started), (started, add_months(started, months))


def _ts(d: date) -> ibis.Value:
    return ibis.literal(datetime(d.year, d.month, d.day), type="timestamp")


def _period(at: ibis.Value, start: date) -> ibis.Value:
    return ibis.ifelse(at < _ts(start), "before", "after")


def _in(at: ibis.Value, window: tuple[date, date]) -> ibis.Value:
    return (at >= _ts(window[0])) & (at < _ts(window[1]))


def _treated_flag(
    t: ibis.Table, *, treated_units: frozenset[str] | None, treated_segment: str | None
) -> ibis.Value:
    if treated_units is not None:
        return t["unit_id"].isin(list(treated_units)).cast("int64")
    return (t["segment"] == treated_segment).fill_null(False).cast("int64")


def outcome_panel(
    source: Source,
    workspace: str,
    *,
    outcome: str,
    started: date,
    months: int,
    treated_units: frozenset[str] | None = None,
    treated_segment: str | None = None,
    churn_lag_days: int = 0,
) -> ibis.Table:
    """Rows (cluster, period, treated, y): the outcome of each cluster before and after.

    NPS rows are single answers (``did_effect`` averages them per cluster and period);
    revenue and churn rows are already one per cluster and period.
    """
    if outcome not in OUTCOMES:
        raise InvalidInputError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    if (treated_units is None) == (treated_segment is None):
        raise InvalidInputError("give the treated units or the treated customer segment (one)")
    if treated_units is not None and not treated_units:
        raise InvalidInputError("no treated unit: pick the units where the change was made")
    by_unit = treated_units is not None
    window = (add_months(started, -months), add_months(started, months))
    customers = source.table("customers", workspace)
    if outcome == "nps":
        r = source.table("responses", workspace)
        r = r.filter((r.metric == "nps") & r.score.notnull() & _in(r.at, window))
        if by_unit:
            r = r.filter(r.unit_id.notnull()).mutate(cluster=r.unit_id)
        else:
            seg = customers.select("customer_id", "segment").distinct(on="customer_id")
            r = r.filter(r.customer_id.notnull()).join(seg, "customer_id")
            r = r.mutate(cluster=r.customer_id)
        y = ibis.cases((r.score >= 9, 100.0), (r.score <= 6, -100.0), else_=0.0)
        flag = _treated_flag(r, treated_units=treated_units, treated_segment=treated_segment)
        return r.select("cluster", period=_period(r.at, started), treated=flag, y=y)
    tx = source.table("transactions", workspace)
    if outcome == "revenue":
        tx = tx.filter(tx.amount.notnull() & tx.customer_id.notnull() & _in(tx.at, window))
        if by_unit:
            tx = tx.filter(tx.unit_id.notnull()).mutate(cluster=tx.unit_id)
        else:
            seg = customers.select("customer_id", "segment").distinct(on="customer_id")
            tx = tx.join(seg, "customer_id").mutate(cluster=tx.customer_id)
        tx = tx.mutate(
            period=_period(tx.at, started),
            treated=_treated_flag(tx, treated_units=treated_units, treated_segment=treated_segment),
        )
        return tx.group_by(["cluster", "period", "treated"]).aggregate(
            y=tx.amount.cast("float64").sum() / tx.customer_id.nunique() / months
        )
    if not by_unit:
        raise InvalidInputError(
            "churn can be measured for treated units only: a customer who left before the "
            "start has no 'after'; pick units, or measure NPS or revenue for the segment"
        )
    if churn_lag_days:
        customers = customers.mutate(
            churned_at=customers.churned_at - ibis.interval(days=churn_lag_days)
        )
    left = customers.select("customer_id", "churned_at").distinct(on="customer_id")
    parts = []
    for period, w0 in (("before", window[0]), ("after", started)):
        w1 = add_months(w0, months)
        look = (add_months(w0, -months), w0)
        t = tx.filter(tx.customer_id.notnull() & tx.unit_id.notnull() & _in(tx.at, look))
        base = t.select(cluster=t.unit_id, customer_id=t.customer_id).distinct()
        base = base.left_join(left, "customer_id")
        gone_before = base.churned_at.notnull() & (base.churned_at < w0)
        base = base.filter(~gone_before)
        churned = (base.churned_at.notnull() & (base.churned_at < w1)).cast("float64")
        parts.append(
            base.group_by("cluster")
            .aggregate(y=100.0 * churned.mean())
            .mutate(period=ibis.literal(period))
        )
    panel = parts[0].union(parts[1])
    return panel.mutate(treated=panel.cluster.isin(list(treated_units)).cast("int64")).select(
        "cluster", "period", "treated", "y"
    )


def _treated_customers(
    source: Source,
    workspace: str,
    window: tuple[date, date],
    *,
    treated_units: frozenset[str] | None,
    treated_segment: str | None,
) -> int:
    """Distinct customers of the treated group who bought or answered in ``window``."""
    keys = []
    for name in ("transactions", "responses"):
        t = source.table(name, workspace)
        t = t.filter(t.customer_id.notnull() & _in(t.at, window))
        if treated_units is not None:
            t = t.filter(t.unit_id.isin(list(treated_units)))
        keys.append(t.select("customer_id"))
    ids = keys[0].union(keys[1])
    if treated_segment is not None:
        c = source.table("customers", workspace)
        ids = ids.semi_join(c.filter(c.segment == treated_segment), "customer_id")
    return int(ids.distinct().count().execute())


def _annual_revenue_per_customer(
    source: Source, workspace: str, as_of: date, *, treated_units: frozenset[str] | None
) -> float:
    tx = source.table("transactions", workspace)
    tx = tx.filter(_in(tx.at, (add_months(as_of, -12), as_of)) & tx.customer_id.notnull())
    if treated_units is not None:
        tx = tx.filter(tx.unit_id.isin(list(treated_units)))
    row = tx.aggregate(s=tx.amount.cast("float64").sum(), n=tx.customer_id.nunique()).execute()
    s, n = row["s"].iloc[0], int(row["n"].iloc[0])
    return float(s) / n if n and s is not None else math.nan


def _promoter_minus_detractor(source: Source, workspace: str, as_of: date) -> float:
    """How much more revenue a promoter brought than a detractor over the last 12 months;
    NaN without revenue or without 2 customers in each group."""
    r = source.table("responses", workspace)
    tx = source.table("transactions", workspace)
    year = (add_months(as_of, -12), as_of)
    if int(tx.filter(_in(tx.at, year)).count().execute()) == 0:
        return math.nan
    try:
        return cost_of_dissatisfied_customer(
            r.filter(r.metric == "nps"), tx, window=year
        ).difference
    except InsufficientDataError:
        return math.nan


def measure_initiative(
    source: Source,
    workspace: str,
    *,
    outcome: str,
    started: date,
    as_of: date,
    treated_units: frozenset[str] | None = None,
    treated_segment: str | None = None,
    churn_lag_days: int = 0,
    max_months: int = MAX_MONTHS,
    confidence: float = 0.95,
) -> InitiativeEffect:
    """The difference-in-differences effect of one initiative and its worth per year.

    Raises :class:`InsufficientDataError` when it started less than a month ago or fewer
    than 2 treated or 2 control clusters have data both before and after.
    """
    months, before, after = did_windows(started, as_of, max_months=max_months)
    panel = outcome_panel(
        source,
        workspace,
        outcome=outcome,
        started=started,
        months=months,
        treated_units=treated_units,
        treated_segment=treated_segment,
        churn_lag_days=churn_lag_days,
    )
    # For churn, the customers at stake are the after window's base: those who bought in
    # the months before it (see outcome_panel); otherwise those served after the start.
    counted = before if outcome == "churn" else after
    n_customers = _treated_customers(
        source, workspace, counted, treated_units=treated_units, treated_segment=treated_segment
    )
    pmd = arpc = math.nan
    unpriced = ""
    if outcome == "revenue":
        per_point = 12.0 * n_customers
    elif outcome == "nps":
        pmd = _promoter_minus_detractor(source, workspace, as_of)
        if math.isnan(pmd):
            unpriced = UNPRICED_NO_REVENUE
        elif pmd <= 0:
            # Promoters bring no more than detractors here: an NPS gain has no price.
            unpriced = UNPRICED_PROMOTERS_NOT_WORTH_MORE
        per_point = math.nan if unpriced else 0.01 * n_customers * pmd / 2
    else:
        arpc = _annual_revenue_per_customer(source, workspace, as_of, treated_units=treated_units)
        unpriced = UNPRICED_NO_REVENUE if math.isnan(arpc) else ""
        per_point = -0.01 * n_customers * arpc * 12 / months
    result = did_effect(
        panel,
        unit="cluster",
        period="period",
        treated="treated",
        outcome="y",
        pre="before",
        post="after",
        value_per_point=None if math.isnan(per_point) else per_point,
        confidence=confidence,
    )
    return InitiativeEffect(
        outcome=outcome,
        clusters="unit" if treated_units is not None else "customer",
        months=months,
        before=before,
        after=after,
        did=result,
        treated_customers=n_customers,
        value_per_point=per_point,
        promoter_minus_detractor=pmd,
        annual_revenue_per_customer=arpc,
        unpriced=unpriced,
    )
