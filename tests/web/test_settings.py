from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cxray.web.accounts.models import ApiToken, Membership
from cxray.web.people.models import Unit

pytestmark = pytest.mark.django_db


def test_admin_adds_a_unit_manager_who_then_logs_in(client, two_companies):
    a, _ = two_companies
    client.force_login(a["admin"])
    url = reverse("settings", args=["alpha"])
    response = client.post(
        url,
        {
            "action": "member",
            "username": "olena",
            "email": "",
            "role": "unit_manager",
            "unit": a["branch"].pk,
        },
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    password = re.search(r"olena created with password ([\w-]+)", response.content.decode())
    membership = Membership.objects.get(user__username="olena")
    assert (membership.role, membership.unit) == ("unit_manager", a["branch"])
    assert password is not None
    client.logout()
    assert client.login(username="olena", password=password.group(1))


def test_unit_manager_role_needs_a_unit(client, two_companies):
    a, _ = two_companies
    client.force_login(a["admin"])
    response = client.post(
        reverse("settings", args=["alpha"]),
        {"action": "member", "username": "ivan", "role": "unit_manager"},
    )
    assert "unit manager needs the unit" in response.content.decode()
    assert not get_user_model().objects.filter(username="ivan").exists()


def test_add_unit_respects_the_hierarchy(client, two_companies):
    a, _ = two_companies
    client.force_login(a["admin"])
    url = reverse("settings", args=["alpha"])
    client.post(
        url,
        {
            "action": "unit",
            "code": "north",
            "name": "North",
            "kind": "region",
            "parent": Unit.objects.get(workspace=a["ws"], code="company").pk,
        },
    )
    assert Unit.objects.get(workspace=a["ws"], code="north").parent.code == "company"
    bad = client.post(
        url,
        {"action": "unit", "code": "x", "name": "X", "kind": "region", "parent": a["branch"].pk},
    )
    assert "cannot sit under a branch" in bad.content.decode()


def test_token_is_shown_once_and_can_be_revoked(client, two_companies):
    a, _ = two_companies
    client.force_login(a["admin"])
    url = reverse("settings", args=["alpha"])
    page = client.post(url, {"action": "token", "name": "crm"}, follow=True).content.decode()
    key = re.search(r"(cx_[\w-]{20,})", page).group(1)
    assert client.get("/api/v1/workspace", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    token = ApiToken.objects.get(workspace=a["ws"], name="crm")
    client.post(reverse("token_revoke", args=["alpha", token.pk]))
    assert client.get("/api/v1/workspace", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_settings_are_for_admins_only_and_never_cross_workspaces(client, two_companies):
    a, b = two_companies
    viewer = get_user_model().objects.create_user(username="v")
    Membership.objects.create(user=viewer, workspace=a["ws"], role="viewer")
    client.force_login(viewer)
    assert client.get(reverse("settings", args=["alpha"])).status_code == 403
    client.force_login(a["admin"])
    token_b = ApiToken.objects.get(workspace=b["ws"])
    assert client.post(reverse("token_revoke", args=["alpha", token_b.pk])).status_code == 404
    member_b = Membership.objects.get(workspace=b["ws"])
    assert client.post(reverse("member_remove", args=["alpha", member_b.pk])).status_code == 404
