from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from cxray.web.accounts.models import Membership
from cxray.web.accounts.scope import scope_for
from cxray.web.accounts.selectors import membership_get


def workspace_view(
    *, allow: Callable[[Membership], bool] | None = None
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Resolve ``slug`` to the user's membership (404 if none), check ``allow``, set the scope.

    Every workspace page goes through this, so a user of workspace A never reaches B's data.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = membership_get(user=request.user, slug=slug)
            if allow is not None and not allow(membership):
                raise PermissionDenied
            request.membership = membership  # type: ignore[attr-defined]
            request.workspace = membership.workspace  # type: ignore[attr-defined]
            request.scope = scope_for(membership)  # type: ignore[attr-defined]
            request.session["workspace"] = slug
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
