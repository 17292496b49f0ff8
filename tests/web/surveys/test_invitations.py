"""Email invitations through a real SMTP server on loopback, under the contact policy."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone, translation

from cxray.web.analytics_store import analytics
from cxray.web.surveys.invitations import (
    ContactIn,
    invitations_remind,
    invitations_send,
    invitations_send_due,
    policy_update,
)
from cxray.web.surveys.models import Contact, Invitation, SurveyResponse
from cxray.web.surveys.services import responses_sync, survey_create, survey_publish

pytestmark = pytest.mark.django_db

BASE = "https://cx.example.com"


def kyiv(day_offset: int = 0, hour: int = 12, minute: int = 0) -> datetime:
    """A moment in the workspace's time (the server default, Europe/Kyiv)."""
    today = timezone.localtime().date() + timedelta(days=day_offset)
    return timezone.make_aware(datetime(today.year, today.month, today.day, hour, minute))


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def second_survey(published):
    a = published["a"]
    return survey_publish(
        survey=survey_create(
            workspace=a["ws"], name="Second", purpose="Another decision", owner_user=a["admin"]
        )
    )


def send(survey, *contacts: ContactIn, now: datetime | None = None):
    return invitations_send(
        survey=survey, contacts=list(contacts), base_url=BASE, now=now or kyiv()
    )


def test_mails_arrive_with_the_personal_and_the_opt_out_link(smtp, published):
    survey = published["sa"]
    results = send(
        survey,
        ContactIn("Anna@Example.com", "Anna", "c-1", "en"),
        ContactIn("bohdan@example.com", "Богдан", "", "uk"),
    )
    assert [r.status for r in results] == ["sent", "sent"]
    assert len(smtp.messages) == 2
    by_to = {m["To"]: m for m in smtp.messages}
    anna = Invitation.objects.get(contact__email="anna@example.com")
    mail = by_to["anna@example.com"]
    body = text_of(mail)
    assert f"{BASE}/s/{survey.public_token}/?i={anna.token}" in body
    optout = f"{BASE}/s/optout/{anna.contact.opt_out_token}/"
    assert optout in body and optout in html_of(mail)
    assert f"?i={anna.token}" in html_of(mail)
    assert mail["List-Unsubscribe"] == f"<{optout}?lang=en>"
    assert "Hello, Anna" in body and "recommend us" in body
    # The Ukrainian contact gets the mail in Ukrainian (the question is survey data).
    uk = text_of(by_to["bohdan@example.com"])
    assert "Наскільки ймовірно" in uk and "Богдан" in uk
    assert anna.status == "sent" and anna.sent_at is not None


def test_personal_link_holds_one_response_editable_for_24_hours(client, smtp, published):
    survey = published["sa"]
    send(survey, ContactIn("anna@example.com", "Anna", "c-77", "en"))
    link = re.search(r"/s/\S+", text_of(smtp.messages[0])).group(0)
    page = client.get(link)
    assert page.status_code == 200 and page["Content-Language"] == "en"
    inv = Invitation.objects.get()
    form = {"score": "6", "follow_up": "Faster", "key": page.context["key"], "i": inv.token}
    assert client.post(f"/s/{survey.public_token}/?lang=en", form).status_code == 302
    assert responses_sync(workspace=survey.workspace) == 1
    again = {**form, "score": "8", "key": "another-key"}
    assert client.post(f"/s/{survey.public_token}/?lang=en", again).status_code == 302
    r = SurveyResponse.objects.get()
    assert (r.score, r.channel, r.customer_id, r.invitation_id) == (8, "email", "c-77", inv.pk)
    inv.refresh_from_db()
    assert inv.status == "answered"
    # The analytics copy follows the change (one row, the new score).
    responses_sync(workspace=survey.workspace)
    with analytics() as store:
        rows = store.to_arrow("responses", "alpha").to_pylist()
    mine = [x for x in rows if x["row_key"] == r.row_key]
    assert len(mine) == 1 and mine[0]["score"] == 8.0
    # Reopened, the form shows the answer; after 24 hours the link is spent.
    assert client.get(link).context["values"]["score"] == "8"
    SurveyResponse.objects.update(created_at=timezone.now() - timedelta(hours=25))
    spent = client.get(link)
    assert spent.status_code == 200 and b"already answered" in spent.content
    late = client.post(f"/s/{survey.public_token}/?lang=en", {**form, "score": "1"})
    assert b"already answered" in late.content
    assert SurveyResponse.objects.get().score == 8


def test_a_personal_link_of_another_survey_is_not_honoured(client, smtp, published):
    other = second_survey(published)
    send(other, ContactIn("anna@example.com"))
    inv = Invitation.objects.get()
    survey = published["sa"]
    client.post(f"/s/{survey.public_token}/", {"score": "3", "key": "k", "i": inv.token})
    r = SurveyResponse.objects.get()
    assert r.invitation_id is None and r.channel == "link"


