from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from cxray.web.accounts.scope import scope_for
from cxray.web.accounts.services import api_token_authenticate


class WorkspaceToken(HttpBearer):
    """``Authorization: Bearer cx_…``: the token decides the workspace and the role."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = api_token_authenticate(key=token)
        if found is None:
            return None
        api_token, membership = found
        request.membership = membership  # type: ignore[attr-defined]
        request.workspace = membership.workspace  # type: ignore[attr-defined]
        request.scope = scope_for(membership)  # type: ignore[attr-defined]
        request.user = api_token.user
        return api_token
