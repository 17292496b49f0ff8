from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from django.core.cache import cache
from django.db.models import QuerySet

from cxray.analytics.attachment import DEFAULT_WINDOW_DAYS, AttachmentRule, DependencyAlert
from cxray.analytics.attachment_departures import DepartureEffect, attachment_overview
from cxray.analytics.ex_cx import (
    Correlation,
    LaggedPair,
    UnitPair,
    ex_cx_overview,
    lagged_correlation,
    score_by_many,
    unit_correlation,
)
from cxray.analytics.internal_nps import InternalMatrix, internal_matrix
from cxray.analytics.results import Score
from cxray.analytics.scores import enps
from cxray.errors import InvalidInputError
from cxray.web.accounts.scope import Scope
from cxray.web.analytics_store import analytics
from cxray.web.dashboards.selectors import ScopedStore
from cxray.web.people.anonymity import people_settings_get, protected_answers
from cxray.web.people.models import Employee, Unit
from cxray.web.workspaces.models import Workspace


def unit_list(*, workspace: Workspace, scope: Scope) -> QuerySet[Unit]:
    qs = Unit.objects.filter(workspace=workspace).select_related("parent")
    if scope.unit_ids is not None:
        qs = qs.filter(code__in=scope.unit_ids)
    return qs


def employee_list(*, workspace: Workspace, scope: Scope) -> QuerySet[Employee]:
    qs = Employee.objects.filter(workspace=workspace).select_related("unit")
    if scope.unit_ids is not None:
        qs = qs.filter(unit__code__in=scope.unit_ids)
    if scope.employee_ids is not None:
        qs = qs.filter(code__in=scope.employee_ids)
    return qs


# --- people analytics (attachment, employee surveys, internal NPS, EX beside CX) ------------
# Reads go through ScopedStore, so a unit manager sees their subtree; employees' answers only
# ever arrive as protected cells (cxray.web.people.anonymity).
PEOPLE_CACHE_SECONDS = 600


@dataclass(frozen=True)
class AttachmentReport:
    as_of: date
    rule: AttachmentRule
    window_days: int
    departures: list[DepartureEffect]
    alerts: list[DependencyAlert]

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "threshold": self.rule.threshold,
            "min_interactions": self.rule.min_interactions,
            "window_days": self.window_days,
            "departures": [d.as_dict() for d in self.departures],
            "alerts": [a.as_dict() for a in self.alerts],
        }


def attachment_rule(*, workspace: Workspace) -> AttachmentRule:
    s = people_settings_get(workspace_slug=workspace.slug)
    return AttachmentRule(float(s.attachment_threshold), int(s.attachment_min_interactions))


def attachment_report(
    *, workspace: Workspace, scope: Scope, as_of: date, min_attached: int = 3
) -> AttachmentReport:
    """Departed employees' attached customers against comparable ones, and who the active
    customers depend on now. Cached per store version: the figures change only with data."""
    rule = attachment_rule(workspace=workspace)
    with analytics() as store:
        key = _cache_key("attachment", store, workspace, scope, as_of, rule, min_attached)
        found = cache.get(key)
        if found is not None:
            return found
        s = ScopedStore(store, scope)
        ws = workspace.slug
        tables = [s.table(n, ws) for n in ("interactions", "customers", "employees")]
        tx = s.table("transactions", ws)
        # One read of each table for both lists (the interactions are most of the time).
        departures, alerts = attachment_overview(
            *tables, as_of=as_of, transactions=tx, rule=rule, min_attached=min_attached
        )
    report = AttachmentReport(as_of, rule, DEFAULT_WINDOW_DAYS, departures, alerts)
    cache.set(key, report, PEOPLE_CACHE_SECONDS)
    return report


def attachment_report_if_ready(
    *, workspace: Workspace, scope: Scope, as_of: date, min_attached: int = 3
) -> AttachmentReport | None:
    """The attachment report if it was computed already (the People page computes it), else
    None: the home page shows it only when it costs nothing."""
    rule = attachment_rule(workspace=workspace)
    with analytics() as store:
        key = _cache_key("attachment", store, workspace, scope, as_of, rule, min_attached)
    return cache.get(key)


