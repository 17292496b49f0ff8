"""The invitation page, the reminder button and the contact policy page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cxray.web.accounts.models import Role
from cxray.web.accounts.services import membership_set
from cxray.web.surveys.invitations import policy_for, policy_update
from cxray.web.surveys.models import Contact, Invitation
from cxray.web.surveys.services import survey_create, survey_publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def no_quiet_hours(published):
    policy_update(workspace=published["a"]["ws"], quiet_start_hour=0, quiet_end_hour=0)


def test_invite_by_paste_and_csv_lists_who_was_skipped_and_why(
    client, smtp, published, no_quiet_hours
):
    a, survey = published["a"], published["sa"]
    Contact.objects.create(workspace=a["ws"], email="gone@example.com", opted_out_at=timezone.now())
    client.force_login(a["admin"])
    url = reverse("survey_invitations", args=["alpha", survey.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"Send reminders" in page.content
    upload = SimpleUploadedFile(
        "people.csv",
        "email,name,customer_id,language\nbohdan@example.com,Богдан,c-2,uk\n".encode(),
        content_type="text/csv",
    )
    response = client.post(
        url, {"emails": "anna@example.com, gone@example.com\nnot-an-email", "file": upload}
    )
    assert response.status_code == 302
    assert len(smtp.messages) == 2
    html = client.get(url).content.decode()
    assert "anna@example.com" in html and "bohdan@example.com" in html
    assert "gone@example.com" in html and "opted out" in html
    # A second survey, the same people: skipped, with the date of the first invitation.
    other = survey_publish(
        survey=survey_create(
            workspace=a["ws"], name="Second", purpose="Decision", owner_user=a["admin"]
        )
    )
    client.post(
        reverse("survey_invitations", args=["alpha", other.pk]), {"emails": "anna@example.com"}
    )
    html = client.get(reverse("survey_invitations", args=["alpha", other.pk])).content.decode()
    assert "invited recently (on" in html
    assert len(smtp.messages) == 2
    assert client.post(url, {}).status_code == 200  # nothing to invite: the form says so


def test_reminder_button(client, smtp, published, no_quiet_hours):
    from datetime import timedelta

    a, survey = published["a"], published["sa"]
    client.force_login(a["admin"])
    client.post(
        reverse("survey_invitations", args=["alpha", survey.pk]), {"emails": "a@example.com"}
    )
    Invitation.objects.update(sent_at=timezone.now() - timedelta(days=4))
    remind = reverse("survey_remind", args=["alpha", survey.pk])
    assert client.post(remind).status_code == 302
    assert client.post(remind).status_code == 302
    assert len(smtp.messages) == 2  # the invitation and one reminder
    assert client.get(remind).status_code == 405


@pytest.mark.parametrize("role", [Role.VIEWER, Role.UNIT_MANAGER])
def test_only_admins_and_cx_managers_invite(client, published, role):
    a, survey = published["a"], published["sa"]
    user = get_user_model().objects.create_user(username="v", password="pw-12345-xyz")
    membership_set(user=user, workspace=a["ws"], role=role, unit=a["dept"])
    client.force_login(user)
    for name in ("survey_invitations", "survey_remind"):
        assert client.post(reverse(name, args=["alpha", survey.pk])).status_code == 403
    assert client.get(reverse("surveys_contact_policy", args=["alpha"])).status_code == 403


def test_contact_policy_page(client, published):
    a = published["a"]
    client.force_login(a["admin"])
    url = reverse("surveys_contact_policy", args=["alpha"])
    assert client.get(url).status_code == 200
    form = {
        "min_days_between": 14,
        "quiet_start_hour": 22,
        "quiet_end_hour": 8,
        "journey_cap": 3,
        "reminder_after_days": 5,
        "time_zone": "Europe/Warsaw",
    }
    assert client.post(url, form).status_code == 302
    policy = policy_for(a["ws"])
    assert (policy.min_days_between, policy.quiet_end_hour, policy.time_zone) == (
        14,
        8,
        "Europe/Warsaw",
    )
    bad = client.post(url, {**form, "quiet_start_hour": 25, "time_zone": "Mars/Base"})
    assert bad.status_code == 200 and policy_for(a["ws"]).quiet_start_hour == 22
