"""Churn interviews on the web and the API: suggested reasons, human confirmation, the
customer's history, reasons by segment with hand-computed shares, and the file import."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cxray.errors import InvalidInputError
from cxray.web.accounts.models import Role
from cxray.web.accounts.services import membership_set
from cxray.web.research.models import ChurnInterview, ReasonStatus
from cxray.web.research.selectors import reason_report
from cxray.web.research.services import interview_save, interviews_import, reason_set

pytestmark = pytest.mark.django_db


def _statuses(interview: ChurnInterview) -> dict[str, str]:
    return dict(interview.reasons.values_list("code", "status"))


def test_form_suggests_reasons_and_only_confirmed_ones_count(client, two_companies):
    a, _b = two_companies
    client.force_login(a["admin"])
    response = client.post(
        reverse("research_interview_new", args=["alpha"]),
        {
            "customer_id": "c1",
            "held_on": "2024-03-05",
            "interviewer": "Olga",
            "language": "ru",
            "value_before": "Ходили по привычке, рядом с домом",
            "replaced_by": "Перешли к конкурентам",
        },
    )
    interview = ChurnInterview.objects.get(workspace=a["ws"])
    assert response.status_code == 302
    assert response["Location"] == reverse("research_interview", args=["alpha", interview.pk])
    assert _statuses(interview) == {"habit": "suggested", "competitor": "suggested"}
    # Nothing confirmed yet: the interview is not coded, n = 0.
    assert (reason_report(workspace=a["ws"])[0].n, reason_report(workspace=a["ws"])[0].uncoded) == (
        0,
        1,
    )
    url = reverse("research_interview", args=["alpha", interview.pk])
    client.post(url, {"action": "confirmed", "code": "habit"})
    client.post(url, {"action": "replace", "code": "competitor", "replacement": "price"})
    assert _statuses(interview) == {
        "habit": "confirmed",
        "competitor": "rejected",
        "price": "confirmed",
    }
    # Editing the answers refreshes suggestions but keeps what a person decided.
    client.post(
        url,
        {
            "customer_id": "c1",
            "held_on": "2024-03-05",
            "value_before": "Ходили по привычке",
            "replaced_by": "Перешли к конкурентам",
            "what_changed": "Качество стало хуже",
        },
    )
    assert _statuses(interview) == {
        "habit": "confirmed",
        "competitor": "rejected",
        "price": "confirmed",
        "quality": "suggested",
    }
    everyone = reason_report(workspace=a["ws"])[0]
    assert everyone.n == 1
    assert [(r.reason, r.share.value) for r in everyone.reasons] == [
        ("habit", 100.0),
        ("price", 100.0),
    ]


def test_interview_page_shows_the_customers_history(client, two_companies):
    a, _b = two_companies
    interview = interview_save(
        workspace=a["ws"], data={"customer_id": "c1", "held_on": date(2024, 3, 5)}
    )
    client.force_login(a["admin"])
    html = client.get(reverse("research_interview", args=["alpha", interview.pk])).content.decode()
    assert "Customer alpha 1" in html  # from the analytics store's customers table
    assert "Reception" in html  # the touchpoint of the customer's NPS answer, by name
    unknown = interview_save(
        workspace=a["ws"], data={"customer_id": "nobody", "held_on": date(2024, 3, 5)}
    )
    url = reverse("research_interview", args=["alpha", unknown.pk])
    html = client.get(url, {"lang": "en"}).content.decode()
    assert "not in the imported data" in html


def _coded(ws, customer: str, reasons: list[str], **extra) -> ChurnInterview:
    i = interview_save(
        workspace=ws, data={"customer_id": customer, "held_on": date(2024, 5, 1), **extra}
    )
    for code in reasons:
        reason_set(interview=i, code=code, status=ReasonStatus.CONFIRMED)
    return i


def test_reasons_by_segment_hand_computed(client, two_companies):
    a, _b = two_companies
    ws = a["ws"]
    # Segments come from the store (odd customers "A", even "B") unless the interview has one.
    _coded(ws, "c1", ["habit"], value_before="Привычка")
    _coded(ws, "c3", ["habit", "person"], value_before="Врач Иванова")
    _coded(ws, "c2", ["person"])
    _coded(ws, "c4", [])  # B, not coded
    _coded(ws, "c6", ["price"], segment="VIP")
    report = {s.segment: s for s in reason_report(workspace=ws)}
    assert list(report) == ["all", "A", "B", "VIP"]
    everyone = report["all"]
    assert (everyone.n, everyone.uncoded) == (4, 1)
    assert [(r.reason, r.count, round(r.share.value, 1)) for r in everyone.reasons] == [
        ("habit", 2, 50.0),
        ("person", 2, 50.0),
        ("price", 1, 25.0),
    ]
    # Wilson 95% for 2 of 4: (15.0%, 85.0%).
    assert everyone.reasons[0].share.low == pytest.approx(15.00, abs=0.01)
    assert everyone.reasons[0].share.high == pytest.approx(85.00, abs=0.01)
    assert [(r.reason, r.share.value) for r in report["A"].reasons] == [
        ("habit", 100.0),
        ("person", 50.0),
    ]
    assert (report["B"].n, report["B"].uncoded) == (1, 1)
    assert report["A"].reasons[0].quotes == ("Врач Иванова", "Привычка")  # newest first
    client.force_login(a["admin"])
    html = client.get(reverse("research_reasons", args=["alpha"])).content.decode()
    assert "Ценность была лишь привычкой" in html and "15–85%" in html  # workspace in ru
    assert "«Врач Иванова»" in html


def test_import_names_rows_and_columns_and_stores_nothing_on_error(tmp_path, two_companies):
    a, _b = two_companies
    bad = tmp_path / "interviews.csv"
    bad.write_text(
        "Клиент;Дата;Что изменилось;Причины\n"
        "c1;05.03.2024;Стало дорого;price\n"
        "c2;31.13.2024;Переехали;\n"
        "c3;2024-03-07;—;habbit\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as err:
        interviews_import(workspace=a["ws"], path=bad)
    message = str(err.value)
    assert "cannot import interviews.csv: 2 rows have problems, nothing was stored" in message
    assert "row 3, column \"Дата\": '31.13.2024' is not a date" in message
    assert 'row 4, column "Причины": unknown reason habbit' in message
    assert ChurnInterview.objects.count() == 0

    good = tmp_path / "good.csv"
    good.write_text(
        "customer_id,date,interviewer,what_changed,reasons\n"
        "c1,2024-03-05,Olga,Стало дорого,price\n"
        "c2,06.03.2024,Olga,Мы переехали в другой город,\n",
        encoding="utf-8",
    )
    done = interviews_import(workspace=a["ws"], path=good)
    assert [i.customer_id for i in done] == ["c1", "c2"]
    assert _statuses(done[0]) == {"price": "confirmed"}
    assert _statuses(done[1]) == {"moved_away": "suggested"}
    assert done[1].held_on == date(2024, 3, 6)


def test_missing_column_says_what_to_call_it(tmp_path, two_companies):
    a, _b = two_companies
    f = tmp_path / "x.csv"
    f.write_text("who,when\nc1,2024-01-01\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="no column for customer_id, held_on"):
        interviews_import(workspace=a["ws"], path=f)


def api(client, token, method, path, **kwargs):
    return getattr(client, method)(
        f"/api/v1/research{path}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        content_type="application/json",
        **kwargs,
    )


def test_api_interviews_reasons_and_history(client, two_companies):
    a, b = two_companies
    created = api(
        client,
        a["token"],
        "post",
        "/interviews",
        data={
            "customer_id": "c3",
            "held_on": "2024-04-01",
            "what_changed": "Ходили только к доктору Ивановой, она уволилась",
            "reasons": ["habit"],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert {(r["code"], r["status"]) for r in body["reasons"]} == {
        ("habit", "confirmed"),
        ("person", "suggested"),
    }
    pk = body["id"]
    confirmed = api(
        client,
        a["token"],
        "post",
        f"/interviews/{pk}/reasons",
        data={"code": "person", "status": "confirmed"},
    )
    assert confirmed.status_code == 200
    one = api(client, a["token"], "get", f"/interviews/{pk}").json()
    assert one["history"]["customer"]["name"] == "Customer alpha 3"
    assert one["history"]["responses"][0]["score"] == 10.0
    reasons = api(client, a["token"], "get", "/reasons").json()
    assert reasons[0]["n"] == 1
    assert {r["reason"]: r["share"] for r in reasons[0]["reasons"]} == {
        "habit": 100.0,
        "person": 100.0,
    }
    # Another workspace's token sees none of it.
    assert api(client, b["token"], "get", f"/interviews/{pk}").status_code == 404
    assert api(client, b["token"], "get", "/interviews").json() == []
    bad = api(
        client,
        a["token"],
        "post",
        f"/interviews/{pk}/reasons",
        data={"code": "x", "status": "confirmed"},
    )
    assert bad.status_code == 400 and "unknown reason 'x'" in bad.json()["detail"]


def test_unit_manager_cannot_open_research(client, two_companies):
    a, _b = two_companies
    user = get_user_model().objects.create_user(username="um", password="pw-12345-xyz")
    membership_set(user=user, workspace=a["ws"], role=Role.UNIT_MANAGER, unit=a["branch"])
    client.force_login(user)
    assert client.get(reverse("research", args=["alpha"])).status_code == 403
    assert client.get(reverse("research_reasons", args=["alpha"])).status_code == 403
    admin_html = client.get(reverse("home", args=["alpha"])).content.decode()
    assert reverse("research", args=["alpha"]) not in admin_html
