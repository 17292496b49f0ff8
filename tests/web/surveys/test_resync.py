"""Rebuilding the analytics store's copy of the survey answers from the app database."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from typer.testing import CliRunner

from cxray.cli import app
from cxray.web.accounts.models import Role
from cxray.web.accounts.services import api_token_create, membership_set
from cxray.web.analytics_store import analytics
from cxray.web.surveys.services import response_submit, responses_sync

pytestmark = pytest.mark.django_db

SCORES = [10, 9, 7, 3, 0]  # 2 promoters, 1 passive, 2 detractors: NPS 0 of n 5


def survey_rows(slug: str) -> list[float]:
    with analytics() as store:
        rows = store.raw.execute(
            "SELECT score FROM responses WHERE workspace = ? "
            "AND starts_with(row_key, 'survey-response-') ORDER BY score",
            [slug],
        ).fetchall()
    return [r[0] for r in rows]


def other_rows(slug: str) -> int:
    with analytics() as store:
        return store.raw.execute(
            "SELECT count(*) FROM responses WHERE workspace = ? "
            "AND NOT starts_with(row_key, 'survey-response-')",
            [slug],
        ).fetchone()[0]


@pytest.fixture
def damaged(published):
    """Five answers in alpha, whose store copy then lost two rows and gained an orphan."""
    for i, score in enumerate(SCORES):
        response_submit(survey=published["sa"], score=score, idempotency_key=f"k{i}")
    # The test transaction never commits, so the copy that follows a commit is run by hand.
    responses_sync(workspace=published["a"]["ws"])
    assert survey_rows("alpha") == [0, 3, 7, 9, 10]
    with analytics() as store:
        store.raw.execute(
            "DELETE FROM responses WHERE workspace = 'alpha' AND score >= 9 "
            "AND starts_with(row_key, 'survey-response-')"
        )
        store.raw.execute(
            "INSERT INTO responses (workspace, row_key, metric, score, scale_max) "
            "VALUES ('alpha', 'survey-response-999999', 'nps', 0, 10)"
        )
    assert survey_rows("alpha") == [0, 0, 3, 7]
    return published


def test_the_api_rebuilds_the_copy_and_keeps_imported_answers(client, damaged):
    a, b = damaged["a"], damaged["b"]
    imported_a, imported_b = other_rows("alpha"), other_rows("beta")
    assert imported_a == 8  # make_company's 6 promoters and 2 detractors, not survey answers
    answer = client.post("/api/v1/surveys/resync", HTTP_AUTHORIZATION=f"Bearer {a['token']}")
    assert answer.status_code == 200 and answer.json() == {"copied": 5}
    scores = survey_rows("alpha")
    assert scores == [0, 3, 7, 9, 10]
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    assert 100 * (promoters - detractors) / len(scores) == 0.0
    assert (other_rows("alpha"), other_rows("beta")) == (imported_a, imported_b)
    assert survey_rows("beta") == []  # beta's token was not used and beta had no answers

    viewer = get_user_model().objects.create_user(username="alpha-viewer", password="pw-12345-x")
    membership_set(user=viewer, workspace=a["ws"], role=Role.VIEWER)
    key = api_token_create(workspace=a["ws"], user=viewer, name="read")[1]
    refused = client.post("/api/v1/surveys/resync", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert refused.status_code == 403
    del b


def test_the_settings_button_and_the_cli_rebuild_the_copy(client, damaged):
    a = damaged["a"]
    client.force_login(a["admin"])
    page = client.post(reverse("settings", args=["alpha"]), {"action": "resync"}, follow=True)
    assert survey_rows("alpha") == [0, 3, 7, 9, 10]
    assert "5" in page.content.decode()

    with analytics() as store:
        store.raw.execute("DELETE FROM responses WHERE workspace = 'alpha' AND score = 7")
    result = CliRunner().invoke(
        app, ["survey", "resync", "-w", "alpha"], env={"CXRAY_LANGUAGE": "en"}
    )
    assert result.exit_code == 0, result.output
    assert "5 survey answers copied to the analytics store again." in result.output
    assert survey_rows("alpha") == [0, 3, 7, 9, 10]
