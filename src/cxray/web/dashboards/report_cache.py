"""Heavy reports computed once per change of a workspace's data, not once per page view.

Churn curves and the Cox model, lifetime-value fits and Shapley drivers take seconds on a
company of 20,000 customers, and the analytics store serves one request at a time: twenty
people opening the dashboards at once queued for tens of seconds. A report is now kept in
Django's cache under the workspace's data version (:meth:`AnalyticsStore.version`, bumped by
every write), the viewer's scope and the report's parameters, so a new import is seen on the
next view and nothing stale is ever shown. Engines without a version (not DuckDB) compute
every time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.utils import timezone

from cxray.web.accounts.scope import Scope
from cxray.web.analytics_store import analytics
from cxray.web.people.anonymity import min_group_size
from cxray.web.workspaces.models import Workspace

T = TypeVar("T")
KEEP_SECONDS = 6 * 3600  # a version key is never stale; this only bounds the memory


def cached_report(
    kind: str, *, workspace: Workspace, scope: Scope, compute: Callable[[], T], **params: object
) -> T:
    """``compute()``, or its result from the last call with the same data, scope and params."""
    with analytics() as store:
        if not store.is_duckdb:
            return compute()
        version = store.version(workspace.slug)
    scope_key = (
        sorted(scope.unit_ids) if scope.unit_ids is not None else None,
        sorted(scope.employee_ids) if scope.employee_ids is not None else None,
    )
    # Employees' answers are merged into groups of the workspace's minimum size, over finished
    # quarters: that setting and the day are part of what every figure is computed from.
    protection = (min_group_size(workspace.slug), timezone.localdate())
    raw = repr(
        (kind, store.url, workspace.slug, version, protection, scope_key, sorted(params.items()))
    )
    key = "cxray-report:" + hashlib.sha256(raw.encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, KEEP_SECONDS)
    return value
