"""No figure, comment or export reveals an employee group smaller than the minimum group
size, on any surface, whatever filter narrows the group down."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cxray.web.accounts.models import Role
from cxray.web.accounts.scope import Scope, scope_for
from cxray.web.accounts.services import api_token_create, membership_set
from cxray.web.analytics_store import analytics
from cxray.web.dashboards.selectors import score_report
from cxray.web.people.models import Employee, Unit
from cxray.web.people.services import entities_sync, people_settings_update, unit_create
from cxray.web.workspaces.services import workspace_create

from ..conftest import facts

pytestmark = pytest.mark.django_db

# A closed quarter (the one holding the day 200 days ago ends before today).
CLOSED = datetime.combine(date.today() - timedelta(days=200), datetime.min.time())
# Answers per unit; g-d2 (2) and g-b3 (3) are below the minimum of 5.
ANSWERS = {
    "g-d1": [10, 10, 9, 7, 3],
    "g-d2": [0, 0],
    "g-b": [9, 8, 8, 6],
    "g-b2": [9] * 6,
    "g-b3": [0, 0, 0],
}


@pytest.fixture
def gamma():
    ws = workspace_create(slug="gamma", name="Gamma")
    root = Unit.objects.get(workspace=ws, kind="company")
    b = unit_create(workspace=ws, code="g-b", name="Branch", kind="branch", parent=root)
    units = {"g-b": b}
    for code, parent in (("g-d1", b), ("g-d2", b)):
        units[code] = unit_create(
            workspace=ws, code=code, name=code, kind="department", parent=parent
        )
    for code in ("g-b2", "g-b3"):
        units[code] = unit_create(workspace=ws, code=code, name=code, kind="branch", parent=root)
    rows, n = [], 0
    for code, scores in ANSWERS.items():
        for s in scores:
            emp = Employee.objects.create(
                workspace=ws, code=f"e{n}", name=f"E{n}", unit=units[code]
            )
            rows.append(
                {
                    "workspace": "gamma",
                    "row_key": f"r{n}",
                    "response_id": f"r{n}",
                    "respondent_employee_id": emp.code,
                    "unit_id": code,
                    "at": CLOSED,
                    "metric": "enps",
                    "score": float(s),
                    "scale_max": 10,
                    "comment": f"secret of {code}",
                    "language": "uk",
                    "channel": "web",
                }
            )
            n += 1
    # An answer of the quarter still running: not shown until the quarter ends.
    rows.append(
        {
            "workspace": "gamma",
            "row_key": "open",
            "response_id": "open",
            "respondent_employee_id": "e0",
            "unit_id": "g-d1",
            "metric": "enps",
            "at": datetime.now().replace(microsecond=0),
            "score": 0.0,
            "scale_max": 10,
        }
    )
    with analytics() as store:
        store.write("responses", facts("responses", rows))
    entities_sync(workspace=ws)
    User = get_user_model()
    admin = User.objects.create_user(username="g-admin")
    membership_set(user=admin, workspace=ws, role=Role.ADMIN)
    return {"ws": ws, "admin": admin, "units": units}


def member(g: dict, role: str, **kw):
    User = get_user_model()
    user = User.objects.create_user(username=f"g-{role}-{User.objects.count()}")
    membership = membership_set(user=user, workspace=g["ws"], role=role, **kw)
    return user, membership


def by_unit(g: dict, scope: Scope, by: str = "unit") -> dict:
    result = score_report(workspace=g["ws"], scope=scope, metric="enps", by=by)
    return {k: s.n for k, s in result.items()}


def test_scores_by_unit_show_cells_of_five_or_more_only(gamma) -> None:
    # g-d2's two answers are pooled into the branch g-b (4 of its own: 6); g-b3's three go
    # up to the company, stay three, and are left out. The open quarter is not counted.
    assert by_unit(gamma, Scope()) == {"g-b": 6, "g-b2": 6, "g-d1": 5}
    total = score_report(workspace=gamma["ws"], scope=Scope(), metric="enps")[None]
    assert total.n == 17
    # Promoters: 10, 10, 9 (d1) + 9 (b) + six 9s (b2) = 10; detractors: 3, 0, 0, 6 = 4.
    assert total.value == pytest.approx(100 * (10 - 4) / 17)


def test_narrowing_by_unit_scope_never_isolates_a_small_department(gamma) -> None:
    _, branch_manager = member(gamma, Role.UNIT_MANAGER, unit=gamma["units"]["g-b"])
    seen = by_unit(gamma, scope_for(branch_manager))
    assert seen == {"g-b": 6, "g-d1": 5}
    # The branch total minus its department d1 is the pooled cell of 6, never d2's 2.
    total = score_report(workspace=gamma["ws"], scope=scope_for(branch_manager), metric="enps")
    assert total[None].n - seen["g-d1"] == 6
    _, small_manager = member(gamma, Role.UNIT_MANAGER, unit=gamma["units"]["g-d2"])
    assert (
        score_report(workspace=gamma["ws"], scope=scope_for(small_manager), metric="enps")[None].n
        == 0
    )


def test_other_breakdowns_cannot_split_a_cell(gamma) -> None:
    # Language and channel are removed from employees' answers; time is the quarter.
    assert by_unit(gamma, Scope(), by="language") == {None: 17}
    assert by_unit(gamma, Scope(), by="employee") == {None: 17}
    months = by_unit(gamma, Scope(), by="month")
    assert list(months.values()) == [17] and next(iter(months)).month in (1, 4, 7, 10)


def test_minimum_group_is_a_workspace_setting(gamma) -> None:
    people_settings_update(workspace=gamma["ws"], min_group_size=6)
    # d1 (5) now joins the branch: 4 + 2 + 5 = 11; b2 keeps its 6.
    assert by_unit(gamma, Scope()) == {"g-b": 11, "g-b2": 6}


def test_api_scores_and_people_endpoint_are_protected(client, gamma) -> None:
    key = api_token_create(workspace=gamma["ws"], user=gamma["admin"], name="t")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    rows = client.get("/api/v1/reports/enps", {"by": "unit"}, **auth).json()
    assert {r["group"]: r["n"] for r in rows} == {"g-b": 6, "g-b2": 6, "g-d1": 5}
    people = client.get("/api/v1/people/employees", **auth).json()
    assert people["enps"]["n"] == 17 and people["answers_hidden_small_groups"] == 3
    assert people["answers_in_open_wave"] == 1
    assert {r["unit_id"]: (r["n"], r["pooled"]) for r in people["by_unit"]} == {
        "g-b": (6, True),
        "g-b2": (6, False),
        "g-d1": (5, False),
    }
    comments = [c for texts in people["comments"].values() for c in texts]
    assert "secret of g-b3" not in comments and "secret of g-d1" in comments


def test_scores_page_csv_and_workspace_export_are_protected(client, gamma) -> None:
    client.force_login(gamma["admin"])
    csv_page = client.get(
        reverse("scores", args=["gamma"]),
        {"metric": "enps", "by": "unit", "period": "all", "format": "csv"},
    )
    rows = list(csv.DictReader(io.StringIO(csv_page.content.decode("utf-8-sig"))))
    assert {r["unit"]: int(r["n"]) for r in rows} == {"g-b": 6, "g-b2": 6, "g-d1": 5}
    exported = client.get(reverse("export", args=["gamma"]))
    with zipfile.ZipFile(io.BytesIO(b"".join(exported.streaming_content))) as zf:
        text = zf.read("responses.csv").decode("utf-8-sig")
    answers = list(csv.DictReader(io.StringIO(text)))
    assert len(answers) == 17
    assert all(r["respondent_employee_id"] == "" and r["language"] == "" for r in answers)
    assert "secret of g-b3" not in text and "secret of g-d2" in text  # pooled, not alone
    assert {r["unit_id"] for r in answers} == {"g-b", "g-b2", "g-d1"}


def test_people_page_and_survey_responses_of_an_employee_survey(client, gamma) -> None:
    from cxray.web.surveys.models import Survey

    client.force_login(gamma["admin"])
    page = client.get(reverse("people_employees", args=["gamma"]))
    html = page.content.decode()
    assert page.status_code == 200 and "g-b2" in html and "secret of g-b3" not in html
    survey = Survey.objects.create(workspace=gamma["ws"], name="Pulse", type="enps")
    resp = client.get(reverse("survey_responses", args=["gamma", survey.pk]))
    assert resp.status_code == 302 and resp["Location"].endswith("/people/employees/")
    saved = client.post(reverse("people_employees", args=["gamma"]), {"min_group_size": "1"})
    assert saved.status_code == 302
    assert by_unit(gamma, Scope()) == {"g-b": 6, "g-b2": 6, "g-d1": 5}  # 1 was refused


def test_frontline_staff_get_no_people_analytics(client, gamma) -> None:
    emp = Employee.objects.get(workspace=gamma["ws"], code="e0")
    user, _ = member(gamma, Role.FRONTLINE, employee=emp)
    client.force_login(user)
    assert client.get(reverse("people_employees", args=["gamma"])).status_code == 403
    assert client.get(reverse("people_attachment", args=["gamma"])).status_code == 403
