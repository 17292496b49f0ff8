"""Uploaded files wait in the data directory between the preview and the import."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from cxray.errors import NotFoundError

TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
SAFE_NAME = re.compile(r"[^\w.\-]+")
STALE_AFTER_S = 24 * 3600


def _folder(workspace_slug: str) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports" / workspace_slug
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_save(*, workspace_slug: str, upload: UploadedFile) -> tuple[str, Path]:
    """Keep the upload under a random token; the original name only keeps its extension.

    Uploads whose preview was abandoned are removed after a day.
    """
    _remove_stale(_folder(workspace_slug))
    token = uuid.uuid4().hex
    name = SAFE_NAME.sub("_", Path(upload.name or "upload").name)[-100:]
    path = _folder(workspace_slug) / f"{token}__{name}"
    with path.open("wb") as f:
        for chunk in upload.chunks():
            f.write(chunk)
    return token, path


def _remove_stale(folder: Path) -> None:
    cutoff = time.time() - STALE_AFTER_S
    for path in folder.iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def upload_path(*, workspace_slug: str, token: str) -> Path:
    """The stored upload of this workspace for ``token``; another workspace's never matches."""
    if not TOKEN_RE.match(token):
        raise NotFoundError("unknown upload")
    matches = list(_folder(workspace_slug).glob(f"{token}__*"))
    if not matches:
        raise NotFoundError("the uploaded file has expired; upload it again")
    return matches[0]


def original_name(path: Path) -> str:
    return path.name.split("__", 1)[1]
