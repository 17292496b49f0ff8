"""/api/v1/cases: list, get, create, update, notes and contacts, reaction figures; one workspace."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cxray.web.cases.models import Case
from cxray.web.cases.services import case_note, case_open

pytestmark = pytest.mark.django_db


def auth(company) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {company['token']}"}


def test_create_update_note_and_contact(client, company):
    h = auth(company)
    made = client.post(
        "/api/v1/cases",
        {"title": "Card declined twice", "touchpoint": company["tp"].code, "customer_id": "c-5"},
        content_type="application/json",
        **h,
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["owner_unit"], body["owner"], body["status"]) == ("alpha-dep", "dept-mgr", "new")
    pk = body["id"]
    noted = client.post(
        f"/api/v1/cases/{pk}/notes",
        {"text": "Checked the terminal"},
        content_type="application/json",
        **h,
    )
    assert noted.status_code == 201 and noted.json()["status"] == "in_progress"
    assert noted.json()["first_reaction_at"] is not None
    contact = client.post(
        f"/api/v1/cases/{pk}/contacts",
        {"channel": "phone", "text": "Called"},
        content_type="application/json",
        **h,
    )
    assert [e["kind"] for e in contact.json()["events"]] == ["opened", "note", "contact"]
    bad = client.post(
        f"/api/v1/cases/{pk}/contacts",
        {"channel": "fax", "text": "x"},
        content_type="application/json",
        **h,
    )
    assert bad.status_code == 400 and "fax" in bad.json()["detail"]
    done = client.patch(
        f"/api/v1/cases/{pk}",
        {"status": "closed", "resolution": "Refunded"},
        content_type="application/json",
        **h,
    )
    assert (done.json()["status"], done.json()["resolution"]) == ("closed", "Refunded")
    moved = client.patch(
        f"/api/v1/cases/{pk}", {"owner_unit": "alpha-br2"}, content_type="application/json", **h
    )
    assert moved.json()["owner_unit"] == "alpha-br2"
    assert client.get(f"/api/v1/cases/{pk}", **h).json()["title"] == "Card declined twice"
    listed = client.get("/api/v1/cases", {"status": "closed"}, **h).json()
    assert [c["id"] for c in listed] == [pk]
    assert client.get("/api/v1/cases", {"status": "nonsense"}, **h).status_code == 400


def test_other_workspace_case_is_404_and_reaction_figures(client, company):
    theirs = case_open(workspace=company["b"]["ws"], title="Beta")
    h = auth(company)
    assert client.get(f"/api/v1/cases/{theirs.pk}", **h).status_code == 404
    assert (
        client.post(
            f"/api/v1/cases/{theirs.pk}/notes", {"text": "x"}, content_type="application/json", **h
        ).status_code
        == 404
    )
    t0 = timezone.now() - timedelta(days=3)
    for hours in (1, 3):
        c = case_open(workspace=company["ws"], title=f"r{hours}", unit_code="alpha-dep", now=t0)
        case_note(case=c, by=None, text="x", now=t0 + timedelta(hours=hours))
    data = client.get("/api/v1/cases/reaction", **h).json()
    assert data["times"]["first_reaction"] == {"median_h": 2.0, "p90_h": pytest.approx(2.8), "n": 2}
    assert data["times"]["within_deadline"]["value"] == 100.0
    assert Case.objects.filter(workspace=company["ws"]).count() == 2
