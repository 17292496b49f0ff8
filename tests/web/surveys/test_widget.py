"""The website widget: its size, its endpoint (CORS, idempotent, validated) and rate limits."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

import cxray.web
from cxray.web.surveys.models import SurveyResponse

pytestmark = pytest.mark.django_db

WIDGET = Path(cxray.web.__file__).parent / "static" / "cxray" / "widget.js"


def endpoint(survey) -> str:
    return f"/s/{survey.public_token}/widget"


def post(client, survey, body: dict, **extra):
    return client.post(endpoint(survey), json.dumps(body), content_type="text/plain", **extra)


def test_widget_script_is_small_and_framework_free():
    source = WIDGET.read_bytes()
    assert len(gzip.compress(source, 9)) < 15 * 1024
    text = source.decode()
    assert "data-survey" in text and "Escape" in text and "--cxw-accent" in text
    assert "import " not in text and "require(" not in text


def test_wording_in_the_visitors_language_with_cors(client, published):
    response = client.get(
        endpoint(published["sa"]), {"lang": "uk"}, HTTP_ORIGIN="https://shop.example"
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data["lang"] == "uk" and data["question"].startswith("Наскільки")
    assert (data["low"], data["high"]) == (0, 10) and data["key"]


def test_preflight_allows_any_origin_for_this_endpoint_only(client, published):
    survey = published["sa"]
    pre = client.options(
        endpoint(survey),
        HTTP_ORIGIN="https://shop.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert pre.status_code == 204
    assert pre["Access-Control-Allow-Origin"] == "*"
    assert "POST" in pre["Access-Control-Allow-Methods"]
    assert "Content-Type" in pre["Access-Control-Allow-Headers"]
    page = client.get(f"/s/{survey.public_token}/", HTTP_ORIGIN="https://shop.example")
    assert "Access-Control-Allow-Origin" not in page


def test_an_answer_is_stored_once_on_retry(client, published):
    survey = published["sa"]
    body = {
        "score": 7,
        "comment": "Fine",
        "follow_up": "Faster",
        "key": "w-1",
        "lang": "en",
        "tp": "alpha-tp",
        "unit": "beta-br",
        "c": "cust-9",
    }
    first = post(client, survey, body, HTTP_ORIGIN="https://shop.example")
    again = post(client, survey, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first["Access-Control-Allow-Origin"] == "*"
    assert first.json()["id"] == again.json()["id"] and again.json()["created"] is False
    r = SurveyResponse.objects.get()
    assert (r.score, r.channel, r.touchpoint_code, r.unit_code, r.customer_id) == (
        7,
        "widget",
        "alpha-tp",
        "",
        "cust-9",
    )
    # The Idempotency-Key header works too.
    h = {"HTTP_IDEMPOTENCY_KEY": "w-2"}
    assert post(client, survey, {"score": 3}, **h).status_code == 201
    assert post(client, survey, {"score": 3}, **h).status_code == 200
    assert SurveyResponse.objects.count() == 2


@pytest.mark.parametrize("score", [11, -1, "seven", None, True, 7.5])
def test_a_bad_score_is_400_in_the_visitors_language(client, published, score):
    response = post(client, published["sa"], {"score": score, "key": "k", "lang": "en"})
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "score" in response.json()["error"]
    assert SurveyResponse.objects.count() == 0


def test_bad_json_honeypot_unknown_and_closed(client, published):
    from cxray.web.surveys.services import survey_close

    survey = published["sa"]
    bad = client.post(endpoint(survey), "{not json", content_type="text/plain")
    assert bad.status_code == 400
    bot = post(client, survey, {"score": 9, "key": "b", "website": "spam.example"})
    assert bot.status_code == 200 and SurveyResponse.objects.count() == 0
    assert client.get("/s/nope/widget").status_code == 404
    survey_close(survey=survey)
    assert post(client, survey, {"score": 9}).status_code == 410


def test_rate_limit_per_ip_answers_429_in_the_respondents_language(client, settings, published):
    settings.CXRAY_SURVEY_RATE_PER_IP = 3
    survey = published["sa"]
    for i in range(3):
        assert post(client, survey, {"score": 5, "key": f"r{i}"}).status_code == 201
    limited = post(client, survey, {"score": 5, "key": "r9", "lang": "en"})
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    assert "wait a minute" in limited.json()["error"]
    page = client.get(f"/s/{survey.public_token}/", {"lang": "uk"})
    assert page.status_code == 429 and page["Content-Language"] == "uk"
    # Another address is not affected.
    other = client.get(f"/s/{survey.public_token}/", REMOTE_ADDR="10.0.0.8")
    assert other.status_code == 200


def test_rate_limit_per_survey_token(client, settings, published):
    settings.CXRAY_SURVEY_RATE_PER_TOKEN = 4
    survey = published["sa"]
    codes = [
        client.get(f"/s/{survey.public_token}/", REMOTE_ADDR=f"10.0.0.{i}").status_code
        for i in range(6)
    ]
    assert codes == [200, 200, 200, 200, 429, 429]
    # Another survey still answers.
    assert client.get(f"/s/{published['sb'].public_token}/").status_code == 200


def test_default_limits_let_a_busy_reception_desk_through(client, published):
    """One tablet, 20 people a minute, each: open, answer, see the thanks page."""
    survey = published["sa"]
    for i in range(20):
        assert client.get(f"/s/{survey.public_token}/").status_code == 200
        form = {"score": "8", "key": f"desk-{i}"}
        assert client.post(f"/s/{survey.public_token}/", form).status_code == 302
    assert SurveyResponse.objects.count() == 20


def test_sliding_window_forgets_old_hits():
    from cxray.web.surveys import ratelimit

    assert all(ratelimit.allow(ip="1.1.1.1", token="t", now=float(i)) for i in range(60))
    assert not ratelimit.allow(ip="1.1.1.1", token="t", now=59.5)
    assert ratelimit.allow(ip="1.1.1.1", token="t", now=61.0)


def test_the_widget_asks_the_competitor_question_when_the_survey_has_one(client, published):
    from cxray.web.analytics_store import analytics
    from cxray.web.research.selectors import competitor_report
    from cxray.web.surveys.services import responses_sync, survey_update

    plain = client.get(endpoint(published["sa"]), {"lang": "en"}).json()
    assert "competitor_question" not in plain and "dont_know" not in plain
    survey = survey_update(survey=published["sa"], competitor="Rival Clinic")
    wording = client.get(endpoint(survey), {"lang": "en"}).json()
    assert wording["competitor_question"] == "How would you rate Rival Clinic on the same?"
    assert wording["dont_know"] == "I don't know them"
    assert (
        "Rival Clinic" in client.get(endpoint(survey), {"lang": "uk"}).json()["competitor_question"]
    )
    # What widget.js sends: the competitor's score, or null for "I don't know them".
    for i, (own, other) in enumerate([(9, 9), (6, 2), (10, None)]):
        body = {"score": own, "competitor_score": other, "key": f"c-{i}", "lang": "en"}
        assert post(client, survey, body).status_code == 201
    assert [r.competitor_score for r in SurveyResponse.objects.order_by("pk")] == [9, 2, None]
    responses_sync(workspace=survey.workspace)  # the test transaction never commits
    with analytics() as store:
        bench = store.table("benchmark_ratings", "alpha").to_pandas()
    assert sorted(bench["score"]) == [2.0, 9.0] and set(bench["subject"]) == {"Rival Clinic"}
    # By hand: Rival Clinic 9 and 2 -> one promoter, one detractor, n 2: NPS = 0.
    overall = next(c for c in competitor_report(workspace=survey.workspace) if c.touchpoint is None)
    assert (overall.other.n, overall.other.value) == (2, pytest.approx(0.0))
    # A score outside the scale is refused in the visitor's language, like the own score.
    bad = post(client, survey, {"score": 8, "competitor_score": 11, "key": "c-bad", "lang": "en"})
    assert bad.status_code == 400 and "competitor" in bad.json()["error"]
