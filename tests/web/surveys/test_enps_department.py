"""The eNPS form asks the respondent's department when neither the link nor a personal
invitation gives it, so that eNPS breaks down by department under the minimum group size."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from cxray.analytics.anonymity import wave_start
from cxray.web.accounts.scope import Scope
from cxray.web.analytics_store import analytics
from cxray.web.people.selectors import employee_report
from cxray.web.people.services import entities_sync
from cxray.web.surveys.invitations import ContactIn, invitations_send
from cxray.web.surveys.models import Invitation, SurveyResponse
from cxray.web.surveys.services import responses_sync, survey_create, survey_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def pulse(two_companies):
    """alpha: Branch (alpha-br) > Dept (alpha-dep), and Other branch (alpha-br2); an open
    eNPS link with no unit. Alice (alpha-dep) has an email address."""
    a, _b = two_companies
    a["alice"].email = "alice@alpha.example"
    a["alice"].save()
    entities_sync(workspace=a["ws"])
    survey = survey_create(
        workspace=a["ws"],
        name="Quarterly pulse",
        type="enps",
        purpose="Decide where to start on workload",
        owner_user=a["admin"],
    )
    return {**a, "survey": survey_publish(survey=survey)}


def _post(client, survey, **fields):
    return client.post(f"/s/{survey.public_token}/", {"lang": "en", **fields})


def test_the_enps_form_asks_the_department_only_when_nothing_else_gives_it(client, pulse):
    survey = pulse["survey"]
    base = f"/s/{survey.public_token}/?lang=en"
    html = client.get(base).content.decode()
    assert 'name="from"' in html and "Your department" in html
    # Every unit of the workspace by name (the root unit too): eNPS rates one's employer.
    options = re.findall(r'<option value="([^"]*)"', html)
    assert options == ["", "alpha-br", "company", "alpha-dep", "alpha-br2"]
    # ?from= gives it (a hidden field); ?unit= on a link sent per unit places it too.
    known = client.get(base + "&from=alpha-dep").content.decode()
    assert "<select" not in known and 'name="from" value="alpha-dep"' in known
    assert "<select" not in client.get(base + "&unit=alpha-br2").content.decode()
    # An unknown code in the link: the select is shown instead.
    assert "<select" in client.get(base + "&from=zz").content.decode()
    # A personal link to an employee names them.
    invitations_send(
        survey=survey,
        contacts=[ContactIn("alice@alpha.example")],
        base_url="https://cx.example.com",
        now=timezone.make_aware(datetime.combine(timezone.localdate(), datetime.min.time()))
        + timedelta(hours=12),
    )
    invitation = Invitation.objects.get(survey=survey)
    personal = client.get(f"{base}&i={invitation.token}").content.decode()
    assert "<select" not in personal

    # Left empty: refused in the respondent's words; nothing stored.
    refused = _post(client, survey, score="9", key="k-none")
    assert refused.status_code == 400
    assert "Please choose your department." in refused.content.decode()
    tampered = _post(client, survey, score="9", key="k-bad", **{"from": "zz"})
    assert tampered.status_code == 400 and "from the list" in tampered.content.decode()
    assert not SurveyResponse.objects.filter(survey=survey).exists()
    # A link with the unit needs no choice.
    assert _post(client, survey, score="9", key="k-unit", unit="alpha-br2").status_code == 302
    row = SurveyResponse.objects.get(survey=survey)
    assert (row.unit_code, row.respondent_unit_code) == ("alpha-br2", "")


def test_chosen_departments_form_groups_and_a_small_one_stays_hidden(client, pulse):
    survey = pulse["survey"]
    # Other branch: 10, 10, 8, 7, 3 -> promoters 2, detractors 1, n 5: eNPS = 20.
    for i, score in enumerate((10, 10, 8, 7, 3)):
        r = _post(client, survey, score=str(score), key=f"o{i}", **{"from": "alpha-br2"})
        assert r.status_code == 302, r.content.decode()[:400]
    # Dept: two answers, pooled into Branch and then the company, still 2 < 5 at the top:
    # hidden, comments included.
    for i, score in enumerate((0, 1)):
        fields = {"score": str(score), "key": f"d{i}", "comment": "overtime", "from": "alpha-dep"}
        r = _post(client, survey, **fields)
        assert r.status_code == 302
    rows = SurveyResponse.objects.filter(survey=survey)
    assert sorted(r.respondent_unit_code for r in rows) == ["alpha-br2"] * 5 + ["alpha-dep"] * 2

    # Only closed waves (quarters) count: move the answers into the previous quarter.
    last_quarter = timezone.make_aware(
        datetime.combine(wave_start(timezone.localdate()) - timedelta(days=20), datetime.min.time())
    )
    rows.update(created_at=last_quarter, synced_at=None)
    responses_sync(workspace=pulse["ws"])
    with analytics() as store:
        stored = store.table("responses", "alpha")
        stored = stored.filter(stored.metric == "enps").to_pandas()
    assert (
        sorted(stored["respondent_employee_id"]) == ["unit:alpha-br2"] * 5 + ["unit:alpha-dep"] * 2
    )

    report = employee_report(workspace=pulse["ws"], scope=Scope(), as_of=timezone.localdate())
    assert [(u, pooled, s.n) for u, pooled, s in report.by_unit] == [("alpha-br2", False, 5)]
    assert report.by_unit[0][2].value == pytest.approx(20.0)
    assert (report.enps.n, report.enps.value) == (5, pytest.approx(20.0))
    assert report.dropped == 2 and "overtime" not in str(report.comments)

    api = client.get(
        "/api/v1/people/employees", HTTP_AUTHORIZATION=f"Bearer {pulse['token']}"
    ).json()
    assert [(u["unit_id"], u["n"]) for u in api["by_unit"]] == [("alpha-br2", 5)]
    assert api["answers_hidden_small_groups"] == 2


def test_the_survey_editor_explains_where_the_department_comes_from(client, pulse):
    from django.urls import reverse

    client.force_login(pulse["admin"])
    url = reverse("survey_edit", args=["alpha", pulse["survey"].pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "eNPS: each answer is counted in the respondent's department" in page
    assert "Internal NPS: &unit=" not in page