@dataclass(frozen=True)
class EmployeeReport:
    """eNPS from protected cells only: overall, per cell (unit or pooled parent), per wave,
    comments per cell; EX beside CX per unit at ``level`` with the correlations."""

    min_group: int
    enps: Score
    by_unit: list[tuple[str, bool, Score]]  # (cell unit, pooled, score)
    by_wave: dict[date, Score]
    comments: dict[str, list[str]]
    dropped: int
    open: int
    level: str
    ex_cx: list[UnitPair]
    ex_cx_r: Correlation
    lagged: list[LaggedPair]
    lagged_r: Correlation

    def as_dict(self) -> dict[str, Any]:
        return {
            "min_group": self.min_group,
            "enps": self.enps.as_dict(),
            "by_unit": [{"unit_id": u, "pooled": p, **s.as_dict()} for u, p, s in self.by_unit],
            "by_wave": {d.isoformat(): s.as_dict() for d, s in self.by_wave.items()},
            "comments": self.comments,
            "answers_hidden_small_groups": self.dropped,
            "answers_in_open_wave": self.open,
            "level": self.level,
            "ex_cx": [p.as_dict() for p in self.ex_cx],
            "ex_cx_correlation": self.ex_cx_r.as_dict(),
            "lagged": [
                {
                    "unit_id": p.unit_id,
                    "quarter": p.quarter.isoformat(),
                    "enps": p.enps.as_dict(),
                    "nps_next_quarter": p.nps_next.as_dict(),
                }
                for p in self.lagged
            ],
            "lagged_correlation": self.lagged_r.as_dict(),
        }


def _scoped_cells(store: Any, workspace: Workspace, scope: Scope, as_of: date):
    protected = protected_answers(store, workspace.slug, as_of=as_of)
    rows = protected.rows
    if scope.employee_ids is not None:  # frontline staff see no employee survey results
        rows = rows.iloc[0:0]
    elif scope.unit_ids is not None:
        units = list(scope.unit_ids)
        keep = rows["unit_id"].isin(units)
        if "cell_unit_id" in rows:
            keep |= rows["cell_unit_id"].isin(units)
        rows = rows[keep]
    return protected, rows


def employee_report(
    *, workspace: Workspace, scope: Scope, as_of: date, level: str = "branch"
) -> EmployeeReport:
    with analytics() as store:
        k = people_settings_get(workspace_slug=workspace.slug).min_group_size
        key = _cache_key("employees", store, workspace, scope, as_of, level, k)
        found = cache.get(key)
        if found is not None:
            return found
        report = _employee_report(store, workspace=workspace, scope=scope, as_of=as_of, level=level)
    cache.set(key, report, PEOPLE_CACHE_SECONDS)
    return report


def _employee_report(
    store: Any, *, workspace: Workspace, scope: Scope, as_of: date, level: str
) -> EmployeeReport:
    protected, rows = _scoped_cells(store, workspace, scope, as_of)
    e = rows[rows["metric"] == "enps"]
    k = protected.min_group
    by_unit: list[tuple[str, bool, Score]] = []
    by_wave: dict[date, Score] = {}
    if len(e):
        # The three breakdowns in one aggregation (each separate one is a query of its own).
        found = score_by_many("enps", e, {"all": [], "unit": ["unit_id"], "wave": ["at"]},
                              min_n=k)  # fmt: skip
        total = found["all"][None] if None in found["all"] else enps(e, min_n=k)
        pooled = e.groupby("unit_id")["pooled"].any().to_dict()
        for unit, s in found["unit"].items():
            by_unit.append((str(unit), bool(pooled.get(unit, False)), s))
        by_wave = {pd.Timestamp(d).date(): s for d, s in found["wave"].items()}
    else:
        total = enps(e.assign(score=[]), min_n=k)
    comments: dict[str, list[str]] = {}
    for r in e[e["comment"].notna()].itertuples(index=False):
        comments.setdefault(str(r.unit_id), []).append(str(r.comment))
    # The rollup of counts where the engine keeps one (its ``n`` weighs each row).
    customers, _weight = ScopedStore(store, scope).answers(workspace.slug)
    units = store.table("units", workspace.slug)
    try:
        pairs, lag = ex_cx_overview(e, customers, units, level=level, min_n=k)
    except InvalidInputError:
        pairs, lag = [], []
    return EmployeeReport(
        min_group=k, enps=total, by_unit=by_unit, by_wave=by_wave,
        comments={u: c[:5] for u, c in comments.items()}, dropped=protected.dropped,
        open=protected.open, level=level, ex_cx=pairs, ex_cx_r=unit_correlation(pairs),
        lagged=lag, lagged_r=lagged_correlation(lag),
    )  # fmt: skip


def internal_report(*, workspace: Workspace, scope: Scope, as_of: date) -> InternalMatrix:
    with analytics() as store:
        protected, rows = _scoped_cells(store, workspace, scope, as_of)
    return internal_matrix(rows, min_group=protected.min_group, min_n=protected.min_group)


def unit_names(*, workspace: Workspace) -> dict[str, str]:
    return dict(Unit.objects.filter(workspace=workspace).values_list("code", "name"))


def _cache_key(kind: str, store: Any, workspace: Workspace, *parts: Any) -> str:
    version = store.version(workspace.slug)
    raw = repr((kind, store.url, workspace.slug, version, parts))
    return "people:" + hashlib.sha256(raw.encode()).hexdigest()
