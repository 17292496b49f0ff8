"""The intake's batches open the same cases as the one-answer check, with far fewer queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cxray.web.cases import intake
from cxray.web.cases.models import Case, CaseFeedback, EventKind
from cxray.web.cases.routing import Router
from cxray.web.cases.services import (
    case_intake_response,
    case_intake_responses,
    case_open_for_response,
    routing_rule_create,
)
from cxray.web.notifications.models import Delivery
from cxray.web.notifications.services import webhook_create
from cxray.web.surveys import services as survey_services
from cxray.web.surveys.models import SurveyResponse
from cxray.web.surveys.services import ResponseContext, response_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def answers(company, monkeypatch):
    """Nine answers stored with the hook off (score, comment, customer, touchpoint, unit)."""
    monkeypatch.setattr(survey_services, "_case_hook", lambda *_ids: None)
    tp, other = company["tp"].code, company["other"].code
    rows = [
        (2, "Очередь", "c-1", tp, ""),  # opens: low score, the touchpoint's owner (dept)
        (4, "Опять очередь", "c-1", tp, ""),  # joins c-1's case (same touchpoint)
        (10, "", "c-2", tp, ""),  # nothing
        (8, "Ужасно долго ждали, грубый администратор", "c-4", tp, ""),  # negative comment
        (1, "", "c-5", "", other),  # opens: no touchpoint, the unit's own case
        (3, "", "", "", ""),  # opens: no customer, no owner
        (9, "Спасибо, всё отлично", "c-6", tp, ""),  # nothing
        (0, "", "c-1", tp, ""),  # joins c-1's case again
        (5, "", "c-7", tp, company["branch"].code),  # opens: the rule on the branch's subtree
    ]
    routing_rule_create(
        workspace=company["ws"], unit=company["branch"], owner_unit=company["other"]
    )
    webhook_create(workspace=company["ws"], url="https://hooks.example.com/cx")
    out = []
    for score, comment, customer, touchpoint, unit in rows:
        r, _new = response_submit(
            survey=company["survey"],
            score=score,
            comment=comment,
            customer_id=customer,
            context=ResponseContext(touchpoint=touchpoint, unit=unit),
        )
        out.append(r.pk)
    return out


def _snapshot() -> list[tuple]:
    """Every case with its answers, events and deliveries, without ids and times (the case
    number in a mail's subject, "#12" or "№12", too: PostgreSQL does not reuse the numbers
    of a rolled-back transaction)."""
    out = []
    for case in Case.objects.order_by("pk"):
        answers = sorted(f.response_id for f in CaseFeedback.objects.filter(case=case))
        events = [(e.kind, e.text) for e in case.events.order_by("at", "pk")]
        deliveries = sorted(
            (d.kind, d.event, d.recipient, re.sub(rf"([#№]){case.pk}\b", r"\1N", d.subject))
            for d in Delivery.objects.filter(key__startswith=f"case.opened:{case.pk}:")
        )
        out.append(
            (
                case.title,
                case.reason,
                case.status,
                case.response_id,
                case.customer_id,
                case.touchpoint_code,
                case.unit_code,
                case.theme,
                case.metric,
                case.score,
                case.owner_unit_id,
                case.owner_user_id,
                case.due_at - case.opened_at,
                tuple(answers),
                tuple(events),
                tuple(deliveries),
            )
        )
    return out


def test_a_batch_opens_the_same_cases_as_one_answer_at_a_time(company, answers):
    with transaction.atomic():
        with CaptureQueriesContext(connection) as one_by_one:
            assert all(case_intake_response(pk) for pk in answers)
        expected = _snapshot()
        transaction.set_rollback(True)
    assert Case.objects.count() == 0
    with CaptureQueriesContext(connection) as batch:
        assert case_intake_responses(answers)
    assert _snapshot() == expected
    # Hand count: five cases (c-1, c-4, c-5, the anonymous one, c-7); c-1's case has three
    # answers (an opened and two joined events); c-2 and c-6 open nothing.
    by = {c.response_id: c for c in Case.objects.all()}
    assert sorted(by) == [answers[0], answers[3], answers[4], answers[5], answers[8]]
    first = by[answers[0]]
    assert first.feedback.count() == 3
    assert [e.kind for e in first.events.order_by("at", "pk")] == [
        EventKind.OPENED,
        EventKind.JOINED,
        EventKind.JOINED,
    ]
    assert by[answers[0]].owner_unit == company["dept"]
    assert by[answers[3]].reason == "negative_comment"
    assert by[answers[4]].owner_unit == company["other"]
    assert (by[answers[5]].owner_unit, by[answers[5]].owner_user) == (None, None)
    assert by[answers[8]].owner_unit == company["other"]  # the rule: the branch's subtree
    # Each new case tells its owner (or the admins) by mail and the webhook: 5 + 5 rows.
    assert Delivery.objects.filter(event="case.opened").count() == 10
    # One by one, every answer reads its own settings, rules, owners and recipients.
    assert len(batch.captured_queries) * 3 < len(one_by_one.captured_queries)


def test_a_second_batch_skips_answers_already_linked(company, answers):
    assert case_intake_responses(answers[:2])
    assert case_intake_responses(answers)  # the first two are linked: looked at no more
    assert CaseFeedback.objects.count() == 7  # the seven answers that open or join a case
    assert Case.objects.count() == 5


def test_the_job_winning_a_race_fails_the_batch_and_one_by_one_finishes(
    company, answers, monkeypatch
):
    """The worker's job links an answer between the batch's read and its write: the batch
    writes nothing, the thread goes again, and every answer ends with exactly one case."""
    real = Router.owner
    raced = []

    def job_links_first_answer_meanwhile(self, facts):
        if not raced:
            raced.append(True)
            case_open_for_response(response=SurveyResponse.objects.get(pk=answers[0]))
        return real(self, facts)

    monkeypatch.setattr(Router, "owner", job_links_first_answer_meanwhile)
    monkeypatch.setattr(intake, "RETRY_WAITS_S", (0.0, 0.0, 0.0, 0.0, 0.0))
    assert not case_intake_responses(answers)
    assert Case.objects.count() == 1  # only the job's
    intake._check(answers)
    assert Case.objects.count() == 5
    assert CaseFeedback.objects.filter(response_id=answers[0]).count() == 1


def test_a_new_case_nobody_is_told_about_renders_no_message(company, monkeypatch):
    from cxray.web.cases.services import case_open
    from cxray.web.notifications import services as notifications

    beta = company["b"]  # its admin has no email address, and it has no webhook yet
    rendered = []
    real = notifications._case_message
    monkeypatch.setattr(
        notifications, "_case_message", lambda *a: rendered.append(a[0].pk) or real(*a)
    )
    case = case_open(workspace=beta["ws"], title="Long queue")
    rendered.clear()
    assert notifications.notify_cases_opened([case]) == 0
    assert rendered == []
    webhook_create(workspace=beta["ws"], url="https://hooks.example.com/cx")
    assert notifications.notify_cases_opened([case]) == 1
    assert rendered == [case.pk]
    assert Delivery.objects.filter(key__startswith=f"case.opened:{case.pk}:webhook:").count() == 1
