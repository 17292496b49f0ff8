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


def test_a_new_minimum_group_size_for_employees_answers_recomputes(two_companies):
    """Employees' answers are merged into groups of this size before any figure is made: a
    report kept from before the change would show groups the new setting forbids."""
    from cxray.web.people.services import people_settings_update

    a, _b = two_companies
    calls = []

    def report():
        return cached_report(
            "t", workspace=a["ws"], scope=Scope(), compute=lambda: calls.append(1) or len(calls)
        )

    assert (report(), report()) == (1, 1)
    people_settings_update(workspace=a["ws"], min_group_size=8)
    assert (report(), report()) == (2, 2)


def test_the_scores_page_shows_new_answers_after_an_import(client, two_companies):
    """The scores page is served from the cache; a write to the workspace changes it at once."""
    from datetime import date, datetime

    from django.urls import reverse

    a, _b = two_companies
    client.force_login(a["admin"])
    url = reverse("scores", args=["alpha"])
    before = client.get(url, {"metric": "nps"}).context["total"]
    assert (before.value, before.n) == (50.0, 8)  # 6 promoters, 2 detractors
    at = datetime.combine(date.today().replace(day=1), datetime.min.time())
    with analytics() as store:
        store.write(
            "responses",
            facts(
                "responses",
                [
                    {"workspace": "alpha", "row_key": f"x{i}", "response_id": f"x{i}",
                     "metric": "nps", "score": 0.0, "scale_max": 10, "at": at}
                    for i in range(4)
                ],
            ),
        )  # fmt: skip
    after = client.get(url, {"metric": "nps"}).context["total"]
    assert (after.value, after.n) == (0.0, 12)  # 6 promoters, 6 detractors
