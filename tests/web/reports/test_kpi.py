"""KPI transparency: figures computed from answers (hand-counted here), the comments, cases
and planned actions behind them, and who may see whose."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from cxray.analytics.kpi import subject_kpis
from cxray.web.accounts.models import Membership, Role
from cxray.web.accounts.scope import unit_subtree_codes
from cxray.web.accounts.services import membership_set
from cxray.web.analytics_store import analytics
from cxray.web.initiatives.services import action_item_add, initiative_create

from ..conftest import facts, make_company

pytestmark = pytest.mark.django_db
PRAISE = "Alice explained everything clearly"
PAIN = "Waited forty minutes at the desk"
BOB = "The desk on the second floor was closed"


def _answers(today, days_ago: int, employee: str, unit: str, scores: list[float], comments=None):
    at = datetime.combine(today - timedelta(days=days_ago), datetime.min.time())
    return [
        {
            "workspace": "kp",
            "row_key": f"{employee}-{days_ago}-{i}",
            "customer_id": f"{employee}-{days_ago}-{i}",
            "metric": "nps",
            "score": s,
            "at": at,
            "unit_id": unit,
            "employee_id": employee,
            "comment": (comments or {}).get(i),
        }
        for i, s in enumerate(scores)
    ]


@pytest.fixture
def kp():
    c = make_company("kp", n_promoters=0, n_detractors=0)
    today = timezone.localdate()
    # Alice, last 90 days: 20 promoters, 10 passives, 10 detractors -> NPS 25, n 40.
    now = [10.0] * 20 + [8.0] * 10 + [2.0] * 10
    # The 90 days before: 10 promoters, 20 detractors -> NPS -33.3, n 30.
    before = [10.0] * 10 + [2.0] * 20
    rows = _answers(today, 10, "kp-e1", "kp-dep", now, {0: PRAISE, 35: PAIN})
    rows += _answers(today, 120, "kp-e1", "kp-dep", before)
    rows += _answers(today, 5, "kp-e2", "kp-br2", [2.0] * 5, {0: BOB})
    with analytics() as store:
        store.write("responses", facts("responses", rows))
    initiative = initiative_create(
        workspace=c["ws"], title="Queue screen", treated_units=["kp-dep"]
    )
    action_item_add(
        initiative=initiative, task="Show waiting time on a screen", employee=c["alice"]
    )
    return {**c, "today": today}


def test_figures_are_computed_from_the_answers(kp):
    with analytics() as store:
        alice = subject_kpis(store, "kp", as_of=kp["today"], employee="kp-e1")
        branch = subject_kpis(
            store, "kp", as_of=kp["today"], units=unit_subtree_codes(kp["branch"])
        )
    (k,) = alice.kpis
    assert k.current.value == pytest.approx(25.0) and k.current.n == 40
    assert k.previous.value == pytest.approx(100 * (10 - 20) / 30) and k.previous.n == 30
    assert k.change.difference == pytest.approx(25.0 + 100 / 3)
    assert [f.text for f in alice.helped] == [PRAISE]
    assert [f.text for f in alice.to_prevent] == [PAIN]
    # The branch includes the department below it, so Alice's answers count there too.
    assert branch.kpis[0].current.n == 40


def test_page_shows_figures_feedback_and_actions(client, kp):
    from cxray.web.cases.services import case_open

    case_open(workspace=kp["ws"], title="Call back about the wait", employee_code="kp-e1")
    client.force_login(kp["admin"])
    html = client.get(reverse("kpi", args=["kp"]), {"employee": "kp-e1", "lang": "en"}).content
    html = html.decode()
    assert ">25<" in html.replace(" ", "")
    assert PRAISE in html and PAIN in html
    assert "Show waiting time on a screen" in html
    assert "Call back about the wait" in html
    assert "nobody enters or edits them" in html
    assert BOB not in html


def test_frontline_sees_only_themselves(client, kp):
    User = get_user_model()
    bob = User.objects.create_user(username="bob", password="pw-12345-xyz")
    membership_set(user=bob, workspace=kp["ws"], role=Role.FRONTLINE, employee=kp["bob"])
    client.force_login(bob)
    html = client.get(reverse("kpi", args=["kp"]), {"employee": "kp-e1", "lang": "en"}).content
    html = html.decode()
    assert BOB in html and PAIN not in html and PRAISE not in html
    assert "Too few answers for a figure" in html  # 5 answers: no NPS shown
    assert 'name="employee"' not in html  # no picker


def test_frontline_not_linked_sees_a_way_forward(client, kp):
    User = get_user_model()
    new = User.objects.create_user(username="new", password="pw-12345-xyz")
    # As after the employee record was deleted (the link is set to null).
    Membership.objects.create(user=new, workspace=kp["ws"], role=Role.FRONTLINE)
    client.force_login(new)
    html = client.get(reverse("kpi", args=["kp"]), {"lang": "en"}).content.decode()
    assert "not linked to an employee yet" in html and BOB not in html


def test_unit_manager_sees_only_their_subtree(client, kp):
    User = get_user_model()
    boss = User.objects.create_user(username="boss", password="pw-12345-xyz")
    membership_set(user=boss, workspace=kp["ws"], role=Role.UNIT_MANAGER, unit=kp["other"])
    client.force_login(boss)
    html = client.get(reverse("kpi", args=["kp"]), {"employee": "kp-e1", "lang": "en"}).content
    html = html.decode()
    assert PAIN not in html and BOB in html  # fell back to their own unit
    assert "Alice" not in html


def test_api(client, kp):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {kp['token']}"}
    data = client.get("/api/v1/kpi", {"employee": "kp-e1"}, **auth).json()
    assert data["subject"]["code"] == "kp-e1"
    assert data["kpis"][0]["after"]["value"] == pytest.approx(25.0)
    assert data["actions"][0]["task"] == "Show waiting time on a screen"
    assert client.get("/api/v1/kpi", {"employee": "nobody"}, **auth).status_code == 404
