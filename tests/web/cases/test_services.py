"""Cases: opened by low scores and negative comments, routed, joined, reacted to, escalated."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from cxray.analytics.reaction import is_low_score
from cxray.errors import InvalidInputError
from cxray.web.cases.models import Case, CaseEvent, CaseStatus, EventKind
from cxray.web.cases.routing import CaseFacts, owner_for
from cxray.web.cases.selectors import cases_for, open_case_counts
from cxray.web.cases.services import (
    case_contact,
    case_note,
    case_open,
    case_resolve,
    case_settings_update,
    cases_escalate_overdue,
    routing_rule_create,
)
from cxray.web.notifications.models import Delivery
from cxray.web.surveys.services import ResponseContext, response_submit

pytestmark = pytest.mark.django_db


def answer(company, score, comment="", customer="c-1", tp=None, unit="", capture=None):
    with capture(execute=True):
        r, _ = response_submit(
            survey=company["survey"],
            score=score,
            comment=comment,
            customer_id=customer,
            context=ResponseContext(
                touchpoint=company["tp"].code if tp is None else tp, unit=unit, employee=""
            ),
        )
    return r


@pytest.mark.parametrize(
    ("metric", "score", "low"),
    [
        ("nps", 6, True),
        ("nps", 7, False),
        ("enps", 0, True),
        ("csat", 2, True),
        ("csat", 3, False),
        ("ces", 3, True),
        ("ces", 4, False),
        ("custom", 6, True),
    ],
)
def test_low_score_follows_the_bottom_bucket_of_each_metric(metric, score, low):
    # NPS detractors 0-6; CSAT 1-2 of 1-5; CES 1-3 of 1-7 (higher is easier, scores.py).
    assert is_low_score(metric, score) is low


def test_detractor_opens_a_case_for_the_touchpoint_owner(
    company, django_capture_on_commit_callbacks
):
    before = timezone.now()
    r = answer(company, 3, "Долго ждали", capture=django_capture_on_commit_callbacks)
    case = Case.objects.get()
    assert (case.reason, case.score, case.metric, case.customer_id) == (
        "low_score",
        3,
        "nps",
        "c-1",
    )
    assert case.owner_unit == company["dept"]  # the touchpoint's owner unit
    assert case.owner_user == company["dept_mgr"]  # its unit manager
    assert case.response == r and case.feedback.get().response == r
    assert timedelta(hours=48) <= case.due_at - before <= timedelta(hours=48, seconds=30)
    assert case.events.get().kind == EventKind.OPENED
    # The alert is queued for the worker, not sent by the request.
    mail = Delivery.objects.get(kind="email")
    assert (mail.recipient, mail.event, mail.status) == (
        "dept@example.com",
        "case.opened",
        "pending",
    )
    assert open_case_counts(company["ws"]) == {company["tp"].code: 1}


def test_passive_with_negative_comment_opens_a_case_and_a_kind_one_does_not(
    company, django_capture_on_commit_callbacks
):
    cap = django_capture_on_commit_callbacks
    answer(company, 8, "Спасибо, всё отлично", customer="c-2", capture=cap)
    answer(company, 10, customer="c-3", capture=cap)
    assert Case.objects.count() == 0
    answer(company, 8, "Ужасно долго ждали, грубый администратор", customer="c-4", capture=cap)
    case = Case.objects.get()
    assert case.reason == "negative_comment"
    assert case.theme == "waiting_time"  # the first theme cxray.text finds


def test_same_customer_same_issue_joins_the_open_case(company, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    answer(company, 2, "Очередь", customer="c-1", capture=cap)
    answer(company, 4, "Опять очередь", customer="c-1", capture=cap)
    answer(company, 1, customer="c-9", capture=cap)
    assert Case.objects.count() == 2
    first = Case.objects.get(customer_id="c-1")
    assert first.feedback.count() == 2
    assert first.events.filter(kind=EventKind.JOINED).count() == 1
    # Once the case is resolved, new feedback opens a new one.
    case_resolve(case=first, by=None, resolution="Called, apologised")
    answer(company, 2, customer="c-1", capture=cap)
    assert Case.objects.filter(customer_id="c-1").count() == 2


def test_routing_rules_in_order_then_touchpoint_owner_then_unit(company):
    ws, other = company["ws"], company["other"]
    assert owner_for(ws, CaseFacts(touchpoint_code=company["tp"].code)).unit == company["dept"]
    assert owner_for(ws, CaseFacts(unit_code=other.code)).unit == other  # no touchpoint owner
    assert owner_for(ws, CaseFacts()).unit is None
    big = routing_rule_create(
        workspace=ws, min_value_at_risk=Decimal("10000"), owner_user=company["admin"]
    )
    seg = routing_rule_create(workspace=ws, segment="VIP", owner_unit=company["branch"])
    routing_rule_create(workspace=ws, unit=company["branch"], owner_unit=other)
    assert (big.position, seg.position) == (1, 2)
    vip = owner_for(ws, CaseFacts(segment="vip", value_at_risk=Decimal("50")))
    assert (vip.unit, vip.user, vip.rule) == (company["branch"], company["branch_mgr"], seg)
    rich = owner_for(ws, CaseFacts(segment="VIP", value_at_risk=Decimal("12000")))
    assert (rich.user, rich.rule) == (company["admin"], big)  # first matching rule wins
    # The unit condition covers the unit's subtree: the department is under the branch.
    assert owner_for(ws, CaseFacts(unit_code=company["dept"].code)).unit == other
    # The messages are translated: read them in English (the default language is Russian).
    with translation.override("en"), pytest.raises(InvalidInputError, match="owner"):
        routing_rule_create(workspace=ws, segment="X")
    with translation.override("en"), pytest.raises(InvalidInputError, match="another workspace"):
        routing_rule_create(workspace=ws, owner_unit=company["b"]["dept"])


def test_first_action_is_the_reaction_and_resolution_closes_the_loop(company):
    t0 = timezone.now()
    case = case_open(workspace=company["ws"], title="Rude reply", unit_code="alpha-dep", now=t0)
    case_contact(
        case=case,
        by=company["dept_mgr"],
        channel="phone",
        text="Called",
        now=t0 + timedelta(hours=5),
    )
    case_note(case=case, by=company["dept_mgr"], text="Will train", now=t0 + timedelta(hours=6))
    case.refresh_from_db()
    assert case.first_reaction_at == t0 + timedelta(hours=5)
    assert case.status == CaseStatus.IN_PROGRESS
    case_resolve(
        case=case,
        by=company["dept_mgr"],
        resolution="Refund",
        close=True,
        now=t0 + timedelta(hours=30),
    )
    case.refresh_from_db()
    assert (case.status, case.resolution) == ("closed", "Refund")
    assert case.closed_at == case.resolved_at == t0 + timedelta(hours=30)
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["opened", "contact", "note", "resolved"]
    with translation.override("en"), pytest.raises(InvalidInputError, match="empty"):
        case_note(case=case, by=None, text="  ")
    with translation.override("en"), pytest.raises(InvalidInputError, match="channel"):
        case_contact(case=case, by=None, channel="pigeon", text="x")


def test_missed_deadline_escalates_once_up_the_hierarchy(company):
    ws = company["ws"]
    case_settings_update(workspace=ws, reaction_hours=24)
    t0 = timezone.now() - timedelta(hours=30)
    case = case_open(workspace=ws, title="No answer", touchpoint_code=company["tp"].code, now=t0)
    assert case.due_at == t0 + timedelta(hours=24)
    now = timezone.now()
    assert [c.pk for c in cases_escalate_overdue(now=now)] == [case.pk]
    assert cases_escalate_overdue(now=now) == []  # a re-run does nothing
    case.refresh_from_db()
    assert (case.owner_unit, case.owner_user) == (company["branch"], company["branch_mgr"])
    assert (case.escalation_level, case.due_at) == (1, now + timedelta(hours=24))
    assert case.events.filter(kind="escalated").count() == 1
    assert (
        Delivery.objects.filter(event="case.escalated", recipient="branch@example.com").count() == 1
    )
    # Past the second deadline: the company unit above has no manager, so the workspace's
    # CX managers and admins are told.
    later = now + timedelta(hours=25)
    cases_escalate_overdue(now=later)
    case.refresh_from_db()
    top = company["branch"].parent
    assert top is not None and top.parent is None
    assert (case.escalation_level, case.owner_unit, case.owner_user) == (2, top, None)
    assert (
        Delivery.objects.filter(event="case.escalated", recipient="admin@example.com").count() == 1
    )
    cases_escalate_overdue(now=later + timedelta(hours=25))  # the top: it stays, level 3
    case.refresh_from_db()
    assert (case.escalation_level, case.owner_unit) == (3, top)
    # A reacted case is never escalated.
    reacted = case_open(workspace=ws, title="Reacted", unit_code="alpha-dep", now=t0)
    case_note(case=reacted, by=None, text="on it", now=t0 + timedelta(hours=1))
    assert cases_escalate_overdue(now=later + timedelta(days=9)) == [case]


def test_cases_for_a_unit_and_an_employee(company):
    ws = company["ws"]
    a = case_open(workspace=ws, title="A", unit_code="alpha-dep", employee_code="alpha-e1")
    b = case_open(workspace=ws, title="B", unit_code="alpha-br2", employee_code="alpha-e2")
    assert set(cases_for(ws, unit=company["branch"])) == {a}  # the department is below
    assert set(cases_for(ws, unit="alpha-br2")) == {b}
    assert set(cases_for(ws, employee=company["alice"])) == {a}
    assert set(cases_for(ws, employee="nobody")) == set()
    assert set(cases_for(ws)) == {a, b}
    assert CaseEvent.objects.filter(case__in=[a, b], kind="opened").count() == 2


def test_segment_and_value_rules_read_the_customer_from_the_store(
    company, django_capture_on_commit_callbacks
):
    from cxray.web.analytics_store import analytics

    from ..conftest import facts

    ws = company["ws"]
    now = timezone.localtime().replace(tzinfo=None)
    with analytics() as store:  # c1 bought 700 + 500 this year and 9000 two years ago
        store.write(
            "transactions",
            facts(
                "transactions",
                [
                    {
                        "workspace": "alpha",
                        "row_key": f"t{i}",
                        "customer_id": "c1",
                        "amount": amount,
                        "at": now - timedelta(days=days),
                    }
                    for i, (amount, days) in enumerate([(700.0, 10), (500.0, 100), (9000.0, 800)])
                ],
            ),
        )
    routing_rule_create(
        workspace=ws, min_value_at_risk=Decimal("1000"), owner_user=company["admin"]
    )
    routing_rule_create(workspace=ws, segment="A", owner_unit=company["branch"])
    cap = django_capture_on_commit_callbacks
    answer(company, 1, customer="c1", capture=cap)  # segment A (odd), 1200 in the last year
    answer(company, 1, customer="c3", capture=cap)  # segment A, no purchases
    answer(company, 1, customer="c2", capture=cap)  # segment B: the touchpoint's owner
    by_customer = {c.customer_id: c for c in Case.objects.all()}
    assert by_customer["c1"].value_at_risk == Decimal("1200.00")
    assert by_customer["c1"].owner_user == company["admin"]
    assert (by_customer["c3"].segment, by_customer["c3"].owner_unit) == ("A", company["branch"])
    assert by_customer["c2"].owner_unit == company["dept"]


@pytest.mark.django_db(transaction=True)
def test_the_request_only_queues_and_a_thread_opens_the_case(company, settings, monkeypatch):
    from cxray.web.cases.intake import case_intake_wait

    settings.CXRAY_SURVEY_SYNC_INLINE = False
    settings.CXRAY_CASES_INLINE = False
    from cxray.web.surveys import services

    # The analytics sync is not under test here.
    monkeypatch.setattr(services, "responses_sync_soon", lambda workspace_id: None)
    response_submit(survey=company["survey"], score=1, customer_id="c-thread")
    assert case_intake_wait(timeout=30)
    assert Case.objects.get().customer_id == "c-thread"


def test_an_employee_s_answer_never_opens_a_case(company, django_capture_on_commit_callbacks):
    # eNPS is anonymous (seen only in groups): a case would show one employee's answer.
    from cxray.web.surveys.services import survey_create, survey_publish

    enps = survey_publish(
        survey=survey_create(
            workspace=company["ws"],
            name="Pulse",
            type="enps",
            purpose="Know how the team feels",
            owner_user=company["survey"].owner_user,
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        response_submit(survey=enps, score=0, comment="Ужасно, всё плохо")
    assert not Case.objects.exists()
