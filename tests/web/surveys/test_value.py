"""Which surveys led to action: answers, response rate, cases reacted to, initiatives, and
the flag on surveys nobody acts on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cxray.web.cases.services import case_note, case_open_for_response
from cxray.web.initiatives.services import initiative_create
from cxray.web.surveys.models import SurveyResponse
from cxray.web.surveys.services import response_submit, survey_create, survey_publish
from cxray.web.surveys.value import survey_values

pytestmark = pytest.mark.django_db


def _age(response: SurveyResponse, days: int) -> None:
    SurveyResponse.objects.filter(pk=response.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_acted_on_and_idle_surveys(client, published):
    a, sa = published["a"], published["sa"]
    idle = survey_publish(
        survey=survey_create(
            workspace=a["ws"], name="Old pulse", purpose="Nobody remembers", owner_user=a["admin"]
        )
    )
    # "After the visit": three answers, one a detractor whose case the owner reacted to.
    low, _ = response_submit(survey=sa, score=2, comment="Долго ждали")
    for score in (9, 10):
        response_submit(survey=sa, score=score)
    _age(low, 120)
    case = case_open_for_response(response=SurveyResponse.objects.get(pk=low.pk))
    assert case is not None
    case_note(case=case, by=a["admin"], text="Called the patient back")
    # "Old pulse": answers since 100 days ago, nothing done with them.
    old, _ = response_submit(survey=idle, score=7)
    _age(old, 100)

    values = {v.survey.name: v for v in survey_values(workspace=a["ws"])}
    visit, pulse = values["After the visit"], values["Old pulse"]
    assert (visit.answers, visit.cases, visit.cases_reacted, visit.cases_resolved) == (3, 1, 1, 0)
    assert visit.last_action is not None and not visit.idle
    assert (pulse.answers, pulse.cases, pulse.last_action) == (1, 0, None)
    assert pulse.idle
    # Answers by month: the aged detractor sits four months back, the others this month.
    assert sum(m.answers for m in visit.months) == 3 and len(visit.months) >= 2

    # An initiative on the survey's touchpoint counts as action too.
    ini = initiative_create(
        workspace=a["ws"], title="Evening hours", touchpoint_codes=[a["tp"].code]
    )
    values = {v.survey.name: v for v in survey_values(workspace=a["ws"])}
    assert values["After the visit"].initiatives == [ini]

    client.force_login(a["admin"])
    page = client.get(reverse("surveys_value", args=["alpha"]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "1 survey collects answers nobody acts on." in html
    assert "Evening hours" in html and "nobody acts on it" in html


def test_response_rate_of_invitations_by_month(published, smtp):
    from cxray.web.surveys.invitations import ContactIn, invitations_send
    from cxray.web.surveys.models import Invitation

    from .test_invitations import kyiv

    a, sa = published["a"], published["sa"]
    results = invitations_send(
        survey=sa,
        contacts=[ContactIn(email=f"p{i}@example.org") for i in range(4)],
        base_url="http://testserver",
        now=kyiv(),
    )
    assert [r.status for r in results] == ["sent"] * 4
    first = Invitation.objects.get(pk=results[0].invitation_id)
    response_submit(survey=sa, score=8, invitation=first)
    [month] = next(v for v in survey_values(workspace=a["ws"]) if v.survey == sa).months
    assert (month.invited, month.answered_invitations, month.rate) == (4, 1, 25.0)


def test_survey_value_through_the_api(client, published):
    from cxray.web.accounts.services import api_token_create

    a, sa = published["a"], published["sa"]
    response_submit(survey=sa, score=9)
    key = api_token_create(workspace=a["ws"], user=a["admin"], name="t")[1]
    rows = client.get("/api/v1/surveys/value", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    [row] = rows
    assert (row["name"], row["answers"], row["cases"], row["idle"]) == (
        "After the visit",
        1,
        0,
        False,
    )
    assert row["months"][0]["answers"] == 1 and row["months"][0]["response_rate"] is None
