"""Case errors reach people in their language: the messages go through gettext.

The catalogues are filled later, so each test puts its own Russian text for the message into
the loaded Russian catalogue (restored afterwards) and checks that exactly that text comes
back, formatted, while the API's error shape ({"detail": ...}) stays as it was.
"""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import trans_real

from cxray.errors import InvalidInputError
from cxray.web.cases.services import case_contact, case_note, case_open
from cxray.web.notifications.services import webhook_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def russian(monkeypatch):
    """Add one msgid → msgstr to the Russian catalogue for this test only."""
    catalogue = trans_real.translation("ru")._catalog._catalogs[0]

    def add(msgid: str, msgstr: str) -> None:
        monkeypatch.setitem(catalogue, msgid, msgstr)

    return add


def auth(company) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {company['token']}"}


def test_api_error_in_russian_keeps_its_shape(client, company, russian):
    russian("status %(status)s is not one of %(choices)s", "статус %(status)s не из: %(choices)s")
    case = case_open(workspace=company["ws"], title="Queue")

    ru = client.patch(
        f"/api/v1/cases/{case.pk}",
        {"status": "lost"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="ru",
        **auth(company),
    )
    en = client.patch(
        f"/api/v1/cases/{case.pk}",
        {"status": "lost"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **auth(company),
    )

    choices = "new, in_progress, waiting, resolved, closed"
    assert (ru.status_code, ru.json()) == (400, {"detail": f"статус 'lost' не из: {choices}"})
    assert (en.status_code, en.json()) == (
        400,
        {"detail": f"status 'lost' is not one of {choices}"},
    )


def test_api_own_checks_are_translated_too(client, company, russian):
    russian("unit %(code)s does not exist in this workspace", "подразделения %(code)s здесь нет")
    made = client.post(
        "/api/v1/cases",
        {"title": "Queue", "owner_unit": "nowhere"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="ru",
        **auth(company),
    )
    assert (made.status_code, made.json()) == (400, {"detail": "подразделения 'nowhere' здесь нет"})


def test_service_messages_follow_the_active_language(company, russian):
    russian(
        "the note is empty; write what was done or said",
        "заметка пуста; напишите, что сделано или сказано",
    )
    russian(
        "contact channel %(channel)s is not one of %(choices)s",
        "канал %(channel)s не из: %(choices)s",
    )
    russian(
        "webhook address %(url)s must start with http:// or https://",
        "адрес %(url)s должен начинаться с http:// или https://",
    )
    case = case_open(workspace=company["ws"], title="Queue")
    with translation.override("ru"):
        with pytest.raises(InvalidInputError) as empty:
            case_note(case=case, by=None, text=" ")
        with pytest.raises(InvalidInputError) as channel:
            case_contact(case=case, by=None, channel="fax", text="x")
        with pytest.raises(InvalidInputError) as url:
            webhook_create(workspace=company["ws"], url="ftp://x")
    assert str(empty.value) == "заметка пуста; напишите, что сделано или сказано"
    assert str(channel.value) == "канал 'fax' не из: phone, email, message, meeting"
    assert str(url.value) == "адрес 'ftp://x' должен начинаться с http:// или https://"
    with translation.override("en"), pytest.raises(InvalidInputError) as english:
        case_note(case=case, by=None, text=" ")
    assert str(english.value) == "the note is empty; write what was done or said"
