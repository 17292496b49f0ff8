"""A survey that also asks "How would you rate <competitor> on the same?": those ratings go to
the competitors comparison (benchmark_ratings), never into the workspace's own scores."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from cxray.errors import InvalidInputError
from cxray.web.analytics_store import analytics
from cxray.web.research.selectors import competitor_report
from cxray.web.surveys.models import SurveyResponse
from cxray.web.surveys.services import (
    ResponseRejected,
    response_submit,
    responses_sync,
    survey_create,
    survey_publish,
    survey_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rival(two_companies):
    a, _b = two_companies
    survey = survey_create(
        workspace=a["ws"],
        name="After the visit, and the clinic across the road",
        purpose="Decide whether to match the rival's opening hours",
        owner_user=a["admin"],
        touchpoint=a["tp"],
        competitor="Rival Clinic",
    )
    return {**a, "survey": survey_publish(survey=survey)}


def test_competitor_ratings_land_in_the_comparison_and_leave_own_nps_alone(client, rival):
    survey = rival["survey"]
    html = client.get(f"/s/{survey.public_token}/?lang=en").content.decode()
    assert "How would you rate Rival Clinic on the same?" in html
    assert html.count('name="competitor_score"') == 12  # 0..10 and "I don't know them"

    bad = client.post(
        f"/s/{survey.public_token}/",
        {"lang": "en", "score": "8", "competitor_score": "11", "key": "k-bad"},
    )
    assert bad.status_code == 400
    assert "competitor&#x27;s score must be a whole number from 0 to 10" in bad.content.decode()

    # (own score, competitor's score); "" = "I don't know them"
    for i, (own, other) in enumerate([(10, "3"), (9, "9"), (7, "10"), (0, "")]):
        r = client.post(
            f"/s/{survey.public_token}/",
            {"lang": "en", "score": str(own), "competitor_score": other, "key": f"k{i}"},
        )
        assert r.status_code == 302, r.content.decode()[:400]
    api = client.post(
        f"/api/v1/surveys/{survey.public_token}/responses",
        {"score": 6, "competitor_score": 10, "customer_id": "c-api"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {rival['token']}",
    )
    assert api.status_code == 201 and api.json()["competitor_score"] == 10
    assert [r.competitor_score for r in SurveyResponse.objects.order_by("pk")] == [
        3, 9, 10, None, 10,
    ]  # fmt: skip
    assert responses_sync(workspace=rival["ws"]) == 5

    with analytics() as store:
        bench = store.table("benchmark_ratings", "alpha").to_pandas()
        own_rows = store.table("responses", "alpha")
        own_scores = sorted(own_rows.filter(own_rows.metric == "nps").to_pandas()["score"])
    assert sorted(bench["score"]) == [3.0, 9.0, 10.0, 10.0]
    assert set(bench["subject"]) == {"Rival Clinic"} and set(bench["touchpoint_id"]) == {"alpha-tp"}
    # The own answers: the fixture's 6 x 10 and 2 x 2, and the five new own scores only.
    assert own_scores == sorted([10.0] * 6 + [2.0] * 2 + [10.0, 9.0, 7.0, 0.0, 6.0])

    # By hand. Own: promoters 6 + 2 (10, 9), detractors 2 + 2 (0, 6), n 13:
    # NPS = (8 - 4) / 13 * 100 = 30.769... Rival Clinic: 3, 9, 10, 10 -> promoters 3,
    # detractors 1, n 4: NPS = (3 - 1) / 4 * 100 = 50.
    rows = competitor_report(workspace=rival["ws"])
    overall = next(c for c in rows if c.touchpoint is None and c.subject == "Rival Clinic")
    assert (overall.other.n, overall.other.value) == (4, pytest.approx(50.0))
    assert (overall.own.n, overall.own.value) == (13, pytest.approx(400 / 13))
    on_tp = next(c for c in rows if c.touchpoint == "alpha-tp")
    assert (on_tp.other.n, on_tp.own.n) == (4, 13)

    client.force_login(rival["admin"])
    page = client.get(reverse("research_competitors", args=["alpha"])).content.decode()
    row = re.search(r"Rival Clinic</td>(.*?)</tr>", page, re.S)
    assert row is not None
    cells = re.findall(r'<td class="num"[^>]*>(.*?)</td>', row.group(1), re.S)
    assert cells[:4] == ["30.8", "13", "50.0", "4"]


def test_competitor_score_only_where_the_survey_asks_for_it(rival):
    plain = survey_publish(
        survey=survey_create(
            workspace=rival["ws"], name="Plain", purpose="Decide", owner_user=rival["admin"]
        )
    )
    # The message is shown in the respondent's language (Russian by default): read it in English.
    with (
        translation.override("en"),
        pytest.raises(ResponseRejected, match="does not ask about a competitor"),
    ):
        response_submit(survey=plain, score=9, competitor_score=5)
    updated = survey_update(survey=plain, competitor="  Other Co  ")
    assert updated.competitor == "Other Co"
    with pytest.raises(InvalidInputError, match="reserved"):
        survey_update(survey=plain, competitor="best_anywhere")


def test_a_changed_personal_answer_replaces_its_competitor_rating(rival):
    from datetime import datetime

    from django.utils import timezone

    from cxray.web.surveys.invitations import ContactIn, invitations_send
    from cxray.web.surveys.models import Invitation

    survey = rival["survey"]
    today = timezone.localdate()
    noon = timezone.make_aware(datetime(today.year, today.month, today.day, 12, 0))
    invitations_send(
        survey=survey, contacts=[ContactIn("anna@example.com")], base_url="https://x", now=noon
    )
    invitation = Invitation.objects.get(survey=survey)
    response_submit(survey=survey, score=8, competitor_score=2, invitation=invitation)
    responses_sync(workspace=rival["ws"])
    response_submit(survey=survey, score=9, competitor_score=7, invitation=invitation)
    responses_sync(workspace=rival["ws"])
    with analytics() as store:
        bench = store.table("benchmark_ratings", "alpha").to_pandas()
    assert list(bench["score"]) == [7.0]


def test_the_widget_passes_the_competitor_score_through(client, rival):
    import json

    survey = rival["survey"]
    r = client.post(
        f"/s/{survey.public_token}/widget",
        json.dumps({"score": 8, "competitor_score": 5, "key": "w-1", "lang": "en"}),
        content_type="text/plain",
    )
    assert r.status_code == 201, r.content
    assert SurveyResponse.objects.get(pk=r.json()["id"]).competitor_score == 5
    bad = client.post(
        f"/s/{survey.public_token}/widget",
        json.dumps({"score": 8, "competitor_score": 12, "key": "w-2", "lang": "en"}),
        content_type="text/plain",
    )
    assert bad.status_code == 400 and "from 0 to 10" in bad.json()["error"]


def test_the_builder_sets_the_competitor_and_refuses_it_on_internal_nps(client, two_companies):
    from cxray.web.surveys.models import Survey

    a, _b = two_companies
    client.force_login(a["admin"])
    form = {"name": "Visit", "type": "nps", "purpose": "Decide", "competitor": "Rival Clinic"}
    assert client.post(reverse("survey_new", args=["alpha"]), form).status_code == 302
    survey = Survey.objects.get(name="Visit")
    assert survey.competitor == "Rival Clinic"
    edit = reverse("survey_edit", args=["alpha", survey.pk])
    page = client.get(edit, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="competitor"' in page and "Research → Competitors" in page
    refused = client.post(
        reverse("survey_edit", args=["alpha", survey.pk]), {**form, "type": "internal_nps"}
    )
    assert refused.status_code == 200
    assert "cannot ask about a competitor" in refused.content.decode()
    assert Survey.objects.get(pk=survey.pk).type == "nps"
