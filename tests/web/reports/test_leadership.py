"""The leadership report: figures worked out by hand from the fixture (see fixture.py),
checked in the JSON, the HTML page and the text of the one-page PDF."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cxray.analytics.reports import clv_report
from cxray.web.accounts.scope import Scope
from cxray.web.analytics_store import analytics
from cxray.web.reports.render import report_html
from cxray.web.reports.selectors import leadership

from . import fixture

pytestmark = pytest.mark.django_db


def _expected_revenue(today) -> dict[int, float]:
    """Total revenue of each loyalty group (by i % 3), summed from the purchases."""
    totals = {0: 0.0, 1: 0.0, 2: 0.0}
    for row in fixture.purchases(today):
        totals[int(row["customer_id"][1:]) % 3] += row["amount"]
    return totals


@pytest.fixture
def lead():
    return fixture.build()


def test_report_figures(lead):
    r = leadership(workspace=lead["ws"], scope=Scope(), as_of=lead["today"])
    assert not r.missing.get("money"), r.missing
    totals = _expected_revenue(lead["today"])
    # Promoters: 20 customers × 3 × 200 plus the extras of their branches.
    by = {g["group"]: g for g in r.by_loyalty}
    assert by["promoter"]["customers"] == 20
    assert by["promoter"]["total_revenue"] == pytest.approx(totals[0])
    assert by["detractor"]["total_revenue"] == pytest.approx(totals[2])
    assert by["passive"]["revenue_per_customer"] == pytest.approx(totals[1] / 20)
    # Value at risk at Reception: the detractors (CSAT 1) × P(churn) × CLV, from the model.
    with analytics() as store:
        per = clv_report(store, "lead", as_of=lead["today"]).per_customer.set_index("customer_id")
    detractors = [f"c{i}" for i in range(60) if i % 3 == 2]
    expected = sum((1 - per.loc[c, "p_alive"]) * per.loc[c, "clv"] for c in detractors)
    reception = next(t for t in r.at_risk_by_touchpoint if t["touchpoint_id"] == "reception")
    assert reception["value_at_risk"] == pytest.approx(expected)
    assert reception["n"] == 20 and reception["name"] == "Reception"
    # Change first: the two touchpoints with low scores, ranked by risk × driver share.
    assert {p.touchpoint for p in r.priorities} == {"reception", "billing"}
    assert r.rule == "risk_x_importance"
    first = r.priorities[0]
    assert first.priority == pytest.approx(first.value_at_risk * first.importance / 100)
    assert first.priority >= r.priorities[1].priority
    # The initiative: revenue per customer per month rose by 10 and 20 at the treated
    # branches and by 0 and 5 at the others: 12.5; × 12 months × 30 treated customers.
    (line,) = r.initiatives
    assert line.effect.did.effect == pytest.approx(12.5)
    assert line.effect.treated_customers == 30
    assert line.measured == pytest.approx(4500.0)
    assert line.expected == 5000.0


def test_pdf_is_one_page_with_the_figures(client, lead):
    client.force_login(lead["admin"])
    response = client.get(reverse("leadership_report_pdf", args=["lead"]), {"language": "en"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.content))
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    totals = _expected_revenue(lead["today"])
    assert f"{totals[0]:,.0f}" in text  # promoters' total revenue
    assert f"{totals[2] / 20:,.0f}" in text  # a detractor's revenue
    assert "4,500" in text  # the initiative's measured return per year
    assert "5,000" in text  # its expected return
    assert "Second cashier at peak hours" in text
    assert "Change first" in text and "Reception" in text and "Billing" in text


def test_html_page_and_languages(client, lead):
    client.force_login(lead["admin"])
    html = client.get(reverse("leadership_report", args=["lead"]), {"lang": "en"}).content.decode()
    assert "Download PDF" in html and "4,500" in html
    r = leadership(workspace=lead["ws"], scope=Scope(), as_of=lead["today"])
    for language in ("ru", "uk"):
        doc = report_html(r, workspace=lead["ws"], language=language)
        assert f'lang="{language}"' in doc
        assert "Second cashier at peak hours" in doc


def test_api_json(client, lead):
    data = client.get(
        "/api/v1/leadership-report", HTTP_AUTHORIZATION=f"Bearer {lead['token']}"
    ).json()
    assert data["initiatives"][0]["measured_per_year"] == pytest.approx(4500.0)
    assert data["ranking_rule"] == "risk_x_importance"
    assert len(data["change_first"]) == 2
