from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cxray.web.analytics_store import analytics
from cxray.web.imports.models import ImportRun
from cxray.web.people.models import Employee

pytestmark = pytest.mark.django_db

FEEDBACK_CP1251 = (
    "Дата;Оценка;Комментарий;Клиент\r\n"
    "31.12.2024;10;Всё отлично, спасибо;c1\r\n"
    "30.12.2024;3;Долго ждали в регистратуре;c2\r\n"
    "29.12.2024;9;Хороший врач;c3\r\n"
).encode("cp1251")


def upload(client, slug: str, kind: str, name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("imports", args=[slug]),
        {"kind": kind, "file": SimpleUploadedFile(name, content), "date_order": ""},
    )


def test_upload_preview_then_import_in_the_web_ui(client, two_companies):
    a, _ = two_companies
    client.force_login(a["admin"])
    response = upload(client, "alpha", "feedback", "отзывы.csv", FEEDBACK_CP1251)
    assert response.status_code == 302
    preview_url = response["Location"]
    preview = client.get(preview_url)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Долго ждали в регистратуре" in html  # decoded from Windows-1251
    assert 'value="Оценка" selected' in html  # the score column was recognised
    with analytics() as store:
        before = store.count("responses", "alpha")
    done = client.post(preview_url.split("?")[0], {"kind": "feedback", "import": "1"})
    assert done.status_code == 302
    run = ImportRun.objects.get(workspace=a["ws"])
    assert (run.status, run.n_rows, run.stored) == ("done", 3, 3)
    with analytics() as store:
        assert store.count("responses", "alpha") == before + 3
        assert store.count("responses", "beta") == 6


def test_a_bad_file_is_rejected_whole_with_row_and_column(client, two_companies):
    a, _ = two_companies
    client.force_login(a["admin"])
    bad = "date,score,comment\n2024-12-31,10,ok\n2024-12-32,7,bad date\n2024-12-30,eleven,x\n"
    response = upload(client, "alpha", "feedback", "bad.csv", bad.encode())
    preview_url = response["Location"].split("?")[0]
    page = client.post(preview_url, {"kind": "feedback", "import": "1"}).content.decode()
    assert re.search(r"<td class=\"num\">3</td><td>date</td>", page)
    assert re.search(r"<td class=\"num\">4</td><td>score</td>", page)
    with analytics() as store:
        assert store.count("responses", "alpha") == 8  # only the fixture's rows


def test_api_import_and_reimport_changes_nothing(client, two_companies):
    a, _ = two_companies
    from django.core.files.uploadedfile import SimpleUploadedFile

    def post(dry_run: bool = False):
        return client.post(
            "/api/v1/imports/feedback",
            {"file": SimpleUploadedFile("f.csv", FEEDBACK_CP1251), "dry_run": dry_run},
            HTTP_AUTHORIZATION=f"Bearer {a['token']}",
        )

    dry = post(dry_run=True).json()
    assert (dry["status"], dry["stored"]) == ("dry_run", 3)
    first = post()
    assert first.status_code == 201 and first.json()["stored"] == 3
    again = post().json()
    assert (again["stored"], again["unchanged"]) == (0, 3)
    with analytics() as store:
        assert store.count("responses", "alpha") == 8 + 3


def test_api_import_of_a_bad_file_is_422_and_stores_nothing(client, two_companies):
    a, _ = two_companies
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = b"date,score\n2024-12-31,10\n2024-12-31,ten\n"
    response = client.post(
        "/api/v1/imports/feedback",
        {"file": SimpleUploadedFile("bad.csv", bad)},
        HTTP_AUTHORIZATION=f"Bearer {a['token']}",
    )
    assert response.status_code == 422
    body = response.json()
    assert "row 3" in body["detail"]
    assert body["import_run"]["errors"][0]["row"] == 3
    assert ImportRun.objects.get(workspace=a["ws"]).status == "rejected"


def test_employee_import_creates_units_and_updates_on_reimport(client, two_companies, tmp_path):
    a, _ = two_companies
    from cxray.web.imports.services import import_run

    path = tmp_path / "staff.csv"
    path.write_text(
        "Табельный номер;ФИО;Подразделение;Должность;Дата приема\n"
        "d1;Ковальчук Олена;Терапия;врач;01.02.2023\n"
        "d2;Петров Иван;alpha-dep;администратор;15.03.2024\n",
        encoding="utf-8",
    )
    run = import_run(workspace=a["ws"], kind="employees", path=path)
    assert run.stored == 2
    assert any("Терапия" in w for w in run.warnings)
    assert Employee.objects.get(workspace=a["ws"], code="d2").unit == a["dept"]
    again = import_run(workspace=a["ws"], kind="employees", path=path)
    assert (again.stored, again.unchanged) == (0, 2)
