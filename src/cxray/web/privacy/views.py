from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxray.errors import InvalidInputError
from cxray.web.accounts.scope import can_manage
from cxray.web.privacy.services import customer_erase, customer_search
from cxray.web.workspaces.decorators import workspace_view


@workspace_view(allow=can_manage)
def customers(request: HttpRequest) -> HttpResponse:
    """Administrators only: find a customer's personal data across both stores."""
    query = request.GET.get("q", "").strip()
    matches, error = [], ""
    if query:
        try:
            matches = customer_search(workspace=request.workspace, query=query)
        except InvalidInputError as exc:
            error = str(exc)
    return render(
        request,
        "privacy/customers.html",
        {"query": query, "matches": matches, "error": error},
    )


@workspace_view(allow=can_manage)
@require_POST
def customer_erase_view(request: HttpRequest) -> HttpResponse:
    customer_id = request.POST.get("customer_id", "").strip()
    if request.POST.get("confirm") != customer_id or not customer_id:
        messages.error(request, _("Type the customer's id again to confirm the erasure."))
        return redirect("customers", slug=request.workspace.slug)
    removed = customer_erase(workspace=request.workspace, customer_id=customer_id, request=request)
    request._audited = True  # type: ignore[attr-defined]  # the service wrote the event
    messages.success(
        request,
        _("Erased: %(n)d rows in both stores. The audit log keeps only that it happened.")
        % {"n": sum(removed.values())},
    )
    return redirect("customers", slug=request.workspace.slug)
