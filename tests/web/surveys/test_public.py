"""The respondent's page: one answer stored once, bad input refused in their language."""

from __future__ import annotations

import pytest

from cxray.web.surveys.models import DEFAULT_FOLLOW_UP, SurveyResponse
from cxray.web.surveys.services import survey_close

pytestmark = pytest.mark.django_db


def url(survey, suffix: str = "") -> str:
    return f"/s/{survey.public_token}/{suffix}"


def test_double_submit_stores_one_response(client, published):
    survey = published["sa"]
    page = client.get(url(survey), {"lang": "en"})
    assert page.status_code == 200
    key = page.context["key"]
    form = {"score": "6", "comment": "Long queue", "follow_up": "Shorter wait", "key": key}
    first = client.post(url(survey), form)
    second = client.post(url(survey), form)
    assert first.status_code == second.status_code == 302
    assert first["Location"].startswith(url(survey, "thanks/"))
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    r = SurveyResponse.objects.get(survey=survey)
    # The follow-up answer is kept apart from the free comment.
    assert (r.score, r.comment, r.follow_up) == (6, "Long queue", "Shorter wait")
    assert (r.channel, r.language, r.touchpoint_code) == ("link", "en", "alpha-tp")
    thanks = client.get(first["Location"])
    assert thanks.status_code == 200 and b"Thank you" in thanks.content


def test_top_score_drops_the_follow_up(client, published):
    survey = published["sa"]
    client.post(url(survey), {"score": "10", "follow_up": "n/a", "key": "k1"})
    assert SurveyResponse.objects.get(survey=survey).follow_up == ""


@pytest.mark.parametrize(
    "form",
    [
        {"score": "11"},
        {"score": "-1"},
        {"score": "seven"},
        {"score": ""},
        {"score": "5", "comment": "x" * 5001},
        {"score": "5", "follow_up": "x" * 5001},
    ],
)
def test_invalid_answer_is_400_and_nothing_stored(client, published, form):
    response = client.post(url(published["sa"]) + "?lang=uk", {**form, "key": "k"})
    assert response.status_code == 400
    assert response["Content-Language"] == "uk"
    assert b'role="alert"' in response.content
    assert SurveyResponse.objects.count() == 0


def test_comment_of_exactly_5000_characters_is_accepted(client, published):
    response = client.post(url(published["sa"]), {"score": "5", "comment": "x" * 5000})
    assert response.status_code == 302
    assert len(SurveyResponse.objects.get().comment) == 5000


def test_unknown_token_is_404_in_the_respondents_language(client, published):
    response = client.get("/s/no-such-token/", HTTP_ACCEPT_LANGUAGE="uk-UA,uk;q=0.9")
    assert response.status_code == 404
    assert b'lang="uk"' in response.content
    assert client.post("/s/no-such-token/", {"score": "5"}).status_code == 404
    assert SurveyResponse.objects.count() == 0


def test_draft_survey_is_not_public(client, published):
    from cxray.web.surveys.services import survey_create

    draft = survey_create(workspace=published["a"]["ws"], name="Draft")
    assert client.get(url(draft)).status_code == 404


def test_closed_survey_is_410(client, published):
    survey = survey_close(survey=published["sa"])
    assert client.get(url(survey)).status_code == 410
    assert client.post(url(survey), {"score": "9", "key": "k"}).status_code == 410
    assert SurveyResponse.objects.count() == 0


def test_language_from_query_and_browser(client, published):
    survey = published["sa"]
    uk = client.get(url(survey), {"lang": "uk"}).content.decode()
    assert DEFAULT_FOLLOW_UP["uk"] in uk and 'lang="uk"' in uk
    client.cookies.clear()
    ru = client.get(url(survey), HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.5").content.decode()
    assert DEFAULT_FOLLOW_UP["ru"] in ru and 'lang="ru"' in ru
    client.cookies.clear()
    en = client.get(url(survey), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert DEFAULT_FOLLOW_UP["en"] in en
    # The language the respondent answered in is stored with the answer.
    client.cookies.clear()
    client.post(url(survey), {"score": "3", "lang": "uk", "key": "k"})
    assert SurveyResponse.objects.get().language == "uk"


def test_page_is_accessible_without_javascript(client, published):
    html = client.get(url(published["sa"]), {"lang": "en"}).content.decode()
    assert "<fieldset" in html and "<legend>" in html
    for s in range(11):
        assert f'<label for="s{s}">{s}</label>' in html
    assert '<label class="q" for="follow_up">' in html and '<label class="q" for="comment">' in html
    assert 'method="post"' in html and "<script src" not in html and "<link" not in html


def test_page_weight_is_under_50_kb(client, published):
    response = client.get(url(published["sa"]), {"lang": "uk"})
    # Everything the page needs is in this one response (no stylesheet, script or font).
    assert len(response.content) < 50 * 1024
    assert "<link" not in response.content.decode()


def test_link_context_of_another_workspace_is_ignored(client, published):
    a, b = published["a"], published["b"]
    survey = published["sa"]
    client.post(
        url(survey),
        {
            "score": "4",
            "key": "k",
            "tp": b["tp"].code,
            "unit": b["dept"].code,
            "emp": b["bob"].code,
        },
    )
    r = SurveyResponse.objects.get()
    # beta's codes do not exist in alpha: dropped; the survey's own touchpoint is kept.
    assert (r.touchpoint_code, r.unit_code, r.employee_code) == ("alpha-tp", "", "")
    client.post(
        url(survey),
        {"score": "4", "key": "k2", "unit": a["dept"].code, "emp": a["alice"].code, "c": "c77"},
    )
    r = SurveyResponse.objects.get(idempotency_key="k2")
    assert (r.unit_code, r.employee_code, r.customer_id) == ("alpha-dep", "alpha-e1", "c77")


def test_context_from_link_is_carried_into_the_form(client, published):
    a = published["a"]
    html = client.get(url(published["sa"]), {"emp": a["alice"].code, "via": "qr"}).content.decode()
    assert 'name="emp" value="alpha-e1"' in html and 'name="via" value="qr"' in html


def test_honeypot_stores_nothing(client, published):
    response = client.post(url(published["sa"]), {"score": "9", "website": "http://spam"})
    assert response.status_code == 302
    assert SurveyResponse.objects.count() == 0


def test_qr_channel(client, published):
    client.post(url(published["sa"]), {"score": "9", "via": "qr", "key": "q"})
    assert SurveyResponse.objects.get().channel == "qr"
