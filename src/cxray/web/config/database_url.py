"""Turn DATABASE_URL into Django's DATABASES entry (SQLite in the data dir by default)."""

from __future__ import annotations

import os
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


def _sqlite_sync() -> str:
    value = os.environ.get("CXRAY_SQLITE_SYNC", "NORMAL").strip().upper()
    if value not in {"NORMAL", "FULL"}:
        raise InvalidInputError(f"CXRAY_SQLITE_SYNC must be NORMAL or FULL, not {value!r}")
    return value


def _sqlite(path: Path) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # Not ATOMIC_REQUESTS: with IMMEDIATE transactions every request, reads included, would
        # hold SQLite's one write lock for its whole duration (dashboards under load failed with
        # "database is locked"). Services open their own transaction.atomic() for writes.
        "ATOMIC_REQUESTS": False,
        # Each server thread keeps its connection: opening one per request (and SQLite reading
        # the schema of ~100 tables on its first statement) was a quarter of a survey
        # submission's time (docs/decisions/0017-survey-intake-speed.md).
        "CONN_MAX_AGE": 600,
        # WAL lets the dashboards read while an import writes; synchronous=NORMAL is the WAL
        # setting SQLite recommends: a commit survives the process crashing, and only a power
        # loss can take the last commits back (CXRAY_SQLITE_SYNC=FULL for that too).
        "OPTIONS": {
            "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={_sqlite_sync()};",
            "transaction_mode": "IMMEDIATE",
        },
    }
