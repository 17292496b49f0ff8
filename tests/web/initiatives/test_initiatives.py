"""Initiatives: the service others call, the pages (prefill, create, plan, measured effect),
the API and role limits."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cxray.errors import InvalidInputError
from cxray.web.accounts.models import Role
from cxray.web.accounts.services import membership_set
from cxray.web.analytics_store import analytics
from cxray.web.initiatives.models import Initiative
from cxray.web.initiatives.services import (
    action_item_add,
    action_item_set_done,
    initiative_create,
    initiative_update,
)
from cxray.web.people.services import unit_create

from ..conftest import facts, make_company

pytestmark = pytest.mark.django_db


@pytest.fixture
def co():
    return make_company("alpha", n_promoters=6, n_detractors=2)


def test_create_links_touchpoints_units_and_money(co):
    i = initiative_create(
        workspace=co["ws"],
        title="  Call back within a day ",
        owner=co["admin"],
        owner_unit=co["dept"],
        due=date(2026, 6, 30),
        touchpoint_codes=["alpha-tp"],
        themes=["T3", "queues", "T3"],
        journey_steps=["visit:2"],
        expected_effect=Decimal("120000.5"),
        source="case group 4",
        treated_units=["alpha-br"],
        started=date(2026, 1, 1),
    )
    i.refresh_from_db()
    assert i.title == "Call back within a day"
    assert [t.code for t in i.touchpoints.all()] == ["alpha-tp"]
    assert i.themes == ["T3", "queues"]
    assert i.journey_steps == ["visit:2"]
    assert i.expected_effect == Decimal("120000.50")
    assert [u.code for u in i.treated_units.all()] == ["alpha-br"]
    assert i.status == "proposed"


def test_create_rejects_references_outside_the_workspace(co, two_companies=None):
    other = make_company("beta", n_promoters=1, n_detractors=1)
    with pytest.raises(InvalidInputError, match="Unknown touchpoint code"):
        initiative_create(workspace=co["ws"], title="x", touchpoint_codes=["beta-tp"])
    with pytest.raises(InvalidInputError, match="not a member"):
        initiative_create(workspace=co["ws"], title="x", owner=other["admin"])
    with pytest.raises(InvalidInputError, match="not in this workspace"):
        initiative_create(workspace=co["ws"], title="x", owner_unit=other["dept"])
    with pytest.raises(InvalidInputError, match="not a number"):
        initiative_create(workspace=co["ws"], title="x", expected_effect="lots")
    with pytest.raises(InvalidInputError, match="needs a title"):
        initiative_create(workspace=co["ws"], title="  ")
    assert not Initiative.objects.exists()  # nothing half-written


def test_update_and_action_plan(co):
    i = initiative_create(workspace=co["ws"], title="A")
    initiative_update(initiative=i, status="in_progress", touchpoint_codes=["alpha-tp"])
    item = action_item_add(initiative=i, task="Script for callbacks", employee=co["alice"])
    action_item_set_done(item=item, done=True)
    item.refresh_from_db()
    assert item.done and item.done_at is not None
    assert Initiative.objects.get().status == "in_progress"
    with pytest.raises(InvalidInputError, match="status must be one of"):
        initiative_update(initiative=i, status="finished")


def test_create_page_is_prefilled_from_a_link(client, co):
    client.force_login(co["admin"])
    url = reverse("initiative_create", args=["alpha"])
    html = client.get(
        url,
        {
            "title": "Fewer queues",
            "touchpoint": ["alpha-tp", "nope"],
            "theme": "T2",
            "step": "visit:1",
            "source": "audit gap",
        },
    ).content.decode()
    assert 'value="Fewer queues"' in html
    assert 'value="alpha-tp" selected' in html
    assert 'value="T2"' in html and 'value="visit:1"' in html and 'value="audit gap"' in html


def test_create_detail_and_plan_through_the_pages(client, co):
    client.force_login(co["admin"])
    r = client.post(
        reverse("initiative_create", args=["alpha"]),
        {
            "title": "Fewer queues",
            "status": "in_progress",
            "outcome": "nps",
            "touchpoints": ["alpha-tp"],
            "treated_units": ["alpha-dep"],
            "started": "2020-01-01",
            "expected_effect": "50000",
        },
    )
    i = Initiative.objects.get()
    assert r.status_code == 302 and r.url == reverse("initiative_detail", args=["alpha", i.pk])
    r = client.post(
        reverse("initiative_items", args=["alpha", i.pk]),
        {"action": "add", "task": "Second cashier at peak hours"},
    )
    assert r.status_code == 302
    item = i.items.get()
    client.post(
        reverse("initiative_items", args=["alpha", i.pk]), {"action": "done", "item": item.pk}
    )
    item.refresh_from_db()
    assert item.done
    html = client.get(reverse("initiative_detail", args=["alpha", i.pk])).content.decode()
    assert "Second cashier at peak hours" in html
    # The fixture has one treated and one control unit: too few to measure, and said so.
    assert "at least 2 treated and 2 control units" in html
    listing = client.get(reverse("initiatives", args=["alpha"])).content.decode()
    assert "Fewer queues" in listing and "1 / 1" in listing


def _measured_company():
    """Two treated and two control branches; NPS rises by 100 points at the treated ones."""
    c = make_company("gamma", n_promoters=0, n_detractors=0)
    ws = c["ws"]
    t2 = unit_create(workspace=ws, code="gamma-t2", name="T2", kind="branch")
    c3 = unit_create(workspace=ws, code="gamma-c3", name="C3", kind="branch")
    before, after = datetime(2025, 12, 10), datetime(2026, 2, 10)
    plan = {"gamma-dep": (2, 10), "gamma-t2": (2, 10), "gamma-br2": (2, 2), "gamma-c3": (10, 10)}
    rows = []
    for unit, (b, a) in plan.items():
        for k, (at, s) in enumerate([(before, b), (before, b), (after, a), (after, a)]):
            rows.append(
                {
                    "workspace": "gamma",
                    "row_key": f"{unit}{k}",
                    "customer_id": f"{unit}{k}",
                    "metric": "nps",
                    "score": float(s),
                    "at": at,
                    "unit_id": unit,
                }
            )
    with analytics() as store:
        store.write("responses", facts("responses", rows))
    return c, t2, c3


def test_detail_shows_the_measured_effect(client):
    c, t2, _c3 = _measured_company()
    i = initiative_create(
        workspace=c["ws"],
        title="Greeting",
        treated_units=[c["branch"], t2],
        started=date(2026, 1, 1),
    )
    client.force_login(c["admin"])
    from unittest import mock

    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 3, 1)):
        html = client.get(
            reverse("initiative_detail", args=["gamma", i.pk]), {"lang": "en"}
        ).content.decode()
        # Treated: -100 -> +100 (+200); control: -100 -> -100 and 100 -> 100 (0): effect 200.
        assert "<strong>200.0</strong>" in html
        data = client.get(
            f"/api/v1/initiatives/{i.pk}", HTTP_AUTHORIZATION=f"Bearer {c['token']}"
        ).json()
    assert data["measured"]["did"]["effect"] == pytest.approx(200.0)
    assert data["measured"]["months"] == 2


def test_api_create_list_patch_and_items(client, co):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {co['token']}"}
    r = client.post(
        "/api/v1/initiatives",
        {
            "title": "Faster refunds",
            "touchpoints": ["alpha-tp"],
            "owner": "alpha-admin",
            "expected_effect": "9000",
        },
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["expected_effect"] == 9000.0
    r = client.post(
        "/api/v1/initiatives",
        {"title": "x", "touchpoints": ["zzz"]},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 400 and "zzz" in r.json()["detail"]
    r = client.patch(
        f"/api/v1/initiatives/{pk}", {"status": "done"}, content_type="application/json", **auth
    )
    assert r.json()["status"] == "done" and r.json()["touchpoints"] == ["alpha-tp"]
    r = client.post(
        f"/api/v1/initiatives/{pk}/items",
        {"task": "New refund form", "employee": "alpha-e1"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 201 and r.json()["items"][0]["employee"] == "alpha-e1"
    listed = client.get("/api/v1/initiatives", **auth).json()
    assert [x["title"] for x in listed] == ["Faster refunds"]


def test_roles(client, co):
    User = get_user_model()
    viewer = User.objects.create_user(username="v", password="pw-12345-xyz")
    membership_set(user=viewer, workspace=co["ws"], role=Role.VIEWER)
    front = User.objects.create_user(username="f", password="pw-12345-xyz")
    membership_set(user=front, workspace=co["ws"], role=Role.FRONTLINE, employee=co["alice"])
    client.force_login(viewer)
    assert client.get(reverse("initiatives", args=["alpha"])).status_code == 200
    assert client.get(reverse("initiative_create", args=["alpha"])).status_code == 403
    client.force_login(front)
    assert client.get(reverse("initiatives", args=["alpha"])).status_code == 403
