"""Churn, lifetime value, money and drivers for one workspace, as a user is allowed to see it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis
import numpy as np

from cxray.analytics import reports
from cxray.analytics.customer_groups import GroupedSource, check_grouping
from cxray.analytics.drivers import DriverResult
from cxray.analytics.results import Score
from cxray.analytics.scores import proportion
from cxray.errors import InsufficientDataError, InvalidInputError
from cxray.web.accounts.scope import Scope, unit_subtree_codes
from cxray.web.analytics_store import analytics
from cxray.web.dashboards.report_cache import cached_report
from cxray.web.dashboards.selectors import ScopedStore
from cxray.web.workspaces.models import Workspace

CHURN_FILTERS = ("segment", "unit", "first_seen_from", "first_seen_to")


@dataclass(frozen=True)
class ChurnFilters:
    """What the churn and money page, ``cxray report churn|clv|money`` and
    ``/api/v1/reports/churn|clv|money`` narrow to, and how they group the customers.

    ``unit`` keeps the customers who bought or visited at that unit or below it (within the
    viewer's own scope); ``first_seen_from``/``first_seen_to`` keep one cohort of customers by
    the day they were first seen, both ends included. ``by`` is what the tables "by segment"
    group on (see :mod:`cxray.analytics.customer_groups`); it narrows nothing.
    """

    segment: str | None = None
    unit: str | None = None
    first_seen_from: date | None = None
    first_seen_to: date | None = None
    by: str = "segment"

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> ChurnFilters:
        """From a URL query, API parameters or CLI options; empty values mean "all"."""
        text = {k: str(values.get(k) or "").strip() for k in CHURN_FILTERS}
        dates = {k: _parse_date(k, text[k]) for k in ("first_seen_from", "first_seen_to")}
        start, end = dates["first_seen_from"], dates["first_seen_to"]
        if start and end and start > end:
            raise InvalidInputError(
                f"first_seen_from {start.isoformat()} is after first_seen_to "
                f"{end.isoformat()}; swap the two dates"
            )
        return cls(
            segment=text["segment"] or None,
            unit=text["unit"] or None,
            by=check_grouping(str(values.get("by") or "segment")),
            **dates,
        )

    @property
    def is_empty(self) -> bool:
        """True when no filter narrows the customers (whatever they are grouped by)."""
        return not any(v for k, v in self.as_dict().items() if k != "by")

    def as_dict(self) -> dict[str, str]:
        """The filters and grouping as strings, "" where unset (for links, the API and cache
        keys)."""
        values = {
            k: (v.isoformat() if isinstance(v, date) else v or "")
            for k, v in ((k, getattr(self, k)) for k in CHURN_FILTERS)
        }
        return {**values, "by": self.by}

    def query(self) -> dict[str, str]:
        """What differs from the defaults: for links and file names."""
        return {k: v for k, v in self.as_dict().items() if v and (k, v) != ("by", "segment")}

    def describe(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.as_dict().items() if v and k != "by")


def _parse_date(field: str, value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(
            f"{field} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2024-01-31"
        ) from None


class NoMatchingCustomers(InsufficientDataError):
    """No customer passes the filters; the message says which filter and what exists."""


def filtered_scope(*, workspace: Workspace, scope: Scope, unit: str | None) -> Scope:
    """The viewer's scope narrowed to one unit and the units below it.

    A unit manager may pick only units inside their own part of the company, as everywhere
    else in the app; a unit code that does not exist is an error, not an empty report.
    """
    if not unit:
        return scope
    from cxray.web.people.models import Unit

    found = Unit.objects.filter(workspace=workspace, code=unit).first()
    if found is None:
        raise InvalidInputError(
            f"unit {unit!r} does not exist in this workspace; use a unit code from People → Units"
        )
    codes = unit_subtree_codes(found)
    if scope.unit_ids is not None:
        if unit not in scope.unit_ids:
            raise InvalidInputError(f"unit {unit!r} is outside the units you may see")
        codes = codes & scope.unit_ids
    return Scope(unit_ids=codes, employee_ids=scope.employee_ids)


class CustomerFilteredStore:
    """A source that keeps only the customers of one segment and/or first-seen cohort, and
    only their facts, so every figure on the churn page speaks of the same customers."""

    def __init__(self, source: ScopedStore, filters: ChurnFilters) -> None:
        self.source = source
        self.filters = filters

    def __getattr__(self, name: str) -> Any:
        return getattr(self.source, name)

    def customers(self, workspace: str) -> ibis.Table:
        c = self.source.table("customers", workspace)
        f = self.filters
        if f.segment:
            c = c.filter(c.segment == f.segment)
        if f.first_seen_from:
            c = c.filter(c.first_seen >= f.first_seen_from)
        if f.first_seen_to:
            c = c.filter(c.first_seen <= f.first_seen_to)
        return c

    def table(self, name: str, workspace: str) -> ibis.Table:
        t = self.source.table(name, workspace)
        f = self.filters
        if not (f.segment or f.first_seen_from or f.first_seen_to):
            return t
        if name == "customers":
            return self.customers(workspace)
        if "customer_id" in t.columns:
            return t.filter(t.customer_id.isin(self.customers(workspace).customer_id))
        return t


def _filtered_source(store: Any, scope: Scope, filters: ChurnFilters) -> CustomerFilteredStore:
    return CustomerFilteredStore(ScopedStore(store, scope), filters)


def _grouped_source(source: CustomerFilteredStore, slug: str, filters: ChurnFilters) -> Any:
    """``source`` with its customers grouped as ``filters.by`` asks (an error names the
    columns there are when it asks for one no customer has)."""
    group = GroupedSource(source, filters.by)
    group.check(slug)
    return group


def _check_some_customers(source: CustomerFilteredStore, slug: str, filters: ChurnFilters) -> None:
    """Raise :class:`NoMatchingCustomers` with the reason when no customer is left."""
    if filters.is_empty or int(source.table("customers", slug).count().execute()):
        return
    if filters.segment:
        c = source.source.table("customers", slug)
        known = sorted(c.filter(c.segment.notnull()).select("segment").distinct().segment.execute())
        if filters.segment not in known:
            raise NoMatchingCustomers(
                f"no customers in segment {filters.segment!r}; the segments here are: "
                + (", ".join(known) or "none")
            )
    raise NoMatchingCustomers(f"no customers match these filters ({filters.describe()})")


def churn(
    *,
    workspace: Workspace,
    scope: Scope,
    as_of: date,
    filters: ChurnFilters | None = None,
) -> reports.ChurnReport:
    """The churn report of the customers the viewer may see, narrowed by ``filters``."""
    filters = filters or ChurnFilters()
    narrowed = filtered_scope(workspace=workspace, scope=scope, unit=filters.unit)

    def compute() -> reports.ChurnReport:
        with analytics() as store:
            source = _filtered_source(store, narrowed, filters)
            _check_some_customers(source, workspace.slug, filters)
            return reports.churn_report(
                _grouped_source(source, workspace.slug, filters),
                workspace.slug,
                as_of=as_of,
                churn_lag_days=workspace.churn_lag_days,
            )

    return cached_report(
        "churn",
        workspace=workspace,
        scope=narrowed,
        compute=compute,
        as_of=as_of,
        lag=workspace.churn_lag_days,
        **filters.as_dict(),
    )


def churn_by_segment(report: reports.ChurnReport) -> list[tuple[str, Score]]:
    """Customers who left out of all followed, per segment and then "all" (key ``""``), as a
    share in percent with its Wilson interval."""
    rows = [(str(k), proportion(c.n_events, c.n, metric="churn")) for k, c in report.curves.items()]
    left = sum(c.n_events for c in report.curves.values())
    followed = sum(c.n for c in report.curves.values())
    return [*rows, ("", proportion(left, followed, metric="churn"))]


def churn_as_dict(report: reports.ChurnReport, filters: ChurnFilters) -> dict[str, Any]:
    """What the CLI prints with --json and the API returns: the report, the filters it was
    computed with and the churn share by segment."""
    return {
        **report.as_dict(),
        "filters": filters.as_dict(),
        "churn_by_segment": [
            {
                "segment": k or None,  # None: every customer shown
                "customers": s.n,
                "left": s.top,
                "churn_pct": _finite(s.value),
                "low": _finite(s.low),
                "high": _finite(s.high),
                "reliable": s.reliable,
            }
            for k, s in churn_by_segment(report)
        ],
    }


def _plain(value: Any) -> Any:
    """A JSON value from a pandas cell: numpy numbers become Python ones, NaN None."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return _finite(float(value))
    return value


def _finite(value: float) -> float | None:
    return float(value) if value == value else None  # NaN (no customers) is not JSON


def churn_none_dict(problem: NoMatchingCustomers, filters: ChurnFilters) -> dict[str, Any]:
    """The empty answer when no customer passes the filters: zero customers and why."""
    return {
        "filters": filters.as_dict(),
        "customers": 0,
        "note": str(problem),
        "survival": {},
        "churn_by_segment": [],
        "score_predicts_churn": [],
        "loyal_looking_churners": {},
        "cox": None,
    }


def clv_fit(
    *, workspace: Workspace, scope: Scope, as_of: date, months: int = 12
) -> reports.ClvReport:
    """The lifetime-value model fitted on every customer the viewer may see, unfiltered."""

    def compute() -> reports.ClvReport:
        with analytics() as store:
            return reports.clv_report(
                ScopedStore(store, scope), workspace.slug, as_of=as_of, months=months
            )

    return cached_report(
        "clv_fit", workspace=workspace, scope=scope, compute=compute, as_of=as_of, months=months
    )


def clv_and_money(
    *,
    workspace: Workspace,
    scope: Scope,
    as_of: date,
    months: int = 12,
    filters: ChurnFilters | None = None,
) -> tuple[reports.ClvReport, reports.MoneyReport]:
    """Lifetime value and money of the customers that pass ``filters``.

    The BG/NBD and Gamma-Gamma models are fitted once on everything the viewer may see; the
    filters then choose whose values are shown (see :func:`reports.clv_for_customers`), so a
    customer's value is the same on a filtered and an unfiltered page. The money tables read
    the filtered customers' answers and payments, as the churn tables do. Raises
    :class:`NoMatchingCustomers` when no customer, or no customer with a purchase, is left.
    """
    filters = filters or ChurnFilters()
    narrowed = filtered_scope(workspace=workspace, scope=scope, unit=filters.unit)

    def compute() -> tuple[reports.ClvReport, reports.MoneyReport]:
        with analytics() as store:
            source = _filtered_source(store, narrowed, filters)
            _check_some_customers(source, workspace.slug, filters)
            source = _grouped_source(source, workspace.slug, filters)
            clv = fit = clv_fit(workspace=workspace, scope=scope, as_of=as_of, months=months)
            if not filters.is_empty or filters.by != "segment":
                shown = source.table("customers", workspace.slug).select("customer_id", "segment")
                rows = shown.to_pyarrow().to_pylist()
                groups = {r["customer_id"]: r["segment"] for r in rows}
                try:
                    clv = reports.clv_for_customers(fit, groups, groups=groups)
                except InsufficientDataError:
                    raise NoMatchingCustomers(
                        f"none of the {len(groups)} customers that match these filters "
                        f"({filters.describe()}) has a purchase before {as_of.isoformat()}, "
                        "and lifetime value is computed from purchases"
                    ) from None
            return clv, reports.money_report(source, workspace.slug, clv=clv)

    # Keyed on the viewer's own scope, not the narrowed one: the model is fitted on the former,
    # so an administrator's unit filter and that unit's manager get different values.
    return cached_report(
        "clv_money",
        workspace=workspace,
        scope=scope,
        compute=compute,
        as_of=as_of,
        months=months,
        units=sorted(narrowed.unit_ids) if narrowed.unit_ids is not None else None,
        **filters.as_dict(),
    )


PER_CUSTOMER = (
    "customer_id",
    "segment",
    "frequency",
    "recency",
    "T",
    "p_alive",
    "expected_purchases",
    "clv",
)


def clv_as_dict(
    clv: reports.ClvReport, filters: ChurnFilters, *, per_customer: bool = False
) -> dict[str, Any]:
    """What ``cxray report clv --json`` and ``/api/v1/reports/clv`` return; with
    ``per_customer`` also each customer's repeat purchases, recency and age in weeks,
    probability alive, expected purchases and value over the horizon, highest value first."""
    data = {**clv.as_dict(), "filters": filters.as_dict(), "customers": len(clv.per_customer)}
    if per_customer:
        rows = clv.per_customer[list(PER_CUSTOMER)].sort_values(
            ["clv", "customer_id"], ascending=[False, True]
        )
        data["per_customer"] = [
            {k: _plain(v) for k, v in r.items()} for r in rows.to_dict("records")
        ]
    return data


def clv_none_dict(
    problem: NoMatchingCustomers, filters: ChurnFilters, months: int
) -> dict[str, Any]:
    """The empty lifetime-value answer when no customer passes the filters, and why."""
    return {
        "filters": filters.as_dict(),
        "customers": 0,
        "note": str(problem),
        "months": months,
        "bg_nbd": {},
        "gamma_gamma": {},
        "by_segment": [],
    }


def money_as_dict(
    money: reports.MoneyReport, clv: reports.ClvReport, filters: ChurnFilters
) -> dict[str, Any]:
    """What ``cxray report money --json`` and ``/api/v1/reports/money`` return;
    ``customers`` counts the customers valued (those with a purchase)."""
    return {**money.as_dict(), "filters": filters.as_dict(), "customers": len(clv.per_customer)}


def money_none_dict(problem: NoMatchingCustomers, filters: ChurnFilters) -> dict[str, Any]:
    """The empty money answer when no customer passes the filters, and why."""
    return {
        "filters": filters.as_dict(),
        "customers": 0,
        "note": str(problem),
        "by_loyalty": [],
        "value_at_risk_by_touchpoint": [],
        "value_at_risk_by_segment": [],
        "promoter_minus_detractor": None,
        "promoter_minus_detractor_note": str(problem),
    }


def drivers(
    *,
    workspace: Workspace,
    scope: Scope,
    outcome: str,
    method: str = "shapley",
    segment: str | None = None,
) -> DriverResult:
    """Touchpoints as drivers of ``outcome``; ``method`` is one of
    :data:`cxray.analytics.drivers.METHODS`; ``segment`` keeps that segment's customers."""
    filters = ChurnFilters(segment=segment or None)

    def compute() -> DriverResult:
        with analytics() as store:
            source = _filtered_source(store, scope, filters)
            _check_some_customers(source, workspace.slug, filters)
            return reports.drivers_report(source, workspace.slug, outcome=outcome, method=method)

    return cached_report(
        "drivers",
        workspace=workspace,
        scope=scope,
        compute=compute,
        outcome=outcome,
        method=method,
        segment=filters.segment,
    )


def drivers_by_segment(
    *, workspace: Workspace, scope: Scope, outcome: str, method: str = "shapley"
) -> list[dict[str, Any]]:
    """:func:`drivers` for each segment the viewer may see, as JSON-ready rows; a segment with
    too little data has a ``note`` saying why instead of weights."""
    rows: list[dict[str, Any]] = []
    for segment in segment_names(workspace=workspace, scope=scope):
        try:
            result = drivers(
                workspace=workspace, scope=scope, outcome=outcome, method=method, segment=segment
            )
        except InsufficientDataError as exc:
            rows.append({"segment": segment, "note": str(exc)})
        else:
            rows.append({"segment": segment, **result.as_dict()})
    return rows


def segment_names(*, workspace: Workspace, scope: Scope) -> list[str]:
    """The customers' segments the viewer may see, sorted."""

    def compute() -> list[str]:
        with analytics() as store:
            c = ScopedStore(store, scope).table("customers", workspace.slug)
            names = c.filter(c.segment.notnull()).select("segment").distinct()
            return sorted(names.segment.to_pyarrow().to_pylist())

    return cached_report("churn_segments", workspace=workspace, scope=scope, compute=compute)


def theme_drivers(*, workspace: Workspace, scope: Scope, method: str = "shapley") -> DriverResult:
    from cxray.analytics.text_report import theme_drivers as drivers_of_themes

    def compute() -> DriverResult:
        with analytics() as store:
            return drivers_of_themes(ScopedStore(store, scope), workspace.slug, method=method)

    return cached_report(
        "theme_drivers", workspace=workspace, scope=scope, compute=compute, method=method
    )
