from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from cxray.demo import PLANTED, generate
from cxray.web.accounts.models import Membership
from cxray.web.analytics_store import analytics
from cxray.web.people.models import Employee
from cxray.web.workspaces.demo import demo_install

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def company():
    return generate(seed=7, n_patients=3_000, end=date.today())


def test_demo_installs_serves_and_reinstalls_cleanly(client, company):
    logins = demo_install(company=company)
    assert [login.role for login in logins] == ["admin", "unit_manager", "frontline", "viewer"]
    assert client.login(username="demo", password=logins[0].password)
    page = client.get(reverse("home", args=["demo"]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "3,000" in page.content.decode() or "3 000" in page.content.decode()

    # The planted doctor is there, with her leave date, and mirrored into the analytics store.
    doctor = Employee.objects.get(
        workspace__slug="demo", code=PLANTED["attachment_to_person"]["employee_id"]
    )
    assert doctor.left is not None
    with analytics() as store:
        assert store.count("customers", "demo") == 3_000
        assert (
            store.count("employees", "demo")
            == Employee.objects.filter(workspace__slug="demo").count()
        )

    again = demo_install(company=company)
    assert again[0].password != logins[0].password
    assert Membership.objects.filter(workspace__slug="demo").count() == 4
    with analytics() as store:
        assert store.count("customers", "demo") == 3_000


def test_unit_manager_of_the_demo_sees_less_than_the_admin(client, company):
    logins = {login.role: login for login in demo_install(company=company)}
    api = "/api/v1/reports/nps"
    from cxray.web.accounts.services import api_token_create
    from cxray.web.workspaces.models import Workspace

    ws = Workspace.objects.get(slug="demo")
    figures = {}
    for role in ("admin", "unit_manager"):
        user = Membership.objects.get(workspace=ws, role=role).user
        key = api_token_create(workspace=ws, user=user, name=role)[1]
        figures[role] = client.get(api, HTTP_AUTHORIZATION=f"Bearer {key}").json()[0]["n"]
    assert 0 < figures["unit_manager"] < figures["admin"]
    assert logins["unit_manager"].username == "demo-manager"


def test_churn_money_and_drivers_pages_on_the_demo(client, company):
    from cxray.web.accounts.scope import Scope
    from cxray.web.dashboards import behaviour
    from cxray.web.workspaces.models import Workspace

    logins = demo_install(company=company)
    assert client.login(username="demo", password=logins[0].password)
    for name in ("churn", "drivers"):
        page = client.get(reverse(name, args=["demo"]), HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200, name
        assert "<svg" in page.content.decode(), name
    churn_page = client.get(reverse("churn", args=["demo"]), HTTP_ACCEPT_LANGUAGE="en")
    html = churn_page.content.decode()
    # The churn model names the bad touchpoint, and the lifetime value has its histogram.
    assert "What makes customers leave sooner?" in html
    assert "How lifetime value is spread over customers" in html
    assert html.count('<svg class="chart"') >= 2
    ws = Workspace.objects.get(slug="demo")
    report = behaviour.churn(workspace=ws, scope=Scope(), as_of=company.end)
    corporate = PLANTED["high_nps_before_churn"]["segment"]
    shares = {group: s.value for group, s in report.loyal_looking.items() if s.n}
    # The planted segment: promoters right before leaving, more than anywhere else.
    assert max(shares, key=shares.get) == corporate


def test_behaviour_reports_through_the_api(client, company):
    from cxray.web.accounts.services import api_token_create
    from cxray.web.workspaces.models import Workspace

    demo_install(company=company)
    ws = Workspace.objects.get(slug="demo")
    admin = Membership.objects.get(workspace=ws, role="admin").user
    key = api_token_create(workspace=ws, user=admin, name="t")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    churn = client.get("/api/v1/reports/churn", **auth).json()
    assert set(churn["survival"]) == set(company.customers.column("segment").unique().to_pylist())
    clv = client.get("/api/v1/reports/clv?months=6", **auth).json()
    assert clv["months"] == 6 and all(row["mean_clv"] >= 0 for row in clv["by_segment"])
    money = client.get("/api/v1/reports/money", **auth).json()
    assert [row["group"] for row in money["by_loyalty"]] == ["promoter", "passive", "detractor"]
    drivers = client.get("/api/v1/reports/drivers?outcome=churned", **auth).json()
    shares = [w["share"] for w in drivers["weights"]]
    assert sum(shares) == pytest.approx(100.0, abs=0.5)
    assert client.get("/api/v1/reports/drivers?outcome=x", **auth).status_code == 400


def test_text_page_after_the_fill(client, company):
    from cxray.web.dashboards.text_analysis import text_fill_now

    logins = demo_install(company=company)
    assert client.login(username="demo", password=logins[0].password)
    url = reverse("text", args=["demo"])
    before = client.get(url, {"period": "all"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "comments are not analysed yet" in before
    stored = text_fill_now(workspace_slug="demo")
    assert stored > 1000
    assert text_fill_now(workspace_slug="demo") == 0  # a re-run analyses nothing twice
    page = client.get(url, {"period": "all"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Waiting time" in page or "waiting" in page.lower()
    assert "not analysed yet" not in page
    uk = client.get(url, {"period": "all", "language": "uk"}, HTTP_ACCEPT_LANGUAGE="uk")
    assert uk.status_code == 200
    drivers = client.get(
        reverse("drivers", args=["demo"]), {"outcome": "themes"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Waiting time" in drivers and "<svg" in drivers
