"""Where cxray keeps its data: one directory, chosen by flag or environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "cxray"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: the explicit argument, else $CXRAY_DATA_DIR, else the user default.

    The directory is created if missing.
    """
    chosen = explicit or os.environ.get("CXRAY_DATA_DIR") or DEFAULT_DATA_DIR
    path = Path(chosen).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def app_db_path(base: Path) -> Path:
    return base / "app.sqlite3"


def analytics_db_path(base: Path) -> Path:
    return base / "analytics.duckdb"


def analytics_url(base: Path) -> str:
    """$CXRAY_ANALYTICS_URL, or the DuckDB file in the data directory."""
    return os.environ.get("CXRAY_ANALYTICS_URL") or f"duckdb://{analytics_db_path(base)}"


def restore_journal_path(base: Path) -> Path:
    """Present only while a `cxray restore` is writing (cxray.web.workspaces.backup)."""
    return base / "restore-pending.json"


def secret_key(base: Path) -> str:
    """$CXRAY_SECRET_KEY, the file $CXRAY_SECRET_KEY_FILE names (a container secret), or a
    key generated once and kept in the data directory."""
    from_env = os.environ.get("CXRAY_SECRET_KEY")
    if from_env:
        return from_env
    from_file = os.environ.get("CXRAY_SECRET_KEY_FILE")
    if from_file:
        return Path(from_file).expanduser().read_text().strip()
    key_file = base / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    # Written with owner-only permissions: the key signs sessions and password-reset links.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key
