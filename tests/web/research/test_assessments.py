"""Self-tests on the web and the API: answers, hand-computed scores, gaps turned into
initiatives, history compared."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cxray.web.research.models import Assessment
from cxray.web.research.selectors import assessment_history, assessment_score

pytestmark = pytest.mark.django_db

# Customer-orientation test: tools (3 items), portal (3), internal_service (4), complaints (3),
# care (4).
FIRST = {
    "tools_enough": 4,
    "tools_chosen_with_users": 4,
    "tools_self_explaining": 2,  # tools: 10 / 3 / 4 -> 83.33
    "portal_short_forms": 0,
    "portal_used_willingly": 1,
    "portal_errors_fixed": "na",  # portal: 1 / 2 / 4 -> 12.5
    "internal_customers_known": 2,
    "internal_response_time": 2,
    "internal_rated": 2,
    "internal_seams_owned": 2,  # internal_service: 50
    # complaints: not answered -> no score, left out of the total
    "care_in_hiring": 3,
    "care_for_all_customers": 3,
    "care_by_managers": 3,
    "care_authority": 3,  # care: 75
}


def _post_answers(client, url, answers, action):
    data = {f"a_{k}": v for k, v in answers.items()}
    data["c_portal_short_forms"] = "20 fields for a leave request"
    data["action"] = action
    return client.post(url, data)


def test_answering_scores_sections_total_and_gaps(client, two_companies):
    a, _b = two_companies
    client.force_login(a["admin"])
    started = client.post(
        reverse("research_assessments", args=["alpha"]),
        {"questionnaire": "customer_orientation", "title": "Q1"},
    )
    assessment = Assessment.objects.get(workspace=a["ws"])
    url = reverse("research_assessment", args=["alpha", assessment.pk])
    assert started["Location"] == url
    assert _post_answers(client, url, FIRST, "complete").status_code == 302
    assessment.refresh_from_db()
    assert assessment.completed_at is not None
    assert assessment.comments == {"portal_short_forms": "20 fields for a leave request"}
    score = assessment_score(assessment=assessment)
    by = {s.section: s.score for s in score.sections}
    assert by["tools"] == pytest.approx(250 / 3)
    assert by["portal"] == 12.5
    assert by["internal_service"] == 50.0
    assert by["complaints"] is None
    assert by["care"] == 75.0
    # (83.33 + 12.5 + 50 + 75) / 4 = 55.21
    assert score.total == pytest.approx((250 / 3 + 12.5 + 50 + 75) / 4)
    assert [g.item for g in score.gaps] == [
        "portal_short_forms",
        "portal_used_willingly",
        "tools_self_explaining",
        "internal_customers_known",
        "internal_response_time",
        "internal_rated",
        "internal_seams_owned",
    ]
    html = client.get(url + "?lang=en").content.decode()
    assert '<div class="value">55 <small>/ 100</small>' in html
    # Each gap links to the initiative form, prefilled with the item and where it came from.
    assert reverse("initiative_create", args=["alpha"]) + "?title=" in html
    assert f"source=customer_orientation%3A{assessment.pk}%3Aportal_short_forms" in html


def test_history_compares_with_the_previous_assessment(client, two_companies):
    a, _b = two_companies
    ws = a["ws"]
    first = Assessment.objects.create(
        workspace=ws,
        questionnaire="cx_audit",
        answers={"goal_in_money": 1, "kpi_explained": 1},  # goals 25
        completed_at=timezone.now() - timedelta(days=90),
    )
    Assessment.objects.create(
        workspace=ws,
        questionnaire="cx_audit",
        answers={"goal_in_money": 3, "kpi_explained": 4, "competitors_rated": 0},  # 87.5, 0
        completed_at=timezone.now(),
    )
    runs = assessment_history(workspace=ws, questionnaire="cx_audit")
    assert [r.score.total for r in runs] == [43.75, 25.0]
    assert runs[0].change["goals"] == 62.5
    assert runs[0].change["market"] is None  # not answered the first time
    assert runs[0].change["total"] == 18.75
    assert runs[1].change is None and runs[1].assessment == first
    client.force_login(a["admin"])
    html = client.get(reverse("research_assessments", args=["alpha"])).content.decode()
    assert "(+62)" in html and "(+19)" in html


def api(client, token, method, path, **kwargs):
    return getattr(client, method)(
        f"/api/v1/research{path}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        content_type="application/json",
        **kwargs,
    )


def test_api_records_scores_and_turns_a_gap_into_an_initiative(client, two_companies):
    a, b = two_companies
    bad = api(
        client,
        a["token"],
        "post",
        "/assessments",
        data={"questionnaire": "cx_audit", "answers": {"goal_in_money": 7}},
    )
    assert bad.status_code == 400
    assert "item 'goal_in_money': 7 is not an answer" in bad.json()["detail"]
    assert Assessment.objects.count() == 0
    made = api(
        client,
        a["token"],
        "post",
        "/assessments",
        data={"questionnaire": "cx_audit", "answers": {"goal_in_money": 0, "kpi_explained": 4}},
    )
    assert made.status_code == 201
    body = made.json()
    assert body["total"] == 50.0 and body["gaps"] == [
        {"section": "goals", "item": "goal_in_money", "answer": 0}
    ]
    pk = body["id"]
    initiative = api(client, a["token"], "post", f"/assessments/{pk}/gaps/goal_in_money/initiative")
    assert initiative.status_code == 201, initiative.content
    assert initiative.json()["source"] == f"cx_audit:{pk}:goal_in_money"
    assert initiative.json()["title"].startswith("The project has a business goal in money")
    no_gap = api(client, a["token"], "post", f"/assessments/{pk}/gaps/kpi_explained/initiative")
    assert no_gap.status_code == 400
    assert api(client, b["token"], "get", f"/assessments/{pk}").status_code == 404
    listed = api(client, a["token"], "get", "/assessments").json()
    assert [x["id"] for x in listed] == [pk]
    items = api(client, a["token"], "get", "/questionnaires?language=uk").json()
    assert items[0]["id"] == "customer_orientation"
    assert items[0]["sections"][1]["title"] == "Особистий кабінет співробітника"
