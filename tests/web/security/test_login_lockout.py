"""Login throttling: 5 failures per user name and address lock that pair for 15 minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cxray.web.security.models import LoginFailure

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(username="olena", password=PASSWORD)


def _login(client, password: str, ip: str = "10.0.0.1", username: str = "olena"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_five_failures_lock_even_the_right_password_out(client, user):
    for _ in range(5):
        assert _login(client, "wrong").status_code == 200
    response = _login(client, PASSWORD)
    assert response.status_code == 200  # the form again, not the redirect after login
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock_and_success_clears_them(client, user):
    for _ in range(4):
        _login(client, "wrong")
    assert _login(client, PASSWORD).status_code == 302
    assert LoginFailure.objects.filter(username="olena").count() == 0


def test_lock_is_per_address_so_a_stranger_does_not_lock_the_user_out(client, user):
    for _ in range(5):
        _login(client, "wrong", ip="203.0.113.9")
    assert _login(client, PASSWORD, ip="10.0.0.1").status_code == 302


def test_lock_is_per_name_ignoring_case(client, user):
    for _ in range(5):
        _login(client, "wrong", username="OLENA")
    assert "Too many failed logins" in _login(client, PASSWORD).content.decode()


def test_lock_ends_after_fifteen_minutes(client, user):
    for _ in range(5):
        _login(client, "wrong")
    LoginFailure.objects.update(at=LoginFailure.objects.latest("at").at - timedelta(minutes=16))
    assert _login(client, PASSWORD).status_code == 302


def test_forged_forwarded_for_does_not_dodge_the_lock(client, user, settings):
    settings.CXRAY_PROXY_COUNT = 1
    for i in range(5):
        # The proxy appends the real client (10.0.0.1); the client forges the entry before it.
        client.post(
            reverse("login"),
            {"username": "olena", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 10.0.0.1",
        )
    response = client.post(
        reverse("login"),
        {"username": "olena", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.77, 10.0.0.1",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Too many failed logins" in response.content.decode()
