from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cxray.web.accounts.scope import can_export, can_import, can_manage
from cxray.web.accounts.selectors import membership_list


def workspace_context(request: HttpRequest) -> dict[str, Any]:
    """The workspace switcher and what the current user may do, for every page."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    return {
        "memberships": membership_list(user=request.user),
        "membership": membership,
        "workspace": getattr(request, "workspace", None),
        "can_import": bool(membership and can_import(membership)),
        "can_export": bool(membership and can_export(membership)),
        "can_manage": bool(membership and can_manage(membership)),
    }
