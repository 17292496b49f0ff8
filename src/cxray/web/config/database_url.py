"""Turn DATABASE_URL into Django's DATABASES entry (SQLite in the data dir by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlparse

from cxray.errors import InvalidInputError


def database_config(url: str | None, default_sqlite: Path) -> dict[str, Any]:
    """``postgres://user:pass@host:5432/name`` or ``sqlite:///path``; None means SQLite."""
    if not url:
        return _sqlite(default_sqlite)
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return _sqlite(Path(unquote(parsed.path)) if parsed.path else default_sqlite)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options = dict(parse_qsl(parsed.query))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": 60,
            "ATOMIC_REQUESTS": True,
        }
    raise InvalidInputError(
        f"DATABASE_URL scheme {parsed.scheme!r} is not supported; "
        "use postgres://user:password@host:5432/dbname or sqlite:///path/to/file"
    )


def _sqlite(path: Path) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "ATOMIC_REQUESTS": True,
        # WAL lets the dashboards read while an import writes.
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"},
    }
