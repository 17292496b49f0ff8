"""Imported feedback opens cases on request: the last N days, like a live answer, only once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cxray.errors import InvalidInputError
from cxray.web.cases.models import Case, EventKind, ImportCaseCheck, ImportedFeedback
from cxray.web.cases.services import case_open
from cxray.web.imports.models import ImportRun
from cxray.web.imports.services import import_run
from cxray.web.notifications.models import Delivery

pytestmark = pytest.mark.django_db

HEADER = "at,metric,score,customer_id,touchpoint_id,comment\n"


def when(days_ago: float) -> str:
    """A local wall-clock time ``days_ago`` days before now, as the file writes it."""
    at = timezone.localtime() - timedelta(days=days_ago)
    return at.strftime("%Y-%m-%d %H:%M")


def csv_text(rows: list[tuple[float, str, int, str, str, str]]) -> str:
    lines = [
        f"{when(d)},{metric},{score},{cust},{tp},{comment}"
        for d, metric, score, cust, tp, comment in rows
    ]
    return HEADER + "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str, name: str = "feedback.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def five_rows(tp: str) -> str:
    """2 low and recent, 1 low but 20 days old, 2 high."""
    return csv_text(
        [
            (1, "nps", 2, "k1", tp, "Долго ждали в регистратуре"),
            (2, "nps", 5, "k2", tp, ""),
            (20, "nps", 1, "k3", tp, "Очень грубый администратор"),
            (1, "nps", 10, "k4", tp, "Всё отлично, спасибо"),
            (3, "nps", 9, "k5", tp, ""),
        ]
    )


def test_five_rows_open_two_cases_routed_with_deadline_and_reimport_opens_none(company, tmp_path):
    ws, tp = company["ws"], company["tp"].code
    path = write(tmp_path, five_rows(tp))

    run = import_run(workspace=ws, kind="feedback", path=path, open_cases_days=7)

    assert (run.n_rows, run.stored) == (5, 5)
    # In the window: k1, k2, k4, k5 (k3 is 20 days old); the low ones are k1 and k2.
    assert run.cases == {"days": 7, "checked": 4, "opened": 2, "joined": 0}
    cases = {c.customer_id: c for c in Case.objects.filter(workspace=ws)}
    assert sorted(cases) == ["k1", "k2"]
    k1 = cases["k1"]
    # Routed as a live answer: the touchpoint's owner unit and its manager, 48 h to react.
    assert (k1.owner_unit, k1.owner_user) == (company["dept"], company["dept_mgr"])
    assert k1.due_at - k1.opened_at == timedelta(hours=48)
    assert (k1.reason, k1.metric, k1.score, k1.touchpoint_code) == ("low_score", "nps", 2, tp)
    assert k1.title == "NPS 2 · Долго ждали в регистратуре"
    assert k1.theme == "waiting_time"
    assert Delivery.objects.filter(key=f"case.opened:{k1.pk}:mail:dept@example.com").exists()

    again = import_run(workspace=ws, kind="feedback", path=path, open_cases_days=7)

    assert (again.stored, again.unchanged) == (0, 5)
    assert again.cases == {"days": 7, "checked": 2, "opened": 0, "joined": 0}
    assert Case.objects.filter(workspace=ws).count() == 2
    assert ImportedFeedback.objects.filter(workspace=ws).count() == 2


def test_without_the_option_an_import_opens_no_case(company, tmp_path):
    run = import_run(workspace=company["ws"], kind="feedback", path=write(tmp_path, five_rows("x")))
    assert run.cases is None
    assert not Case.objects.filter(workspace=company["ws"]).exists()
    assert not ImportCaseCheck.objects.exists()


def test_joins_open_cases_skips_employees_and_a_wider_window_adds_only_the_older(company, tmp_path):
    ws, tp = company["ws"], company["tp"].code
    live = case_open(workspace=ws, title="Rude on the phone", customer_id="k1", touchpoint_code=tp)
    path = write(
        tmp_path,
        csv_text(
            [
                (1, "nps", 3, "k1", tp, "Опять никто не перезвонил"),  # joins the live case
                (2, "csat", 1, "k9", tp, ""),  # opens
                (1, "csat", 2, "k9", tp, ""),  # joins k9's case, a day later
                (1, "enps", 0, "", "", "Плохо"),  # an employee: never a case
                (8, "nps", 6, "k7", tp, ""),  # outside 7 days, inside 10
            ]
        ),
    )

    first = import_run(workspace=ws, kind="feedback", path=path, open_cases_days=7)

    assert first.cases == {"days": 7, "checked": 3, "opened": 1, "joined": 2}
    live.refresh_from_db()
    joined = live.events.filter(kind=EventKind.JOINED).get()
    assert joined.text == "Опять никто не перезвонил"
    k9 = Case.objects.get(workspace=ws, customer_id="k9")
    assert (k9.metric, k9.score, k9.title) == ("csat", 1, "CSAT 1")
    assert k9.events.filter(kind=EventKind.JOINED).get().text == "2"

    wider = import_run(workspace=ws, kind="feedback", path=path, open_cases_days=10)

    assert wider.cases == {"days": 10, "checked": 1, "opened": 1, "joined": 0}
    assert sorted(Case.objects.filter(workspace=ws).values_list("customer_id", flat=True)) == [
        "k1",
        "k7",
        "k9",
    ]


@pytest.mark.parametrize("days", ["abc", "-3", "366", "1.5"])
def test_a_bad_number_of_days_is_refused_before_anything_is_stored(company, tmp_path, days):
    path = write(tmp_path, five_rows("x"))
    with pytest.raises(InvalidInputError, match="365"):
        import_run(workspace=company["ws"], kind="feedback", path=path, open_cases_days=days)
    assert not ImportRun.objects.exists()


def test_only_feedback_opens_cases(company, tmp_path):
    path = write(tmp_path, "customer_id,name\nk1,Ann\n", "customers.csv")
    with pytest.raises(InvalidInputError, match="customers"):
        import_run(workspace=company["ws"], kind="customers", path=path, open_cases_days=7)


def test_web_import_form_opens_cases_and_the_result_page_says_how_many(client, company):
    client.force_login(company["admin"])
    content = five_rows(company["tp"].code).encode()
    upload = client.post(
        reverse("imports", args=["alpha"]),
        {"kind": "feedback", "file": SimpleUploadedFile("f.csv", content), "date_order": ""},
    )
    preview_url = upload["Location"]
    page = client.get(preview_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="open_cases_days"' in page
    done = client.post(
        preview_url.split("?")[0],
        {"kind": "feedback", "import": "1", "open_cases_days": "7"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    html = done.content.decode()
    assert done.status_code == 200
    assert "Cases opened: 2; joined to open cases: 0." in html
    assert "2 opened, 0 joined to open cases (4 new answers of the last 7 days checked)" in html
    assert Case.objects.filter(workspace=company["ws"]).count() == 2


def test_api_import_reports_cases_and_reimport_opens_none(client, company):
    h = {"HTTP_AUTHORIZATION": f"Bearer {company['token']}"}
    content = five_rows(company["tp"].code).encode()

    def post():
        return client.post(
            "/api/v1/imports/feedback",
            {"file": SimpleUploadedFile("f.csv", content), "open_cases_days": "7"},
            **h,
        )

    first, second = post(), post()
    assert first.status_code == 201, first.content
    assert first.json()["cases"] == {"days": 7, "checked": 4, "opened": 2, "joined": 0}
    assert second.json()["cases"] == {"days": 7, "checked": 2, "opened": 0, "joined": 0}
    detail = client.get(f"/api/v1/imports/{first.json()['id']}", **h).json()
    assert detail["cases"]["opened"] == 2
    assert Case.objects.filter(workspace=company["ws"]).count() == 2
    bad = client.post(
        "/api/v1/imports/feedback",
        {"file": SimpleUploadedFile("f.csv", content), "open_cases_days": "400"},
        **h,
    )
    assert bad.status_code == 400 and "365" in bad.json()["detail"]
