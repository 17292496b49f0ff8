"""Workspace settings for administrators: the workspace, members and roles, units, API tokens."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxray.errors import InvalidInputError
from cxray.web.accounts.models import ApiToken, Membership
from cxray.web.accounts.scope import can_manage
from cxray.web.accounts.services import api_token_create, api_token_revoke, membership_set
from cxray.web.people.services import unit_create
from cxray.web.workspaces.decorators import workspace_view
from cxray.web.workspaces.settings_forms import MemberForm, TokenForm, UnitForm, WorkspaceEditForm


@workspace_view(allow=can_manage)
def settings_page(request: HttpRequest) -> HttpResponse:
    ws = request.workspace
    forms = {
        "workspace": WorkspaceEditForm(instance=ws),
        "member": MemberForm(workspace=ws),
        "unit": UnitForm(workspace=ws),
        "token": TokenForm(),
    }
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "workspace":
        forms["workspace"] = form = WorkspaceEditForm(request.POST, instance=ws)
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved."))
            return redirect("settings", slug=ws.slug)
    elif action == "member":
        forms["member"] = form = MemberForm(request.POST, workspace=ws)
        if form.is_valid() and _add_member(request, form):
            return redirect("settings", slug=ws.slug)
    elif action == "unit":
        forms["unit"] = form = UnitForm(request.POST, workspace=ws)
        if form.is_valid():
            try:
                unit_create(workspace=ws, **form.cleaned_data)
            except InvalidInputError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Unit added."))
                return redirect("settings", slug=ws.slug)
    elif action == "token":
        forms["token"] = form = TokenForm(request.POST)
        if form.is_valid():
            _token, key = api_token_create(workspace=ws, user=request.user, **form.cleaned_data)
            # Shown once: only its hash is stored.
            messages.success(
                request, _("New token (copy it now, it is not shown again): %(key)s") % {"key": key}
            )
            return redirect("settings", slug=ws.slug)
    elif action == "resync":
        from cxray.web.surveys.resync import responses_resync

        n = responses_resync(workspace=ws)
        messages.success(
            request, _("%(n)d survey answers copied to the analytics store again.") % {"n": n}
        )
        return redirect("settings", slug=ws.slug)
    return render(
        request,
        "workspaces/settings.html",
        {
            "forms": forms,
            "members": Membership.objects.filter(workspace=ws)
            .select_related("user", "unit", "employee")
            .order_by("user__username"),
            "tokens": ApiToken.objects.filter(workspace=ws).select_related("user"),
        },
    )


@transaction.atomic
def _add_member(request: HttpRequest, form: MemberForm) -> bool:
    """Create the user if new and give the role; on a refused role nothing is kept."""
    User = get_user_model()
    data = form.cleaned_data
    user = User.objects.filter(username=data["username"]).first()
    password = None
    if user is None:
        password = secrets.token_urlsafe(10)
        user = User.objects.create_user(
            username=data["username"], email=data["email"], password=password
        )
    try:
        with transaction.atomic():
            membership_set(
                user=user,
                workspace=request.workspace,
                role=data["role"],
                unit=data["unit"],
                employee=data["employee"],
            )
    except InvalidInputError as exc:
        form.add_error(None, str(exc))
        transaction.set_rollback(True)
        return False
    if password:
        messages.success(
            request,
            _(
                "User %(user)s created with password %(password)s — "
                "give it to them; they can change it after logging in."
            )
            % {"user": user.username, "password": password},
        )
    else:
        messages.success(request, _("Role saved."))
    return True


@workspace_view(allow=can_manage)
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, workspace=request.workspace, pk=pk)
    api_token_revoke(token=token)
    messages.success(request, _("Token revoked."))
    return redirect("settings", slug=request.workspace.slug)


@workspace_view(allow=can_manage)
@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership, workspace=request.workspace, pk=pk)
    if membership.user_id == request.user.pk:
        messages.error(request, _("You cannot remove yourself."))
    else:
        membership.delete()
        messages.success(request, _("Removed from the workspace."))
    return redirect("settings", slug=request.workspace.slug)
