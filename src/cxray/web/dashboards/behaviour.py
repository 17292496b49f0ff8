"""Churn, lifetime value, money and drivers for one workspace, as a user is allowed to see it."""

from __future__ import annotations

from datetime import date

from cxray.analytics import reports
from cxray.analytics.drivers import DriverResult
from cxray.web.accounts.scope import Scope
from cxray.web.analytics_store import analytics
from cxray.web.dashboards.report_cache import cached_report
from cxray.web.dashboards.selectors import ScopedStore
from cxray.web.workspaces.models import Workspace


def churn(*, workspace: Workspace, scope: Scope, as_of: date) -> reports.ChurnReport:
    def compute() -> reports.ChurnReport:
        with analytics() as store:
            return reports.churn_report(
                ScopedStore(store, scope),
                workspace.slug,
                as_of=as_of,
                churn_lag_days=workspace.churn_lag_days,
            )

    return cached_report(
        "churn",
        workspace=workspace,
        scope=scope,
        compute=compute,
        as_of=as_of,
        lag=workspace.churn_lag_days,
    )


def clv_and_money(
    *, workspace: Workspace, scope: Scope, as_of: date, months: int = 12
) -> tuple[reports.ClvReport, reports.MoneyReport]:
    def compute() -> tuple[reports.ClvReport, reports.MoneyReport]:
        with analytics() as store:
            source = ScopedStore(store, scope)
            clv = reports.clv_report(source, workspace.slug, as_of=as_of, months=months)
            return clv, reports.money_report(source, workspace.slug, clv=clv)

    return cached_report(
        "clv_money", workspace=workspace, scope=scope, compute=compute, as_of=as_of, months=months
    )


def drivers(*, workspace: Workspace, scope: Scope, outcome: str) -> DriverResult:
    def compute() -> DriverResult:
        with analytics() as store:
            return reports.drivers_report(
                ScopedStore(store, scope), workspace.slug, outcome=outcome
            )

    return cached_report(
        "drivers", workspace=workspace, scope=scope, compute=compute, outcome=outcome
    )


def theme_drivers(*, workspace: Workspace, scope: Scope) -> DriverResult:
    from cxray.analytics.text_report import theme_drivers as drivers_of_themes

    def compute() -> DriverResult:
        with analytics() as store:
            return drivers_of_themes(ScopedStore(store, scope), workspace.slug)

    return cached_report("theme_drivers", workspace=workspace, scope=scope, compute=compute)
