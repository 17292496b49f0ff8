"""Case pages: the list with its reaction figures, one case, role scope, root causes, settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cxray.web.cases.models import Case, RoutingRule
from cxray.web.cases.services import case_note, case_open, case_resolve
from cxray.web.notifications.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

CASE_ROUTES = ("cases", "case_create", "cases_mine", "case_groups", "cases_settings", "case_detail")


def test_case_pages_of_another_workspace_are_404(client, company):
    theirs = case_open(workspace=company["b"]["ws"], title="Beta's case")
    client.force_login(company["admin"])
    for name in CASE_ROUTES:
        kwargs = {"pk": theirs.pk} if name == "case_detail" else {}
        for method in (client.get, client.post):
            assert method(reverse(name, kwargs={"slug": "beta", **kwargs})).status_code == 404
            own = method(reverse(name, kwargs={"slug": "alpha", **kwargs}))
            assert own.status_code in ((404, 405) if kwargs else (200, 302, 405)), (name, method)


def test_list_shows_reaction_time_and_share_within_deadline(client, company):
    ws, t0 = company["ws"], timezone.now() - timedelta(days=5)
    # Reactions after 2 h, 4 h and 60 h (late: the deadline is 48 h); one open past due.
    for hours in (2, 4, 60):
        c = case_open(workspace=ws, title=f"r{hours}", unit_code="alpha-dep", now=t0)
        case_note(case=c, by=company["admin"], text="called", now=t0 + timedelta(hours=hours))
    case_open(workspace=ws, title="silent", unit_code="alpha-dep", now=t0)
    client.force_login(company["admin"])
    page = client.get(reverse("cases", args=["alpha"]), {"lang": "en"})
    assert page.status_code == 200
    r = page.context["reaction"]
    assert (r.first_reaction.median_h, r.first_reaction.n) == (4.0, 3)
    # p90 of 2, 4, 60 (linear): 4 + 0.8 * (60 - 4) = 48.8
    assert r.first_reaction.p90_h == pytest.approx(48.8)
    assert (r.within_deadline.top, r.within_deadline.n) == (2, 4)  # 2 in time of 4 due
    html = page.content.decode()
    assert 'data-figure="first-reaction-median">4.0' in html
    assert 'data-figure="within-deadline">50%' in html
    assert page.context["n_overdue"] == 1
    overdue = client.get(reverse("cases", args=["alpha"]), {"overdue": "1"})
    assert [c.title for c in overdue.context["cases"]] == ["silent"]


def test_owner_reacts_on_the_detail_page(client, company):
    case = case_open(workspace=company["ws"], title="Rude", touchpoint_code=company["tp"].code)
    client.force_login(company["dept_mgr"])
    url = reverse("case_detail", args=["alpha", case.pk])
    assert (
        client.post(
            url, {"action": "contact", "channel": "phone", "text": "Apologised"}
        ).status_code
        == 302
    )
    bad = client.post(url, {"action": "note", "text": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and "the note is empty" in bad.content.decode()
    client.post(url, {"action": "resolve", "resolution": "Gift card"})
    case.refresh_from_db()
    assert (case.status, case.resolution) == ("resolved", "Gift card")
    assert case.first_reaction_at is not None
    assert "Apologised" in client.get(url).content.decode()


def test_unit_manager_sees_own_subtree_and_frontline_only_own(client, company):
    ws = company["ws"]
    mine = case_open(
        workspace=ws, title="About Alice", unit_code="alpha-dep", employee_code="alpha-e1"
    )
    other = case_open(
        workspace=ws, title="Other branch", unit_code="alpha-br2", employee_code="alpha-e2"
    )
    client.force_login(company["branch_mgr"])
    seen = {
        c.pk for c in client.get(reverse("cases", args=["alpha"]), {"status": ""}).context["cases"]
    }
    assert seen == {mine.pk}
    assert client.get(reverse("case_detail", args=["alpha", other.pk])).status_code == 404
    client.force_login(company["front"])
    phone = client.get(reverse("cases_mine", args=["alpha"]))
    assert [c.pk for c in phone.context["cases"]] == [mine.pk]
    assert 'name="viewport"' in phone.content.decode()
    assert client.get(reverse("case_detail", args=["alpha", other.pk])).status_code == 404
    assert client.get(reverse("cases_settings", args=["alpha"])).status_code == 403


def test_new_case_is_prefilled_from_the_link(client, company):
    client.force_login(company["admin"])
    url = reverse("case_create", args=["alpha"])
    page = client.get(url, {"touchpoint": company["tp"].code, "step": "7"})
    assert page.context["initial"]["touchpoint"] == company["tp"].code
    assert client.post(url, {"title": ""}).status_code == 400
    done = client.post(url, {"title": "Broken card reader", "touchpoint": company["tp"].code})
    case = Case.objects.get()
    assert done["Location"] == reverse("case_detail", args=["alpha", case.pk])
    assert (case.owner_unit, case.created_by) == (company["dept"], company["admin"])


def test_root_cause_group_becomes_an_initiative(client, company):
    ws, tp = company["ws"], company["tp"].code
    for i in range(3):
        case_open(
            workspace=ws,
            title=f"queue {i}",
            touchpoint_code=tp,
            theme="waiting_time",
            unit_code="alpha-br2",
        )
    late = Case.objects.first()
    case_resolve(case=late, by=None, resolution="ok")
    client.force_login(company["admin"])
    page = client.get(reverse("case_groups", args=["alpha"]))
    groups = {(g.kind, g.key): g for k in page.context["by_kind"].values() for g in k}
    assert groups[("touchpoint", tp)].n == 3 and groups[("touchpoint", tp)].n_open == 2
    assert groups[("theme", "waiting_time")].n == 3
    # The touchpoint is owned by the department, the feedback came through the other branch.
    assert groups[("seam", "alpha-dep>alpha-br2")].owner_unit_code == "alpha-dep"
    made = client.post(reverse("case_groups", args=["alpha"]), {"kind": "touchpoint", "key": tp})
    from cxray.web.initiatives.models import Initiative

    initiative = Initiative.objects.get(workspace=ws)
    assert made["Location"] == reverse("initiative_detail", args=["alpha", initiative.pk])
    assert initiative.source == f"cases:touchpoint:{tp}"
    assert initiative.owner_unit == company["dept"]
    assert "3 cases" in initiative.description


def test_settings_edit_deadline_rules_and_webhooks(client, company):
    client.force_login(company["admin"])
    url = reverse("cases_settings", args=["alpha"])
    client.post(url, {"action": "deadline", "reaction_hours": "24", "open_on_low_score": "on"})
    client.post(url, {"action": "rule_add", "segment": "VIP", "owner_unit": "alpha-br"})
    client.post(url, {"action": "webhook_add", "url": "https://example.com/h", "format": "slack"})
    bad = client.post(url, {"action": "webhook_add", "url": "ftp://x"}, follow=True)
    assert "http://" in bad.content.decode()
    ws = company["ws"]
    assert ws.case_settings.reaction_hours == 24 and not ws.case_settings.open_on_negative_comment
    assert RoutingRule.objects.get(workspace=ws).owner_unit == company["branch"]
    assert WebhookEndpoint.objects.get(workspace=ws).format == "slack"
    page = client.get(url).content.decode()
    assert "https://example.com/h" in page and "VIP" in page


def test_phone_page_shows_my_feedback_and_a_viewer_cannot_act(
    client, company, django_capture_on_commit_callbacks
):
    from django.contrib.auth import get_user_model

    from cxray.web.accounts.models import Role
    from cxray.web.accounts.services import membership_set
    from cxray.web.surveys.services import ResponseContext, response_submit

    with django_capture_on_commit_callbacks(execute=True):
        for emp, text in (("alpha-e1", "Alice was rude"), ("alpha-e2", "Bob was late")):
            response_submit(
                survey=company["survey"],
                score=3,
                comment=text,
                customer_id=emp,
                context=ResponseContext(employee=emp),
            )
    client.force_login(company["front"])
    phone = client.get(reverse("cases_mine", args=["alpha"]), {"lang": "en"}).content.decode()
    assert "Alice was rude" in phone and "Bob was late" not in phone
    viewer = get_user_model().objects.create_user("viewer", password="pw-12345-xyz")
    membership_set(user=viewer, workspace=company["ws"], role=Role.VIEWER)
    client.force_login(viewer)
    case = Case.objects.get(employee_code="alpha-e1")
    refused = client.post(
        reverse("case_detail", args=["alpha", case.pk]), {"action": "note", "text": "x"}
    )
    assert refused.status_code == 403
    case.refresh_from_db()
    assert case.first_reaction_at is None
