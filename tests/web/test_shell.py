from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_stylesheet_and_logo_are_served(client):
    for path in ("/static/cxray/cxray.css", "/static/cxray/logo.svg"):
        response = client.get(path)
        assert response.status_code == 200, path


def test_login_lands_on_the_only_workspace(client, two_companies):
    response = client.post(
        reverse("login"), {"username": "alpha-admin", "password": "pw-12345-xyz"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home", args=["alpha"])


def test_lang_parameter_switches_the_language_and_is_remembered(client):
    page = client.get("/accounts/login/?lang=uk").content.decode()
    assert '<html lang="uk">' in page
    again = client.get("/accounts/login/").content.decode()
    assert '<html lang="uk">' in again


def test_anonymous_users_are_sent_to_login(client, two_companies):
    response = client.get(reverse("home", args=["alpha"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_password_reset_sends_a_mail_with_a_working_link(client, two_companies, mailoutbox):
    a, _ = two_companies
    a["admin"].email = "alpha@example.com"
    a["admin"].save()
    client.post(reverse("password_reset"), {"email": "alpha@example.com"})
    assert len(mailoutbox) == 1
    link = next(w for w in mailoutbox[0].body.split() if "/accounts/reset/" in w)
    page = client.get(link.split("testserver", 1)[1], follow=True)
    assert page.status_code == 200 and b'name="new_password1"' in page.content


def test_workspace_created_from_the_web_belongs_to_its_creator(client, two_companies):
    a, _ = two_companies
    client.force_login(a["admin"])
    response = client.post(
        reverse("workspace_create"),
        {"slug": "gamma", "name": "Gamma", "currency": "EUR", "language": "en"},
    )
    assert response.status_code == 302
    assert client.get(reverse("home", args=["gamma"])).status_code == 200
    # Another company's admin does not see it.
    _, b = two_companies
    client.force_login(b["admin"])
    assert client.get(reverse("home", args=["gamma"])).status_code == 404


def test_openapi_document_lists_the_operations(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["info"]["title"] == "cxray API"
    for path in ("/api/v1/imports/{kind}", "/api/v1/employees", "/api/v1/reports/{metric}"):
        assert path in doc["paths"], path
    assert doc["components"]["securitySchemes"]["WorkspaceToken"]["scheme"] == "bearer"
