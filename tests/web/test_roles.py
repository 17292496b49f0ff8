from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cxray.web.accounts.models import Role
from cxray.web.accounts.services import api_token_create, membership_set

pytestmark = pytest.mark.django_db


def member(company: dict, role: str, **kwargs):
    user = get_user_model().objects.create_user(username=f"{company['ws'].slug}-{role}")
    membership_set(user=user, workspace=company["ws"], role=role, **kwargs)
    return user


def test_viewer_reads_but_cannot_import_or_export(client, two_companies):
    a, _ = two_companies
    client.force_login(member(a, Role.VIEWER))
    assert client.get(reverse("home", args=["alpha"])).status_code == 200
    assert client.get(reverse("imports", args=["alpha"])).status_code == 403
    assert client.get(reverse("export", args=["alpha"])).status_code == 403


def test_unit_manager_sees_own_unit_and_below_only(client, two_companies):
    a, _ = two_companies
    client.force_login(member(a, Role.UNIT_MANAGER, unit=a["branch"]))
    html = client.get(reverse("organisation", args=["alpha"])).content.decode()
    assert "alpha-br" in html and "alpha-dep" in html
    assert "alpha-br2" not in html and "Bob" not in html
    # The home NPS counts only responses of the branch's department: 3 promoters, 1 detractor.
    user = get_user_model().objects.get(username="alpha-unit_manager")
    key = api_token_create(workspace=a["ws"], user=user, name="m")[1]
    nps = client.get("/api/v1/reports/nps", HTTP_AUTHORIZATION=f"Bearer {key}").json()[0]
    assert nps["n"] == 4 and nps["value"] == pytest.approx(50.0)


def test_frontline_sees_own_feedback_only(client, two_companies):
    a, _ = two_companies
    user = member(a, Role.FRONTLINE, employee=a["bob"])
    key = api_token_create(workspace=a["ws"], user=user, name="f")[1]
    nps = client.get("/api/v1/reports/nps", HTTP_AUTHORIZATION=f"Bearer {key}").json()[0]
    # Bob (odd rows) got i = 1, 3, 5 → promoters and i = 7 → detractor.
    assert nps["n"] == 4 and nps["value"] == pytest.approx(50.0)
    employees = client.get("/api/v1/employees", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert [e["code"] for e in employees] == ["alpha-e2"]


def test_unit_manager_without_unit_is_refused():
    from cxray.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="unit manager needs the unit"):
        membership_set(user=None, workspace=None, role=Role.UNIT_MANAGER)  # type: ignore[arg-type]
