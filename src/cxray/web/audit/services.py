"""Writing the audit log: one call, ``audit_record``, from views, the API, the CLI and services."""

from __future__ import annotations

import getpass
import hashlib
import hmac
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cxray.web.audit.models import AuditEvent, Kind
from cxray.web.security.client import client_ip
from cxray.web.workspaces.models import Workspace

log = logging.getLogger(__name__)


def audit_record(
    *,
    action: str,
    kind: str = Kind.CHANGE,
    workspace: Workspace | None = None,
    request: HttpRequest | None = None,
    user: Any = None,
    object_type: str = "",
    object_id: str = "",
    detail: str = "",
    via: str | None = None,
) -> AuditEvent:
    """Record one event. Pass ``request`` in a view or API handler; the CLI passes neither.

    ``detail`` and ``object_id`` must not carry personal data (names, emails, comments):
    the log is kept longer than the data it describes, and survives its erasure.
    """
    token = None
    ip = ""
    if request is not None:
        workspace = workspace or getattr(request, "workspace", None)
        auth = getattr(request, "auth", None)
        from cxray.web.accounts.models import ApiToken

        token = auth if isinstance(auth, ApiToken) else None
        request_user = getattr(request, "user", None)
        if user is None and request_user is not None and request_user.is_authenticated:
            user = request_user
        ip = client_ip(request)
        via = via or ("api" if token is not None else "web")
    actor = user.get_username() if user is not None else f"{_os_user()} (command line)"
    if token is not None:
        actor = f"{actor} · token {token.name} ({token.prefix}…)"
    return AuditEvent.objects.create(
        workspace=workspace,
        workspace_slug=workspace.slug if workspace is not None else "",
        user=user,
        actor=actor[:200],
        token=token,
        via=via or "cli",
        kind=kind,
        action=action[:64],
        object_type=object_type[:64],
        object_id=str(object_id)[:128],
        detail=detail[:500],
        ip=ip,
    )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        return "unknown"


def pseudonym(value: str) -> str:
    """A keyed hash of a personal identifier: the log can later confirm "this id was erased"
    when asked about that id, but cannot be read back to the id (HMAC with the secret key)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256)
    return "h:" + digest.hexdigest()[:32]
