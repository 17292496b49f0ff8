"""Internal NPS surveys from the builder record who rates: the department the respondent
chose on the public form, or the employee a personal link was sent to; the internal NPS
matrix (People → Internal service) then has the cell, under the anonymity rules."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cxray.analytics.anonymity import wave_start
from cxray.errors import InvalidInputError
from cxray.web.accounts.scope import Scope
from cxray.web.analytics_store import analytics
from cxray.web.cases.models import Case
from cxray.web.cases.services import case_intake_response
from cxray.web.people.selectors import internal_report
from cxray.web.people.services import entities_sync
from cxray.web.surveys.invitations import ContactIn, invitations_send
from cxray.web.surveys.models import Invitation, SurveyResponse
from cxray.web.surveys.services import (
    ResponseRejected,
    context_resolve,
    response_submit,
    responses_sync,
    survey_create,
    survey_publish,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def internal(two_companies):
    """alpha's "Dept" (alpha-dep) rates "Other branch" (alpha-br2) through an internal NPS
    survey; Alice works in alpha-dep and has an email address."""
    a, _b = two_companies
    a["alice"].email = "alice@alpha.example"
    a["alice"].save()
    entities_sync(workspace=a["ws"])
    survey = survey_create(
        workspace=a["ws"],
        name="How does the other branch serve us",
        type="internal_nps",
        purpose="Decide which internal service to fix first",
        owner_user=a["admin"],
    )
    return {**a, "survey": survey_publish(survey=survey)}


def _post(client, survey, **fields):
    return client.post(f"/s/{survey.public_token}/", {"lang": "en", **fields})


def _noon() -> datetime:
    today = timezone.localdate()
    return timezone.make_aware(datetime(today.year, today.month, today.day, 12, 0))


def test_public_form_asks_the_respondents_department_and_the_matrix_shows_the_cell(
    client, internal
):
    survey = internal["survey"]
    link = f"/s/{survey.public_token}/?unit=alpha-br2&lang=en"
    html = client.get(link).content.decode()
    # A select of the workspace's units, without the rated one.
    assert 'name="from"' in html and "Your department" in html
    options = re.findall(r'<option value="([^"]*)"', html)
    assert options[0] == "" and {"alpha-br", "alpha-dep"} <= set(options)
    assert "alpha-br2" not in options
    # With ?from= the department is known: no select, carried as a hidden field.
    known = client.get(link + "&from=alpha-dep").content.decode()
    assert "<select" not in known and 'name="from" value="alpha-dep"' in known

    # Without a department the answer is refused, in words the respondent understands.
    refused = _post(client, survey, unit="alpha-br2", score="9", key="k-none")
    assert refused.status_code == 400
    assert "Please choose your department." in refused.content.decode()
    # An unknown department code (a tampered form) is refused as well.
    tampered = _post(client, survey, unit="alpha-br2", score="9", key="k-bad", **{"from": "zz"})
    assert tampered.status_code == 400
    assert "from the list" in tampered.content.decode()
    # No rated department in the link: refused too.
    with pytest.raises(ResponseRejected, match="which department you are rating"):
        response_submit(survey=survey, score=9, respondent_unit="alpha-dep")

    # The test transaction never commits: the sync and the case hook are run by hand below.
    for i, score in enumerate((10, 10, 3, 8)):
        r = _post(
            client,
            survey,
            unit="alpha-br2",
            score=str(score),
            key=f"k{i}",
            comment="slow to answer" if score < 7 else "",
            **{"from": "alpha-dep"},
        )
        assert r.status_code == 302, r.content.decode()[:500]
    # One answer from alpha-br: a group of 1 at the top of the org chart is left out.
    assert (
        _post(
            client, survey, unit="alpha-br2", score="0", key="k-br", **{"from": "alpha-br"}
        ).status_code
        == 302
    )
    # Alice's personal link: the invitation names her, so her department is known.
    sent = invitations_send(
        survey=survey,
        contacts=[ContactIn("Alice@Alpha.example")],
        base_url="https://cx.example.com",
        now=_noon(),
    )
    assert sent[0].status == "sent"
    invitation = Invitation.objects.get(survey=survey)
    personal = f"/s/{survey.public_token}/?i={invitation.token}&unit=alpha-br2&lang=en"
    assert "<select" not in client.get(personal).content.decode()
    answered = _post(client, survey, i=invitation.token, unit="alpha-br2", score="9", key="k-alice")
    assert answered.status_code == 302

    rows = SurveyResponse.objects.filter(survey=survey).order_by("pk")
    assert [r.respondent_unit_code for r in rows] == [
        "alpha-dep", "alpha-dep", "alpha-dep", "alpha-dep", "alpha-br", "alpha-dep",
    ]  # fmt: skip
    assert rows.last().respondent_employee_code == "alpha-e1"
    assert {r.unit_code for r in rows} == {"alpha-br2"}
    # Employees' answers never open cases, even a 3 with a complaint (the hook run by hand).
    assert all(case_intake_response(r.pk) for r in rows)
    assert not Case.objects.filter(workspace=internal["ws"]).exists()

    # Only closed quarters count: move the answers into the previous quarter.
    last_quarter = timezone.make_aware(
        datetime.combine(wave_start(timezone.localdate()) - timedelta(days=20), datetime.min.time())
    )
    rows.update(created_at=last_quarter, synced_at=None)
    responses_sync(workspace=internal["ws"])
    with analytics() as store:
        stored = store.table("responses", "alpha")
        stored = stored.filter(stored.metric == "internal_nps").to_pandas()
    # The store learns the respondent's unit, never who the employee was.
    assert sorted(stored["respondent_employee_id"]) == ["unit:alpha-br"] + ["unit:alpha-dep"] * 5

    # By hand: alpha-dep → alpha-br2 has 10, 10, 3, 8, 9: promoters 3, detractors 1, n 5,
    # NPS = (3 - 1) / 5 * 100 = 40. alpha-br's single answer is below the group of 5.
    matrix = internal_report(workspace=internal["ws"], scope=Scope(), as_of=timezone.localdate())
    cell = matrix.cell("alpha-dep", "alpha-br2")
    assert cell is not None and not cell.pooled
    assert (cell.score.n, round(cell.score.value, 6)) == (5, 40.0)
    assert matrix.cell("alpha-br", "alpha-br2") is None
    assert [c.rater_unit_id for c in matrix.cells] == ["alpha-dep"]
    assert matrix.received["alpha-br2"].n == 5

    client.force_login(internal["admin"])
    page = client.get(reverse("people_internal", args=["alpha"])).content.decode()
    seam = re.search(
        r"<code>alpha-dep</code>.*?<code>alpha-br2</code></td>"
        r'<td class="num">([^<]+)</td>.*?<td class="num">(\d+)</td></tr>',
        page,
        re.S,
    )
    assert seam is not None
    assert (seam.group(1), seam.group(2)) == ("40.0", "5")
    api = client.get(
        "/api/v1/people/internal", HTTP_AUTHORIZATION=f"Bearer {internal['token']}"
    ).json()
    cells = {(c["rater_unit_id"], c["rated_unit_id"]): c for c in api["cells"]}
    assert set(cells) == {("alpha-dep", "alpha-br2")}
    assert cells[("alpha-dep", "alpha-br2")]["n"] == 5
    assert cells[("alpha-dep", "alpha-br2")]["value"] == pytest.approx(40.0)


def test_api_takes_the_respondent_unit_and_refuses_an_answer_without_it(client, internal):
    survey, token = internal["survey"], internal["token"]
    url = f"/api/v1/surveys/{survey.public_token}/responses"
    # The API answers in the client's language (the default, without one, is Russian).
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en"}
    missing = client.post(
        url, {"score": 7, "unit": "alpha-br2"}, content_type="application/json", **auth
    )
    assert missing.status_code == 400 and "choose your department" in missing.json()["detail"]
    ok = client.post(
        url,
        {"score": 7, "unit": "alpha-br2", "respondent_unit": "alpha-dep"},
        content_type="application/json",
        **auth,
    )
    assert ok.status_code == 201
    assert (ok.json()["unit"], ok.json()["respondent_unit"]) == ("alpha-br2", "alpha-dep")


def test_a_customer_survey_ignores_the_respondent_unit(internal):
    """Only employee surveys record a respondent: a customer's answer stays a customer's."""
    a = internal
    nps = survey_publish(
        survey=survey_create(workspace=a["ws"], name="NPS", purpose="Decide", owner_user=a["admin"])
    )
    response, _created = response_submit(
        survey=nps,
        score=9,
        respondent_unit="alpha-dep",
        context=context_resolve(survey=nps, unit="alpha-br2"),
    )
    assert (response.respondent_unit_code, response.respondent_employee_code) == ("", "")


def test_internal_nps_survey_cannot_ask_about_a_competitor(internal):
    with pytest.raises(InvalidInputError, match="cannot ask about a competitor"):
        survey_create(workspace=internal["ws"], name="x", type="internal_nps", competitor="Rival")
