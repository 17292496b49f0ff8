"""The text page: "what must change" answers per segment and touchpoint, segment filter,
per-theme trend; the same figures through the API."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from cxray.web.accounts.services import api_token_create
from cxray.web.analytics_store import analytics
from cxray.web.dashboards.text_analysis import text_fill_now

from .conftest import facts, make_company

pytestmark = pytest.mark.django_db

FOLLOW_UPS = [
    "Меньше ждать в очереди",  # waiting time
    "Дешевле анализы",  # price
    "Менше чекати в черзі",  # waiting time (uk)
    "Shorter waiting time at reception",  # waiting time (en)
]


@pytest.fixture
def company():
    c = make_company("acme", n_promoters=0, n_detractors=0)
    now = datetime.now()
    rows = [
        {
            "workspace": "acme",
            "row_key": f"f{i}",
            "customer_id": f"c{i}",
            "metric": "nps",
            "score": 6.0,
            "scale_max": 10,
            "at": now - timedelta(days=40 * (i % 2)),
            "touchpoint_id": c["tp"].code,
            "follow_up": text,
        }
        for i, text in enumerate(FOLLOW_UPS)
    ]
    customers = [
        {"workspace": "acme", "customer_id": f"c{i}", "segment": "Corporate" if i < 2 else "Family"}
        for i in range(4)
    ]
    with analytics() as store:
        store.write("responses", facts("responses", rows))
        store.write("customers", facts("customers", customers))
    text_fill_now(workspace_slug="acme")
    return c


def test_follow_ups_by_segment_and_the_segment_filter(client, company):
    client.force_login(company["admin"])
    url = reverse("text", args=["acme"])
    page = client.get(url, {"period": "all"}, HTTP_ACCEPT_LANGUAGE="en")
    cross = dict(page.context["follow_up_crosses"])["Answers by segment"]
    assert cross["groups"] == ["Corporate", "Family"]
    rows = dict(cross["rows"])
    # c0 (waiting) and c1 (price) are Corporate; c2 and c3 (both waiting) are Family.
    assert rows["Waiting time"] == [1, 2]
    assert rows["Price"] == [1, 0]
    by_tp = dict(page.context["follow_up_crosses"])["Answers by touchpoint"]
    assert by_tp["groups"] == ["Reception"] and dict(by_tp["rows"])["Waiting time"] == [3]

    family = client.get(url, {"period": "all", "segment": "Family"}, HTTP_ACCEPT_LANGUAGE="en")
    themes = [(f.theme, f.mentions) for _, f, _ in family.context["follow_ups"]]
    assert themes == [("waiting_time", 2)]
    # Two months with texts: the theme's trend is drawn as a share of each month's texts.
    assert '<svg class="spark"' in page.content.decode()


def test_text_report_api_takes_segment_and_touchpoint(client, company):
    key = api_token_create(workspace=company["ws"], user=company["admin"], name="t")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    data = client.get("/api/v1/reports/text?segment=Corporate", **auth).json()
    assert data["follow_up_by_segment"] == {"Corporate": {"price": 1, "waiting_time": 1}}
    none = client.get("/api/v1/reports/text?touchpoint=nowhere", **auth).json()
    assert none["texts"] == 0


def test_reason_codes_on_the_comments_page(client, company):
    client.force_login(company["admin"])
    page = client.get(reverse("text", args=["acme"]), {"period": "all"}, HTTP_ACCEPT_LANGUAGE="en")
    factors = {r["c"].code: r["c"].count for r in page.context["codes"]["purchase_factor"]}
    # Three answers about waiting are the service factor, the one about price the financial.
    assert factors == {"service": 3, "financial": 1}
    assert page.context["codes"]["churn_reason"] == []  # nobody wrote about leaving
    assert "Why customers leave and why they buy" in page.content.decode()
