"""Initiatives, the leadership report and the KPI page of workspace B are out of reach from A."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxray.web.initiatives.services import initiative_create

pytestmark = pytest.mark.django_db

NAMES = (
    "initiatives",
    "initiative_create",
    "initiative_detail",
    "initiative_edit",
    "initiative_items",
    "leadership_report",
    "leadership_report_pdf",
    "kpi",
)


def test_pages_of_another_workspace_are_404(client, two_companies):
    a, b = two_companies
    initiative_b = initiative_create(workspace=b["ws"], title="B's initiative")
    client.force_login(a["admin"])
    for name in NAMES:
        kwargs = (
            {"pk": initiative_b.pk} if "initiative_" in name and name != "initiative_create" else {}
        )
        for method in (client.get, client.post):
            assert method(reverse(name, kwargs={"slug": "beta", **kwargs})).status_code == 404
            own = method(reverse(name, kwargs={"slug": "alpha", **kwargs})).status_code
            expected = (404, 405) if kwargs else (200, 302, 405)
            assert own in expected, (name, method, own)


def test_api_cannot_reach_another_workspace_initiative(client, two_companies):
    a, b = two_companies
    initiative_b = initiative_create(workspace=b["ws"], title="B's initiative")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {a['token']}"}
    assert client.get(f"/api/v1/initiatives/{initiative_b.pk}", **auth).status_code == 404
    assert client.get("/api/v1/initiatives", **auth).json() == []
    r = client.patch(
        f"/api/v1/initiatives/{initiative_b.pk}",
        {"title": "mine"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 404


def test_report_and_kpi_api_show_only_the_token_workspace(client, two_companies):
    a, b = two_companies
    initiative_create(workspace=b["ws"], title="B's initiative")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {a['token']}"}
    for path in ("/api/v1/leadership-report", "/api/v1/kpi", "/api/v1/initiatives"):
        response = client.get(path, **auth)
        assert response.status_code in (200, 422), path
        assert "beta" not in response.content.decode(), path
    assert client.get("/api/v1/kpi", {"unit": b["branch"].code}, **auth).status_code == 404
    assert client.get("/api/v1/kpi", {"employee": b["alice"].code}, **auth).status_code == 404
