"""Strong passwords, and CSRF on every form that changes something."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver

import cxray.web

pytestmark = pytest.mark.django_db
TEMPLATES = Path(cxray.web.__file__).parent / "templates"
# Public forms answered without a session (the survey page, the widget, one-click opt-out):
# no cookie is read, so there is nothing to forge; their guards are the idempotency key, the
# honeypot and the rate limit. The API authenticates by bearer header, never by cookie.
CSRF_EXEMPT_ALLOWED = {"survey_respond", "survey_optout", "survey_widget"}


@pytest.mark.parametrize("weak", ["short-1", "password1234", "123456789012", "olena-olena"])
def test_weak_passwords_are_refused(weak):
    user = get_user_model()(username="olena-olena")
    with pytest.raises(ValidationError):
        validate_password(weak, user)


def test_a_long_unusual_password_is_accepted():
    validate_password("amber-kettle-9-orbit", get_user_model()(username="olena"))


def test_password_change_refuses_a_short_password():
    user = get_user_model().objects.create_user(username="olena", password="amber-kettle-9-orbit")
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "amber-kettle-9-orbit",
            "new_password1": "Xy7-abc",
            "new_password2": "Xy7-abc",
        },
    )
    assert response.status_code == 200  # the form again with the error, nothing changed
    user.refresh_from_db()
    assert user.check_password("amber-kettle-9-orbit")


def test_every_post_form_in_the_templates_has_a_csrf_token():
    missing = []
    for path in TEMPLATES.rglob("*.html"):
        if "public" in path.parts or "mail" in path.parts:
            continue  # the respondent's pages: csrf-exempt by design (see above)
        html = path.read_text()
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, re.S | re.I):
            if "csrf_token" not in form:
                missing.append(str(path.relative_to(TEMPLATES)))
    assert missing == []


def _walk(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def test_only_the_public_respondent_views_and_the_api_skip_csrf():
    exempt = {
        (route, p.name)
        for route, p in _walk(get_resolver())
        if getattr(p.callback, "csrf_exempt", False)
    }
    unexpected = {
        (route, name)
        for route, name in exempt
        if name not in CSRF_EXEMPT_ALLOWED and not route.startswith("api/v1/")
    }
    assert unexpected == set()


def test_a_settings_post_without_the_token_is_refused(two_companies):
    client = Client(enforce_csrf_checks=True)
    client.force_login(two_companies[0]["admin"])
    response = client.post(
        reverse("settings", args=["alpha"]), {"action": "token", "name": "stolen"}
    )
    assert response.status_code == 403
