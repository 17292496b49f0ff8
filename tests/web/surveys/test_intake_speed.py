"""The respondent's submission path kept short: a cached survey, one insert, fair queueing."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxray.web.surveys import selectors
from cxray.web.surveys import services as survey_services
from cxray.web.surveys.models import Survey, SurveyResponse, SurveyStatus
from cxray.web.surveys.services import response_submit, survey_close, survey_update

pytestmark = pytest.mark.django_db


def url(survey) -> str:
    return f"/s/{survey.public_token}/"


def test_a_submission_to_a_served_survey_is_one_insert(client, published):
    survey = published["sa"]
    assert client.get(url(survey)).status_code == 200  # the survey is now cached
    form = {"score": "4", "comment": "Long queue", "key": "k-1", "lang": "en"}
    with CaptureQueriesContext(connection) as queries:
        assert client.post(url(survey), form).status_code == 302
    # Inside the test's transaction the write is SAVEPOINT, INSERT, RELEASE: no survey, key
    # or workspace lookups.
    sql = [q["sql"].split()[0] for q in queries.captured_queries]
    assert sql == ["SAVEPOINT", "INSERT", "RELEASE"]
    assert SurveyResponse.objects.get(survey=survey).score == 4


def test_a_repeated_key_returns_the_first_answer(published):
    survey = published["sa"]
    first, created = response_submit(survey=survey, score=3, idempotency_key="same")
    again, created_again = response_submit(survey=survey, score=9, idempotency_key="same")
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.score == 3
    assert SurveyResponse.objects.filter(survey=survey).count() == 1


def test_closing_in_this_process_takes_effect_at_once(client, published):
    survey = published["sa"]
    assert client.post(url(survey), {"score": "8", "key": "a"}).status_code == 302
    survey_close(survey=Survey.objects.get(pk=survey.pk))
    closed = client.post(url(survey), {"score": "8", "key": "b"})
    assert closed.status_code == 410
    assert SurveyResponse.objects.filter(survey=survey).count() == 1


def test_an_edit_in_this_process_shows_on_the_next_page(client, published):
    survey = published["sa"]
    assert "Evening hours?" not in client.get(url(survey), {"lang": "en"}).content.decode()
    survey_update(survey=Survey.objects.get(pk=survey.pk), question_en="Evening hours?")
    assert "Evening hours?" in client.get(url(survey), {"lang": "en"}).content.decode()


def test_a_change_from_another_process_is_seen_after_the_cache_time(client, published, monkeypatch):
    survey = published["sa"]
    assert client.post(url(survey), {"score": "8", "key": "a"}).status_code == 302
    # A queryset update sends no signal, as a change made by another process would not.
    Survey.objects.filter(pk=survey.pk).update(status=SurveyStatus.CLOSED)
    assert client.post(url(survey), {"score": "8", "key": "b"}).status_code == 302
    monkeypatch.setattr(selectors, "SURVEY_CACHE_S", 0.0)
    assert client.post(url(survey), {"score": "8", "key": "c"}).status_code == 410
    assert SurveyResponse.objects.filter(survey=survey).count() == 2


def test_unknown_tokens_are_not_cached(client, published):
    assert client.get("/s/no-such-token/").status_code == 404
    assert "no-such-token" not in selectors._surveys


def test_inside_an_outer_transaction_the_intake_queue_is_not_taken(published):
    # The test runs in a transaction: queueing behind another thread here could wait for a
    # thread that waits for this transaction's database lock.
    with survey_services._intake_lock:
        response, created = response_submit(survey=published["sa"], score=5)
    assert created and response.pk


@pytest.mark.django_db(transaction=True)
def test_writers_of_this_process_queue_for_the_database(two_companies):
    from cxray.web.surveys.services import survey_create, survey_publish

    a = two_companies[0]
    survey = survey_publish(
        survey=survey_create(
            workspace=a["ws"], name="Queue", purpose="Decide", owner_user=a["admin"]
        )
    )
    done = threading.Event()

    def answer() -> None:
        try:
            response_submit(survey=survey, score=7, idempotency_key="queued")
        finally:
            connection.close()
            done.set()

    with survey_services._intake_lock:
        worker = threading.Thread(target=answer)
        worker.start()
        if connection.vendor == "sqlite":
            time.sleep(0.3)
            assert not done.is_set()  # waiting in the queue, not at SQLite's lock
            assert not SurveyResponse.objects.filter(idempotency_key="queued").exists()
        else:
            # PostgreSQL's row locks let writers go side by side: no queue to wait in.
            assert done.wait(10)
    assert done.wait(10)
    worker.join()
    assert SurveyResponse.objects.filter(survey=survey, idempotency_key="queued").count() == 1
