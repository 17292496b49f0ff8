"""The case check out of the web process: what is left to check is marked in the database,
the checker reads only that, and the web process keeps what needs the analytics store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from cxray.web.cases import intake
from cxray.web.cases import services as case_services
from cxray.web.cases.models import Case, CaseFeedback
from cxray.web.cases.services import routing_rule_create
from cxray.web.notifications.scheduler import job_run
from cxray.web.surveys.models import SurveyResponse
from cxray.web.surveys.services import response_submit, survey_create, survey_publish

pytestmark = pytest.mark.django_db


def _answer(survey, score: int, customer: str = "", comment: str = "") -> int:
    # In a test the transaction never commits, so the on-commit hook never fires: the answer
    # is stored unchecked, as one is while the checker process is busy or down.
    return response_submit(survey=survey, score=score, customer_id=customer, comment=comment)[0].pk


def _checked(*ids: int) -> list[bool]:
    rows = dict(SurveyResponse.objects.filter(pk__in=ids).values_list("pk", "case_checked_at"))
    return [rows[i] is not None for i in ids]


def _linked(*ids: int) -> list[bool]:
    linked = set(CaseFeedback.objects.values_list("response_id", flat=True))
    return [i in linked for i in ids]


def test_the_checker_reads_what_is_unchecked_once_and_opens_the_cases(company):
    enps = survey_publish(
        survey=survey_create(
            workspace=company["ws"],
            name="Team",
            type="enps",
            purpose="Decide on shifts",
            owner_user=company["admin"],
        )
    )
    low, high, staff = (
        _answer(company["survey"], 2, "c-1"),
        _answer(company["survey"], 10, "c-2"),
        _answer(enps, 1),
    )
    assert _checked(low, high, staff) == [False, False, False]

    assert intake.cases_follow_once() == 3
    assert _checked(low, high, staff) == [True, True, True]
    assert _linked(low, high, staff) == [True, False, False]  # employees' answers open none
    assert intake.cases_follow_once() == 0  # nothing is read twice
    later = _answer(company["survey"], 3, "c-3")
    assert intake.cases_follow_once() == 1
    assert _linked(later) == [True]
    assert sorted(Case.objects.values_list("customer_id", flat=True)) == ["c-1", "c-3"]


def test_the_checker_reads_in_batches_oldest_first(company):
    ids = [_answer(company["survey"], s, f"c-{s}") for s in (1, 2, 3, 10, 4)]
    assert intake.cases_follow_once(limit=2) == 2
    assert _checked(*ids) == [True, True, False, False, False]
    assert intake.cases_follow_once(limit=2) == 2
    assert intake.cases_follow_once(limit=2) == 1
    assert _checked(*ids) == [True] * 5
    assert _linked(*ids) == [True, True, True, False, True]


def test_workspaces_whose_rules_need_customer_facts_stay_with_the_web_process(
    company, monkeypatch, settings
):
    beta = company["b"]
    beta_survey = survey_publish(
        survey=survey_create(
            workspace=beta["ws"], name="Visit", purpose="Evening hours", owner_user=beta["admin"]
        )
    )
    routing_rule_create(workspace=beta["ws"], segment="A", owner_unit=beta["dept"])
    alpha_low, beta_low = _answer(company["survey"], 2, "c-1"), _answer(beta_survey, 2, "c-1")

    assert intake.cases_follow_once() == 1
    assert _checked(alpha_low, beta_low) == [True, False]

    # The web process's hook: with a checker process, it queues only beta's answer.
    settings.CXRAY_CASES_INLINE = settings.CXRAY_SURVEY_SYNC_INLINE = False
    started = []
    monkeypatch.setattr(intake.threading, "Thread", lambda **kw: started.append(kw) or _Idle())
    monkeypatch.setattr(intake, "_thread", None)
    monkeypatch.setattr(intake, "_pending", intake.deque())
    intake.case_checks_elsewhere(True)
    try:
        intake.case_intake_soon(alpha_low, company["ws"].pk)
        intake.case_intake_soon(beta_low, beta["ws"].pk)
    finally:
        intake.case_checks_elsewhere(False)
    assert list(intake._pending) == [beta_low]
    assert len(started) == 1


class _Idle:
    def start(self) -> None:
        pass

    def is_alive(self) -> bool:
        return True


def test_an_answer_that_fails_every_try_does_not_hold_up_the_ones_behind(company, monkeypatch):
    bad, good = _answer(company["survey"], 2, "c-1"), _answer(company["survey"], 3, "c-2")
    monkeypatch.setattr(intake, "RETRY_WAITS_S", (0.0,) * 5)
    # Between tries the checker drops a broken connection; the test's is inside its
    # transaction (PostgreSQL would close it).
    monkeypatch.setattr(intake, "close_old_connections", lambda: None)
    monkeypatch.setattr(intake, "_given_up", set())
    real = case_services.case_intake_response

    def broken(response_id: int) -> bool:
        return False if response_id == bad else real(response_id)

    monkeypatch.setattr(case_services, "case_intake_responses", lambda ids, **kw: False)
    monkeypatch.setattr(case_services, "case_intake_response", broken)
    assert intake.cases_follow_once() == 2
    assert _checked(bad, good) == [False, True]
    assert intake._given_up == {bad}
    assert intake.cases_follow_once() == 0  # given up here; the scheduled job still tries it
    monkeypatch.setattr(case_services, "case_intake_response", real)
    assert job_run("cases_intake") == 1
    assert _checked(bad) == [True] and _linked(bad) == [True]


def test_the_scheduled_job_reads_only_unchecked_answers(company):
    checked = _answer(company["survey"], 9, "c-1")
    intake.cases_follow_once()
    unchecked = _answer(company["survey"], 2, "c-2")
    assert job_run("cases_intake") == 1  # not the 9 that the checker has seen
    assert _checked(checked, unchecked) == [True, True]
    assert job_run("cases_intake") == 0


def test_answers_past_the_horizon_are_not_opened_as_cases(company):
    old = _answer(company["survey"], 1, "c-1")
    SurveyResponse.objects.filter(pk=old).update(
        created_at=timezone.now() - case_services.INTAKE_HORIZON - timedelta(hours=1)
    )
    assert intake.cases_follow_once() == 0
    assert job_run("cases_intake") == 0
    assert _linked(old) == [False]


def test_the_upgrade_marks_the_answers_stored_before_it_as_checked(company):
    from importlib import import_module

    ids = [_answer(company["survey"], s) for s in (1, 10)]
    migration = import_module("cxray.web.surveys.migrations.0004_case_checked")
    migration.mark_existing_checked(apps, None)
    assert _checked(*ids) == [True, True]
    created = dict(SurveyResponse.objects.values_list("case_checked_at", "created_at"))
    assert all(k == v for k, v in created.items())
    assert intake.cases_follow_once() == 0  # past feedback opens no cases
