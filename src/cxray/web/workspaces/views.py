from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cxray.errors import InvalidInputError
from cxray.web.accounts.scope import can_export
from cxray.web.accounts.selectors import membership_list
from cxray.web.workspaces.decorators import workspace_view
from cxray.web.workspaces.export import export_zip_bytes
from cxray.web.workspaces.forms import WorkspaceForm
from cxray.web.workspaces.services import workspace_create


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Open the last workspace used, the only one, or the list to choose from."""
    memberships = list(membership_list(user=request.user))
    slugs = [m.workspace.slug for m in memberships]
    last = request.session.get("workspace")
    if last in slugs:
        return redirect("home", slug=last)
    if len(slugs) == 1:
        return redirect("home", slug=slugs[0])
    return render(request, "workspaces/index.html", {"memberships": memberships})


@login_required
def create(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ws = workspace_create(owner=request.user, **form.cleaned_data)
        except InvalidInputError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Workspace created. Import your data to see figures."))
            return redirect("imports", slug=ws.slug)
    return render(request, "workspaces/create.html", {"form": form})


@workspace_view(allow=can_export)
def export(request: HttpRequest) -> HttpResponse:
    data = export_zip_bytes(workspace=request.workspace)
    response = StreamingHttpResponse([data], content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{request.workspace.slug}-export.zip"'
    return response
