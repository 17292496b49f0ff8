"""The REST API: list surveys, submit responses; confined to the token's workspace."""

from __future__ import annotations

import pytest

from cxray.web.surveys.models import SurveyResponse
from cxray.web.surveys.services import survey_close

pytestmark = pytest.mark.django_db


def post(client, token: str, survey, body: dict, **headers):
    return client.post(
        f"/api/v1/surveys/{survey.public_token}/responses",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **headers,
    )


def test_list_shows_only_own_surveys(client, published):
    a = published["a"]
    rows = client.get("/api/v1/surveys", HTTP_AUTHORIZATION=f"Bearer {a['token']}").json()
    assert [r["name"] for r in rows] == ["After the visit"]
    assert rows[0]["purpose"].startswith("Decide") and rows[0]["owner"] == "alpha-admin"
    assert rows[0]["public_link"].endswith(f"/s/{published['sa'].public_token}/")


def test_submit_is_idempotent(client, published):
    a, sa = published["a"], published["sa"]
    body = {"score": 4, "comment": "slow", "unit": a["dept"].code, "idempotency_key": "crm-17"}
    first = post(client, a["token"], sa, body)
    again = post(client, a["token"], sa, body)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and first.json()["unit"] == "alpha-dep"
    by_header = post(client, a["token"], sa, {"score": 5}, HTTP_IDEMPOTENCY_KEY="h1")
    assert by_header.status_code == 201
    assert post(client, a["token"], sa, {"score": 5}, HTTP_IDEMPOTENCY_KEY="h1").status_code == 200
    assert SurveyResponse.objects.count() == 2
    assert SurveyResponse.objects.get(idempotency_key="crm-17").channel == "api"


def test_token_of_another_workspace_is_404(client, published):
    b, sa = published["b"], published["sa"]
    response = post(client, b["token"], sa, {"score": 9})
    assert response.status_code == 404
    assert SurveyResponse.objects.count() == 0


def test_strict_schema_and_bad_input(client, published):
    a, sa = published["a"], published["sa"]
    assert post(client, a["token"], sa, {"score": "9"}).status_code == 422  # strict: no strings
    assert post(client, a["token"], sa, {"score": 9, "extra": 1}).status_code == 422
    assert post(client, a["token"], sa, {"score": 11}).status_code == 400
    assert post(client, a["token"], sa, {"score": 5, "comment": "x" * 5001}).status_code == 422
    assert post(client, a["token"], sa, {"score": 5, "channel": "widget"}).status_code == 400
    survey_close(survey=sa)
    assert post(client, a["token"], sa, {"score": 5}).status_code == 410
    assert SurveyResponse.objects.count() == 0
    assert (
        client.post(
            f"/api/v1/surveys/{sa.public_token}/responses",
            data={"score": 5},
            content_type="application/json",
        ).status_code
        == 401
    )
