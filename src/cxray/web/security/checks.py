"""Deployment checks: what makes a cxray server unsafe on a network, and how to fix each.

Registered with Django's check framework (``deploy=True``), so both ``cxray check --deploy``
and ``django-admin check --deploy`` run them next to Django's own security checks.
Errors mean "do not put this on a network"; warnings are worth reading.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core import checks
from django.urls import get_resolver, resolve
from django.urls.resolvers import URLPattern, URLResolver

CSP_MIDDLEWARE = "cxray.web.security.csp.ContentSecurityPolicyMiddleware"
# Django's own deploy checks that ours replace with cxray's variable names in the hint.
SUPERSEDED = {
    "security.W004",  # HSTS
    "security.W008",  # SSL redirect
    "security.W009",  # secret key
    "security.W012",  # session cookie secure
    "security.W016",  # CSRF cookie secure
    "security.W018",  # DEBUG
    "security.W020",  # ALLOWED_HOSTS empty
}
# Deliberate: other services may live on subdomains; preloading is the owner's choice.
ACCEPTED = {"security.W005", "security.W021"}
REGISTRATION_WORDS = ("signup", "sign-up", "register", "registration", "join")
ONE_YEAR = 365 * 24 * 3600


def _secret_findings() -> list[checks.CheckMessage]:
    key = str(settings.SECRET_KEY or "")
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure"):
        return [
            checks.Error(
                "the secret key is short, simple or a published default; anyone who guesses "
                "it can forge logins",
                hint="set CXRAY_SECRET_KEY (or CXRAY_SECRET_KEY_FILE) to the output of "
                '`python -c "import secrets; print(secrets.token_urlsafe(50))"`',
                id="cxray.E002",
            )
        ]
    if not (os.environ.get("CXRAY_SECRET_KEY") or os.environ.get("CXRAY_SECRET_KEY_FILE")):
        return [
            checks.Warning(
                "the secret key was generated into the data directory: every server with its "
                "own data directory signs with a different key, and a copy of the directory "
                "carries the key",
                hint="keep the key apart: CXRAY_SECRET_KEY_FILE=/run/secrets/cxray_secret_key",
                id="cxray.W003",
            )
        ]
    return []


def _https_findings() -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
        found.append(
            checks.Error(
                "login and CSRF cookies are sent over plain HTTP too, where they can be stolen",
                hint="serve over HTTPS and set CXRAY_MODE=production (or CXRAY_SECURE_COOKIES=1)",
                id="cxray.E004",
            )
        )
    if not settings.SECURE_SSL_REDIRECT:
        found.append(
            checks.Error(
                "plain HTTP requests are answered instead of redirected to HTTPS",
                hint="set CXRAY_MODE=production (or CXRAY_SSL_REDIRECT=1); behind a proxy, "
                "it must send X-Forwarded-Proto (docs/production.md)",
                id="cxray.E005",
            )
        )
    hsts = int(settings.SECURE_HSTS_SECONDS or 0)
    if hsts <= 0:
        found.append(
            checks.Error(
                "no HTTP Strict-Transport-Security: a browser may be talked into plain HTTP",
                hint="set CXRAY_MODE=production (HSTS for a year) or CXRAY_HSTS_SECONDS=31536000",
                id="cxray.E006",
            )
        )
    elif hsts < ONE_YEAR:
        found.append(
            checks.Warning(
                f"HSTS lasts only {hsts} seconds",
                hint="CXRAY_HSTS_SECONDS=31536000 once HTTPS works for good",
                id="cxray.W006",
            )
        )
    return found


def _host_findings() -> list[checks.CheckMessage]:
    hosts = [h for h in settings.ALLOWED_HOSTS if h]
    if not hosts or "*" in hosts:
        return [
            checks.Error(
                "ALLOWED_HOSTS is empty or '*': forged Host headers reach the app "
                "(password-reset links can point to another site)",
                hint="CXRAY_ALLOWED_HOSTS=cx.example.com (the names the server is reached by)",
                id="cxray.E007",
            )
        ]
    if set(hosts) <= {"127.0.0.1", "localhost", "::1", "[::1]"}:
        return [
            checks.Warning(
                "the server answers only to localhost",
                hint="CXRAY_ALLOWED_HOSTS=cx.example.com and "
                "CXRAY_CSRF_TRUSTED_ORIGINS=https://cx.example.com",
                id="cxray.W007",
            )
        ]
    return []


def _database_findings() -> list[checks.CheckMessage]:
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        message = (
            "the app database is a SQLite file: one writer at a time, so several web "
            "processes and the worker wait on each other"
        )
        hint = "DATABASE_URL=postgres://cxray:PASSWORD@db:5432/cxray (docs/production.md)"
        if getattr(settings, "PRODUCTION", False):
            return [checks.Error(message, hint=hint, id="cxray.E008")]
        return [checks.Warning(message, hint=hint, id="cxray.W008")]
    return []


def _patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(_patterns(entry, route))
        elif isinstance(entry, URLPattern):
            found.append((route, entry.name or ""))
    return found


def registration_routes() -> list[str]:
    """URL routes that let a stranger create an account (none in cxray: admins add users)."""
    return [
        route
        for route, name in _patterns(get_resolver())
        if any(w in route.lower() or w in name.lower() for w in REGISTRATION_WORDS)
    ]


def _registration_findings() -> list[checks.CheckMessage]:
    open_routes = registration_routes()
    if open_routes:
        return [
            checks.Error(
                "anyone can register: " + ", ".join(open_routes),
                hint="remove the sign-up URLs; administrators add members in Settings or with "
                "`cxray user create`",
                id="cxray.E009",
            )
        ]
    return []


def _guard_findings() -> list[checks.CheckMessage]:
    from cxray.web.security.forms import ThrottledAuthenticationForm

    found: list[checks.CheckMessage] = []
    if CSP_MIDDLEWARE not in settings.MIDDLEWARE:
        found.append(
            checks.Error(
                "no Content-Security-Policy: an injected script would run",
                hint=f"keep {CSP_MIDDLEWARE} in MIDDLEWARE",
                id="cxray.E010",
            )
        )
    match = resolve("/accounts/login/")
    form = getattr(match.func, "view_initkwargs", {}).get("authentication_form")
    if not (isinstance(form, type) and issubclass(form, ThrottledAuthenticationForm)):
        found.append(
            checks.Error(
                "the login page does not throttle failed logins",
                hint="use cxray.web.security.forms.ThrottledAuthenticationForm in the login view",
                id="cxray.E011",
            )
        )
    if int(getattr(settings, "CXRAY_LOGIN_MAX_FAILURES", 0)) <= 0:
        found.append(
            checks.Error(
                "login lockout is off: passwords can be guessed without limit",
                hint="unset CXRAY_LOGIN_MAX_FAILURES (default 5) or set it above 0",
                id="cxray.E012",
            )
        )
    min_length = 0
    for validator in settings.AUTH_PASSWORD_VALIDATORS:
        if validator["NAME"].endswith("MinimumLengthValidator"):
            min_length = int(validator.get("OPTIONS", {}).get("min_length", 8))
    if min_length < 12:
        found.append(
            checks.Warning(
                f"passwords may be as short as {min_length} characters",
                hint="CXRAY_PASSWORD_MIN_LENGTH=12 or more",
                id="cxray.W013",
            )
        )
    return found


def _debug_findings() -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return [
            checks.Error(
                "debug mode is on: error pages show settings, code and data to any visitor",
                hint="unset CXRAY_DEBUG",
                id="cxray.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def deploy_checks(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [
        *_debug_findings(),
        *_secret_findings(),
        *_https_findings(),
        *_host_findings(),
        *_database_findings(),
        *_registration_findings(),
        *_guard_findings(),
    ]


def deploy_report() -> list[checks.CheckMessage]:
    """Django's deploy checks and ours, without the ones ours replace or we accept."""
    from django.core.checks import run_checks

    messages = run_checks(include_deployment_checks=True)
    return [m for m in messages if m.id not in SUPERSEDED | ACCEPTED]


def is_unsafe(message: checks.CheckMessage) -> bool:
    """Errors, and Django's own security warnings, fail the check."""
    return message.level >= checks.ERROR or (message.id or "").startswith("security.")
