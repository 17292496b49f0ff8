"""Django settings: safe embedded defaults, everything overridable from the environment."""

from __future__ import annotations

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from cxray import paths
from cxray.web.config.database_url import database_config

WEB_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = paths.data_dir()

SECRET_KEY = paths.secret_key(DATA_DIR)
# CXRAY_MODE=production: served to a network behind HTTPS (docs/production.md). The embedded
# default (`cxray serve`, `cxray demo`) runs on one machine over plain HTTP.
CXRAY_MODE = os.environ.get("CXRAY_MODE", "embedded").strip().lower()
PRODUCTION = CXRAY_MODE == "production"
DEBUG = os.environ.get("CXRAY_DEBUG", "") == "1"
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("CXRAY_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CXRAY_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves the API docs page's Swagger files from our static files (CSP: self only)
    "cxray.web.security",
    "cxray.web.audit",
    "cxray.web.workspaces",
    "cxray.web.accounts",
    "cxray.web.people",
    "cxray.web.journeys",
    "cxray.web.imports",
    "cxray.web.surveys",
    "cxray.web.dashboards",
    "cxray.web.themes",
    "cxray.web.research",
    "cxray.web.initiatives",
    "cxray.web.cases",
    "cxray.web.notifications",
    "cxray.web.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cxray.web.security.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "cxray.web.config.middleware.LanguageFromQueryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cxray.web.audit.middleware.AuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cxray.web.config.urls"
WSGI_APPLICATION = "cxray.web.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cxray.web.accounts.context.workspace_context",
            ],
        },
    }
]

DATABASES = {
    "default": database_config(os.environ.get("DATABASE_URL"), paths.app_db_path(DATA_DIR))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ANALYTICS_URL = paths.analytics_url(DATA_DIR)
# When new comments are analysed after an import: "background", "now" or "off".
CXRAY_TEXT_ANALYSIS = os.environ.get("CXRAY_TEXT_ANALYSIS", "background")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("CXRAY_PASSWORD_MIN_LENGTH", "12"))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "index"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = os.environ.get("CXRAY_LANGUAGE", "ru")
LANGUAGES = [("ru", _("Russian")), ("uk", _("Ukrainian")), ("en", _("English"))]
LOCALE_PATHS = [WEB_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("CXRAY_TIME_ZONE", "Europe/Kyiv")

STATIC_URL = "static/"
STATICFILES_DIRS = [WEB_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the package: no collectstatic step for the embedded default.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "uploads"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# Mail: printed to the console unless an SMTP server is configured.
EMAIL_HOST = os.environ.get("CXRAY_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("CXRAY_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("CXRAY_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CXRAY_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("CXRAY_EMAIL_TLS", "") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("CXRAY_EMAIL_FROM", "cxray@localhost")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"


# --- Production security (docs/security.md); `cxray check --deploy` reports what is unsafe.
def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value in {"1", "true", "yes", "on"}


# Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto (nginx, Caddy).
if _env_flag("CXRAY_BEHIND_PROXY", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies append to X-Forwarded-For: the client address for lockout and audit.
CXRAY_PROXY_COUNT = int(os.environ.get("CXRAY_PROXY_COUNT", "1" if PRODUCTION else "0"))
SECURE_SSL_REDIRECT = _env_flag("CXRAY_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = int(os.environ.get("CXRAY_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("CXRAY_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _env_flag("CXRAY_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = _env_flag("CXRAY_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A working day; the cookie ends with the browser only if CXRAY_SESSION_HOURS=0.
SESSION_COOKIE_AGE = int(float(os.environ.get("CXRAY_SESSION_HOURS", "12")) * 3600) or 1209600
SESSION_EXPIRE_AT_BROWSER_CLOSE = os.environ.get("CXRAY_SESSION_HOURS", "") == "0"
# Login lockout (cxray.web.security.lockout): failures per user name and address.
CXRAY_LOGIN_MAX_FAILURES = int(os.environ.get("CXRAY_LOGIN_MAX_FAILURES", "5"))
CXRAY_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("CXRAY_LOGIN_LOCKOUT_MINUTES", "15"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CXRAY_LOG_LEVEL", "WARNING")},
}
