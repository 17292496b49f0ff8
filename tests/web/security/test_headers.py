"""Security headers and the Content-Security-Policy on pages, public pages and the widget."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cxray.web.security.csp import DATA_POLICY

pytestmark = pytest.mark.django_db


def _published_survey(company: dict):
    from cxray.web.surveys.models import Survey
    from cxray.web.surveys.services import survey_publish

    survey = Survey.objects.create(
        workspace=company["ws"],
        name="After visit",
        purpose="decide the reception staffing",
        owner_user=company["admin"],
    )
    return survey_publish(survey=survey)


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def test_login_page_allows_only_own_scripts_with_a_fresh_nonce(client):
    first = client.get(reverse("login"))
    second = client.get(reverse("login"))
    policy = _policy(first)
    assert policy["default-src"] == "default-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'"
    script = policy["script-src"]
    # No blanket inline scripts and no other origin: only 'self', a nonce and one hash.
    assert "'unsafe-inline'" not in script and "http" not in script
    assert re.search(r"'nonce-[\w-]{16,}'", script)
    assert first["Content-Security-Policy"] != second["Content-Security-Policy"]
    assert first["X-Frame-Options"] == "DENY"
    assert first["X-Content-Type-Options"] == "nosniff"
    assert first["Referrer-Policy"] == "same-origin"


def test_every_form_on_the_login_page_carries_a_csrf_token(client):
    html = client.get(reverse("login")).content.decode()
    forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, flags=re.S)
    assert len(forms) >= 2  # the login form and the language menu
    assert all("csrfmiddlewaretoken" in f for f in forms)


def test_every_inline_handler_in_the_templates_is_allowed_by_its_hash(client):
    """A new onclick="…" in a template must be listed in csp.INLINE_HANDLERS, or it would not
    run under the policy; this finds every one."""
    import base64
    import hashlib
    from pathlib import Path

    import cxray.web

    templates = Path(cxray.web.__file__).parent / "templates"
    handlers = set()
    for path in templates.rglob("*.html"):
        if "mail" in path.parts:
            continue  # mails are read in mail clients, not under our policy
        handlers |= set(re.findall(r'\son[a-z]+="([^"]+)"', path.read_text()))
    assert "this.form.submit()" in handlers
    script_src = _policy(client.get(reverse("login")))["script-src"]
    for handler in handlers:
        digest = base64.b64encode(hashlib.sha256(handler.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src, handler


def test_public_survey_inline_script_carries_the_response_nonce(client, two_companies):
    survey = _published_survey(two_companies[0])
    response = client.get(f"/s/{survey.public_token}/")
    assert response.status_code == 200
    nonce = re.search(r"'nonce-([\w-]+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", response.content.decode())
    assert scripts and all(f'nonce="{nonce}"' in s or "src=" in s for s in scripts)


def test_widget_endpoint_is_open_to_other_sites_but_runs_nothing(client, two_companies):
    survey = _published_survey(two_companies[0])
    response = client.get(f"/s/{survey.public_token}/widget", HTTP_ORIGIN="https://shop.example")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    # No cookies cross: a foreign page cannot act as a logged-in user through the widget.
    assert "Access-Control-Allow-Credentials" not in response
    assert response["Content-Security-Policy"] == DATA_POLICY


def test_api_json_gets_the_strict_policy(client, two_companies):
    response = client.get(
        "/api/v1/workspace", HTTP_AUTHORIZATION=f"Bearer {two_companies[0]['token']}"
    )
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == DATA_POLICY


def test_api_docs_page_loads_swagger_from_our_static_files(client):
    html = client.get("/api/v1/docs").content.decode()
    sources = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources)
    inline = re.findall(r"<script(?![^>]*src=)([^>]*)>", html)
    assert all('type="application/json"' in attrs for attrs in inline)
