"""Heavy reports are computed once per change of the workspace's data and per scope."""

from __future__ import annotations

import pytest

from cxray.web.accounts.scope import Scope
from cxray.web.analytics_store import analytics
from cxray.web.dashboards.report_cache import cached_report

from .conftest import facts

pytestmark = pytest.mark.django_db


def test_a_report_is_recomputed_only_when_data_or_scope_change(two_companies):
    a, _b = two_companies
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    def report(scope=None, **params):
        scope = scope or Scope()
        return cached_report("t", workspace=a["ws"], scope=scope, compute=compute, **params)

    assert (report(), report()) == (1, 1)  # the second view is served from the cache
    assert report(months=6) == 2  # other parameters: another report
    assert report(scope=Scope(unit_ids=frozenset({"alpha-dep"}))) == 3  # another scope
    with analytics() as store:
        store.write("customers", facts("customers", [{"workspace": "alpha", "customer_id": "n"}]))
    assert report() == 4  # new data: computed again
    assert report() == 4
    # Another workspace's change does not touch alpha's reports.
    with analytics() as store:
        store.write("customers", facts("customers", [{"workspace": "beta", "customer_id": "n"}]))
    assert report() == 4