def test_opted_out_person_is_never_invited_again(client, smtp, published):
    survey = published["sa"]
    send(survey, ContactIn("anna@example.com", "Anna", "c-1", "uk"))
    contact = Contact.objects.get()
    url = re.search(r"/s/optout/\S+", text_of(smtp.messages[0])).group(0)
    confirm = client.get(url)  # a mail scanner opening the link opts nobody out
    assert confirm.status_code == 200 and confirm["Content-Language"] == "uk"
    contact.refresh_from_db()
    assert contact.opted_out_at is None
    done = client.post(url)
    # In the contact's language.
    assert done.status_code == 200 and done["Content-Language"] == "uk"
    assert done.context["done"] is True and b'lang="uk"' in done.content
    contact.refresh_from_db()
    assert contact.opted_out_at is not None
    # Any survey, any time later, and the same customer under another address.
    later = kyiv(day_offset=400)
    results = send(
        second_survey(published),
        ContactIn("anna@example.com"),
        ContactIn("anna.new@example.com", customer_id="c-1"),
        now=later,
    )
    assert [(r.status, r.reason) for r in results] == [("skipped", "opted_out")] * 2
    assert len(smtp.messages) == 1
    assert client.get("/s/optout/unknown-token/").status_code == 404


def test_second_invitation_within_30_days_is_skipped_with_the_date(smtp, published):
    first = kyiv()
    send(published["sa"], ContactIn("anna@example.com", customer_id="c-1"), now=first)
    other = second_survey(published)
    results = send(
        other,
        ContactIn("anna@example.com"),
        ContactIn("a.other@example.com", customer_id="c-1"),  # the same person by customer id
        ContactIn("not-an-email"),
        now=first + timedelta(days=10),
    )
    assert [(r.status, r.reason) for r in results] == [
        ("skipped", "recent"),
        ("skipped", "recent"),
        ("skipped", "invalid_email"),
    ]
    assert results[0].detail == first.date().isoformat()
    with translation.override("en"):
        assert results[0].reason_text == f"invited recently (on {first.date().isoformat()})"
    skipped = Invitation.objects.filter(survey=other, status="skipped")
    assert skipped.count() == 2 and {i.skip_reason for i in skipped} == {"recent"}
    assert len(smtp.messages) == 1
    after = send(other, ContactIn("anna@example.com"), now=first + timedelta(days=31))
    assert after[0].status == "sent" and len(smtp.messages) == 2


def test_quiet_hours_defer_until_they_end(smtp, published):
    survey = published["sa"]
    evening = kyiv(hour=22, minute=30)
    results = send(survey, ContactIn("anna@example.com"), now=evening)
    assert (results[0].status, results[0].reason) == ("waiting", "quiet_hours")
    assert results[0].detail.endswith("09:00")
    assert smtp.messages == []
    # A waiting invitation already counts: a second survey does not slip in before it.
    assert send(second_survey(published), ContactIn("anna@example.com"), now=evening)[0].reason == (
        "recent"
    )
    assert invitations_send_due(base_url=BASE, now=evening + timedelta(hours=1)) == 0
    morning = kyiv(day_offset=1, hour=9, minute=5)
    assert invitations_send_due(base_url=BASE, now=morning) == 1
    assert invitations_send_due(base_url=BASE, now=morning) == 0
    assert len(smtp.messages) == 1 and Invitation.objects.get(survey=survey).status == "sent"


def test_the_reminder_goes_once_and_only_to_those_who_did_not_answer(client, smtp, published):
    survey = published["sa"]
    t0 = kyiv()
    send(
        survey,
        ContactIn("silent@example.com", "Silent", language="en"),
        ContactIn("answered@example.com"),
        ContactIn("gone@example.com"),
        now=t0,
    )
    answered = Invitation.objects.get(contact__email="answered@example.com")
    client.post(f"/s/{survey.public_token}/", {"score": "9", "key": "k", "i": answered.token})
    client.post(f"/s/optout/{Contact.objects.get(email='gone@example.com').opt_out_token}/")
    assert invitations_remind(survey=survey, base_url=BASE, now=t0 + timedelta(days=1)).sent == 0
    late_night = kyiv(day_offset=4, hour=23)
    assert invitations_remind(survey=survey, base_url=BASE, now=late_night).waiting == 1
    due = t0 + timedelta(days=3, hours=1)
    result = invitations_remind(survey=survey, base_url=BASE, now=due)
    assert (result.sent, result.opted_out) == (1, 1)
    assert len(smtp.messages) == 4
    reminder = smtp.messages[-1]
    assert reminder["To"] == "silent@example.com" and reminder["Subject"].startswith("Reminder")
    silent = Invitation.objects.get(contact__email="silent@example.com")
    assert f"?i={silent.token}" in text_of(reminder)
    assert invitations_remind(survey=survey, base_url=BASE, now=due + timedelta(days=5)).sent == 0
    assert len(smtp.messages) == 4


def test_journey_cap(smtp, published):
    a = published["a"]
    policy_update(workspace=a["ws"], min_days_between=0, journey_cap=2)
    t0 = kyiv()
    statuses = [
        send(published["sa"], ContactIn("anna@example.com"), now=t0 + timedelta(days=d))[0]
        for d in range(3)
    ]
    assert [(r.status, r.reason) for r in statuses] == [
        ("sent", ""),
        ("sent", ""),
        ("skipped", "cap"),
    ]


def test_a_refusing_mail_server_marks_the_invitation_failed(settings, published):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed, 2
    result = send(published["sa"], ContactIn("anna@example.com"))[0]
    assert (result.status, result.reason) == ("failed", "send_error") and result.detail
    inv = Invitation.objects.get()
    assert inv.status == "failed"
    # A failed invitation did not reach the person: it does not count against the policy.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send(published["sa"], ContactIn("anna@example.com"))[0].status == "sent"


def test_a_draft_survey_cannot_invite(published):
    from cxray.errors import InvalidInputError

    a = published["a"]
    draft = survey_create(workspace=a["ws"], name="Draft")
    with pytest.raises(InvalidInputError):
        send(draft, ContactIn("anna@example.com"))
