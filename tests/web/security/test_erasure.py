"""Personal-data erasure: after it, nothing about the customer remains in either store, the
figures equal those of the remaining rows, and the audit log keeps no personal data."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from cxray.analytics.scores import nps
from cxray.web.accounts.models import Role
from cxray.web.accounts.services import api_token_create, membership_set
from cxray.web.analytics_store import analytics
from cxray.web.audit.models import AuditEvent
from cxray.web.audit.services import pseudonym
from cxray.web.privacy.services import customer_erase, customer_rows, customer_search
from cxray.web.surveys.models import Contact, Invitation, Survey, SurveyResponse
from cxray.web.surveys.services import responses_sync

from ..conftest import facts

pytestmark = pytest.mark.django_db
EMAIL = "olena.k@example.com"
PHONE = "+380 (67) 123-45-67"


@pytest.fixture
def company(two_companies):
    """alpha: c0…c5 promoters, c6 and c7 detractors (make_company); c0 gets contacts, money,
    visits, an analysed comment and a survey answer through an email invitation."""
    a = two_companies[0]
    ws = a["ws"]
    at = datetime(2026, 3, 2, 10, 0)
    with analytics() as store:
        store.write(
            "customers",
            facts(
                "customers",
                [
                    {
                        "workspace": "alpha",
                        "customer_id": "c0",
                        "name": "Olena Koval",
                        "email": EMAIL,
                        "phone": PHONE,
                        "segment": "B",
                        "churned": False,
                    }
                ],
            ),
        )
        store.write(
            "transactions",
            facts(
                "transactions",
                [
                    {
                        "workspace": "alpha",
                        "row_key": f"t{i}",
                        "customer_id": cid,
                        "at": at,
                        "amount": amount,
                    }
                    for i, (cid, amount) in enumerate([("c0", 100.0), ("c0", 50.0), ("c1", 70.0)])
                ],
            ),
        )
        store.write(
            "interactions",
            facts(
                "interactions",
                [{"workspace": "alpha", "row_key": "i0", "customer_id": "c0", "at": at}],
            ),
        )
        store.write(
            "response_texts",
            facts(
                "response_texts",
                [
                    {
                        "workspace": "alpha",
                        "row_key": "r0:comment",
                        "response_key": "r0",
                        "field": "comment",
                        "masked": "доктор Іваненко був уважний",
                    },
                    {
                        "workspace": "alpha",
                        "row_key": "r1:comment",
                        "response_key": "r1",
                        "field": "comment",
                        "masked": "все добре",
                    },
                ],
            ),
        )
    survey = Survey.objects.create(
        workspace=ws, name="After visit", purpose="staffing", owner_user=a["admin"]
    )
    contact = Contact.objects.create(workspace=ws, email=EMAIL, name="Olena Koval")
    invitation = Invitation.objects.create(
        workspace=ws, survey=survey, contact=contact, status="answered"
    )
    SurveyResponse.objects.create(
        workspace=ws,
        survey=survey,
        invitation=invitation,
        score=3,
        comment="my phone " + PHONE,
        language="uk",
        channel="email",
    )
    responses_sync(workspace=ws)
    return a


def _everything_in_analytics(slug: str) -> str:
    """Every stored value of the workspace as one text, to search for leftovers."""
    from cxray.analytics.schema import TABLES

    with analytics() as store:
        return repr([store.to_arrow(name, slug).to_pylist() for name in TABLES])


def test_search_finds_the_customer_by_id_email_phone_and_name(company):
    for query in ["c0", EMAIL.upper(), "067 123 45 67", "olena"]:
        found = customer_search(workspace=company["ws"], query=query)
        assert [m.customer_id for m in found if m.customer_id] == ["c0"], query
    rows = customer_search(workspace=company["ws"], query="c0")[0].rows
    assert rows == {
        "contacts": 1,
        "invitations": 1,
        "app:surveys.surveyresponse": 1,
        "customers": 1,
        "transactions": 2,
        "interactions": 1,
        "responses": 1,  # r0 from make_company; the invited answer has no customer id
        "response_texts": 1,
    }


def test_erasure_removes_the_customer_from_both_stores_and_keeps_figures_consistent(company):
    ws = company["ws"]
    with analytics() as store:
        before = nps(store.table("responses", "alpha"), min_n=1)
    # 6 promoters, 2 detractors, and the invited answer (3, a detractor): n = 9.
    assert (before.n, round(before.value, 3)) == (9, round(100 * (6 - 3) / 9, 3))

    client = Client()
    client.force_login(company["admin"])
    response = client.post(
        reverse("customer_erase", args=["alpha"]), {"customer_id": "c0", "confirm": "c0"}
    )
    assert response.status_code == 302

    assert customer_rows(workspace=ws, customer_id="c0", email=EMAIL) == {}
    assert customer_search(workspace=ws, query=EMAIL) == []
    assert not Contact.objects.filter(workspace=ws).exists()
    assert not SurveyResponse.objects.filter(workspace=ws).exists()
    stored = _everything_in_analytics("alpha")
    for trace in ["'c0'", EMAIL, "Olena", "123-45-67", "Іваненко", "'r0'"]:
        assert trace not in stored, trace
    with analytics() as store:
        after = nps(store.table("responses", "alpha"), min_n=1)
        # c0 (a promoter) and the invited answer are gone: 5 promoters, 2 detractors of 7.
        assert (after.n, round(after.value, 3)) == (7, round(100 * (5 - 2) / 7, 3))
        # The other customer's money and analysed text stay.
        t = store.table("transactions", "alpha")
        assert t.amount.sum().execute() == 70.0
        assert store.count("response_texts", "alpha") == 1
        # Another workspace's customer c0 is untouched.
        assert store.count("responses", "beta") == 6


def test_the_audit_log_records_the_erasure_without_personal_data(company):
    removed = customer_erase(workspace=company["ws"], customer_id="c0", user=company["admin"])
    assert removed["transactions"] == 2 and removed["customers"] == 1
    event = AuditEvent.objects.get(action="customer.erase")
    assert event.object_id == pseudonym("c0") != "c0"
    assert event.actor == "alpha-admin"
    text = repr(list(AuditEvent.objects.values()))
    for trace in ["'c0'", EMAIL, "Olena", "123-45-67"]:
        assert trace not in text


def test_erasing_by_email_removes_the_contact_and_the_customer_with_that_email(company):
    removed = customer_erase(workspace=company["ws"], customer_id=EMAIL.upper())
    assert removed["contacts"] == 1 and removed["invitations"] == 1
    assert removed["app:surveys.surveyresponse"] == 1
    assert removed["customers"] == 1 and removed["transactions"] == 2
    assert customer_rows(workspace=company["ws"], customer_id="c0", email=EMAIL) == {}


def test_an_unknown_customer_erases_nothing_and_is_still_logged(company):
    assert customer_erase(workspace=company["ws"], customer_id="nobody") == {}
    assert AuditEvent.objects.get(action="customer.erase").detail == "nothing found"


def test_api_erasure_needs_an_administrator_token(company):
    from django.contrib.auth import get_user_model

    viewer = get_user_model().objects.create_user(username="viewer", password="x-long-pass-1")
    membership_set(user=viewer, workspace=company["ws"], role=Role.CX_MANAGER)
    _, key = api_token_create(workspace=company["ws"], user=viewer, name="bot")
    client = Client()
    refused = client.delete("/api/v1/customers/c0", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert refused.status_code == 403
    ok = client.delete("/api/v1/customers/c0", HTTP_AUTHORIZATION=f"Bearer {company['token']}")
    assert ok.status_code == 200 and ok.json()["removed"]["customers"] == 1
    left = client.get("/api/v1/customers/c0", HTTP_AUTHORIZATION=f"Bearer {company['token']}")
    assert left.json() == {}


def test_non_admin_cannot_open_the_erasure_page(company):
    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.create_user(username="m", password="x-long-pass-1")
    membership_set(user=manager, workspace=company["ws"], role=Role.CX_MANAGER)
    client = Client()
    client.force_login(manager)
    assert client.get(reverse("customers", args=["alpha"]), {"q": "c0"}).status_code == 403
    client.force_login(company["admin"])
    page = client.get(reverse("customers", args=["alpha"]), {"q": "c0"})
    assert page.status_code == 200 and EMAIL in page.content.decode()
    assert client.get(reverse("customers", args=["beta"])).status_code == 404
