"""The demo company comes with churn interviews, audits and competitor ratings, and every
research page renders on it."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from cxray.demo import generate
from cxray.web.research.demo import INTERVIEWS, RATINGS_PER_CELL
from cxray.web.research.models import Assessment, ChurnInterview
from cxray.web.research.selectors import assessment_history, competitor_report, reason_report
from cxray.web.workspaces.demo import demo_install

pytestmark = pytest.mark.django_db


def test_demo_research_pages(client):
    logins = demo_install(company=generate(seed=7, n_patients=1_500, end=date.today()))
    ws = ChurnInterview.objects.first().workspace
    assert ChurnInterview.objects.filter(workspace=ws).count() == len(INTERVIEWS)
    everyone = reason_report(workspace=ws)[0]
    # Six interviews coded by a person, two left with suggestions; "person" twice of six.
    assert (everyone.n, everyone.uncoded) == (6, 2)
    person = next(r for r in everyone.reasons if r.reason == "person")
    assert person.count == 2 and person.share.value == pytest.approx(100 / 3)
    runs = assessment_history(workspace=ws, questionnaire="cx_audit")
    assert len(runs) == 2 and runs[0].change["total"] > 0
    nps = competitor_report(workspace=ws)
    assert [(r.touchpoint, r.other.n) for r in nps] == [(None, RATINGS_PER_CELL)] * 2
    assert nps[0].own.n > 0  # the demo's own NPS is asked about the clinic as a whole
    csat = competitor_report(workspace=ws, metric="csat")
    assert {r.touchpoint for r in csat} == {None, "reception", "consultation"}
    assert all(r.own.n > 0 for r in csat)
    assert client.login(username="demo", password=logins[0].password)
    pages = [
        reverse(name, args=["demo"])
        for name in (
            "research",
            "research_interviews",
            "research_interview_new",
            "research_reasons",
            "research_assessments",
            "research_competitors",
        )
    ]
    pages.append(reverse("research_interview", args=["demo", ChurnInterview.objects.first().pk]))
    pages.append(reverse("research_assessment", args=["demo", Assessment.objects.first().pk]))
    for url in pages:
        for lang in ("ru", "uk", "en"):
            assert client.get(url, {"lang": lang}).status_code == 200, (url, lang)
