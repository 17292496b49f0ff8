"""Every research page and API read of workspace B is out of reach from workspace A."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxray.web.research.models import Assessment, ChurnInterview
from cxray.web.research.urls import urlpatterns

pytestmark = pytest.mark.django_db


def test_research_pages_of_another_workspace_are_404(client, two_companies):
    a, b = two_companies
    b_objects = {
        "research_interview": ChurnInterview.objects.create(
            workspace=b["ws"], customer_id="c1", held_on="2024-01-01"
        ),
        "research_assessment": Assessment.objects.create(
            workspace=b["ws"], questionnaire="cx_audit"
        ),
    }
    client.force_login(a["admin"])
    for p in urlpatterns:
        kwargs = {"pk": b_objects[p.name].pk} if p.name in b_objects else {}
        for method in (client.get, client.post):
            assert method(reverse(p.name, kwargs={"slug": "beta", **kwargs})).status_code == 404
            own = method(reverse(p.name, kwargs={"slug": "alpha", **kwargs})).status_code
            assert own == (404 if kwargs else own) and own in (200, 302, 404), (p.name, own)
    for path in (
        f"/interviews/{b_objects['research_interview'].pk}",
        f"/assessments/{b_objects['research_assessment'].pk}",
    ):
        got = client.get(f"/api/v1/research{path}", HTTP_AUTHORIZATION=f"Bearer {a['token']}")
        assert got.status_code == 404, path
