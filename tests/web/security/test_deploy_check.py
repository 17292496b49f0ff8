"""`cxray check --deploy`: each unsafe setting is reported with its fix; the exit code says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.urls import path

from cxray.web.security.checks import deploy_checks, is_unsafe

STRONG_KEY = "k7" + "Qx9-vB2_mN4pL8rT6yU1wE3sD5fG7hJ0aZ2cV4bN6mQ8wE1rT3yU5iO7pA9sD1fG"


@pytest.fixture
def safe(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = STRONG_KEY
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.ALLOWED_HOSTS = ["cx.example.com"]
    settings.PRODUCTION = True
    engine = settings.DATABASES["default"]["ENGINE"]
    settings.DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
    yield settings
    settings.DATABASES["default"]["ENGINE"] = engine


def _ids(settings_env: dict[str, str] | None = None) -> set[str]:
    return {m.id for m in deploy_checks() if is_unsafe(m)}


def test_a_safe_configuration_has_no_unsafe_finding(safe, monkeypatch):
    monkeypatch.setenv("CXRAY_SECRET_KEY", STRONG_KEY)
    assert _ids() == set()


@pytest.mark.parametrize(
    ("name", "value", "finding"),
    [
        ("DEBUG", True, "cxray.E001"),
        ("SECRET_KEY", "django-insecure-abc", "cxray.E002"),
        ("SECRET_KEY", "a" * 60, "cxray.E002"),
        ("SESSION_COOKIE_SECURE", False, "cxray.E004"),
        ("SECURE_SSL_REDIRECT", False, "cxray.E005"),
        ("SECURE_HSTS_SECONDS", 0, "cxray.E006"),
        ("ALLOWED_HOSTS", ["*"], "cxray.E007"),
        ("ALLOWED_HOSTS", [], "cxray.E007"),
        ("CXRAY_LOGIN_MAX_FAILURES", 0, "cxray.E012"),
    ],
)
def test_each_unsafe_setting_is_reported_with_a_fix(safe, name, value, finding):
    setattr(safe, name, value)
    found = {m.id: m for m in deploy_checks()}
    assert finding in found and is_unsafe(found[finding])
    assert found[finding].hint  # says how to fix it


def test_sqlite_in_production_is_unsafe(safe):
    safe.DATABASES["default"]["ENGINE"] = "django.db.backends.sqlite3"
    assert "cxray.E008" in _ids()


def test_csp_middleware_removed_is_reported(safe):
    safe.MIDDLEWARE = [
        m for m in safe.MIDDLEWARE if not m.endswith("ContentSecurityPolicyMiddleware")
    ]
    assert "cxray.E010" in _ids()


def _signup(request):  # pragma: no cover - never called, only resolved
    raise AssertionError


urlpatterns = [path("accounts/signup/", _signup, name="signup")]


def test_an_open_registration_url_is_reported(safe):
    from django.urls import clear_url_caches, include

    from cxray.web.config import urls as project_urls

    safe.ROOT_URLCONF = __name__
    urlpatterns.append(path("", include(project_urls.urlpatterns)))
    clear_url_caches()
    try:
        assert "cxray.E009" in _ids()
    finally:
        urlpatterns.pop()
        clear_url_caches()


def _cli(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests in this process, never in deployment
    full = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CXRAY_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    full.update({"CXRAY_DATA_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-m", "cxray", "check", "--deploy", "--json"],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_fails_on_the_embedded_default_and_passes_in_production(tmp_path):
    default = _cli({}, tmp_path)
    assert default.returncode == 1, default.stderr
    report = json.loads(default.stdout)
    unsafe = {f["id"] for f in report["findings"] if f["level"] == "unsafe"}
    assert {"cxray.E004", "cxray.E005", "cxray.E006"} <= unsafe
    assert all(f["fix"] for f in report["findings"] if f["id"].startswith("cxray."))

    production = _cli(
        {
            "CXRAY_MODE": "production",
            "CXRAY_SECRET_KEY": STRONG_KEY,
            "CXRAY_ALLOWED_HOSTS": "cx.example.com",
            "DATABASE_URL": "postgres://cxray:pw@db:5432/cxray",
        },
        tmp_path,
    )
    assert production.returncode == 0, production.stdout + production.stderr
    assert json.loads(production.stdout)["safe"] is True


def test_production_mode_turns_the_https_settings_on(tmp_path):
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, "
        "s.SECRET_KEY]))"
    )
    key_file = tmp_path / "key"
    key_file.write_text(STRONG_KEY + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXRAY_")}
    env.update(
        CXRAY_MODE="production",
        CXRAY_DATA_DIR=str(tmp_path),
        CXRAY_SECRET_KEY_FILE=str(key_file),
        DJANGO_SETTINGS_MODULE="cxray.web.config.settings",
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert json.loads(out.stdout) == [
        False,
        True,
        31536000,
        True,
        True,
        ["HTTP_X_FORWARDED_PROTO", "https"],
        STRONG_KEY,
    ]
