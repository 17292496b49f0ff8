from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cxray.web.accounts.scope import can_manage
from cxray.web.audit.forms import AuditFilterForm
from cxray.web.audit.selectors import audit_actions, audit_csv, audit_event_list
from cxray.web.workspaces.decorators import workspace_view

PAGE_SIZE = 200


@workspace_view(allow=can_manage)
def audit_log(request: HttpRequest) -> HttpResponse:
    """Administrators only: who saw or exported personal data, who changed what."""
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_event_list(workspace=request.workspace, **filters)
    if request.GET.get("format") == "csv":
        response = HttpResponse(audit_csv(events.iterator()), content_type="text/csv")
        response["Content-Disposition"] = (
            f'attachment; filename="{request.workspace.slug}-audit.csv"'
        )
        return response
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "events": events[:PAGE_SIZE],
            "total": events.count(),
            "page_size": PAGE_SIZE,
            "actions": audit_actions(workspace=request.workspace),
            "query": request.GET.urlencode(),
        },
    )
