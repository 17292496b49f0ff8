"""Initiatives pages: list, create (with a prefill from cases or audits), detail, edit."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxray.errors import InvalidInputError
from cxray.web.initiatives.forms import ActionItemForm, InitiativeForm
from cxray.web.initiatives.measure import initiative_effect
from cxray.web.initiatives.models import Initiative, Status
from cxray.web.initiatives.selectors import (
    action_item_get,
    action_items,
    can_plan,
    can_view_initiatives,
    initiative_get,
    initiative_list,
)
from cxray.web.initiatives.services import (
    action_item_add,
    action_item_delete,
    action_item_set_done,
    initiative_update,
)
from cxray.web.initiatives.services import (
    initiative_create as create_initiative,
)
from cxray.web.journeys.models import Touchpoint
from cxray.web.workspaces.decorators import workspace_view


@workspace_view(allow=can_view_initiatives)
def initiatives(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    rows = initiative_list(workspace=request.workspace, status=status or None)
    return render(
        request,
        "initiatives/list.html",
        {
            "rows": rows,
            "status": status,
            "statuses": Status.choices,
            "can_plan": can_plan(request.membership),
            "today": timezone.localdate(),
        },
    )


def _prefill(request: HttpRequest) -> dict:
    """GET ?title=&touchpoint=CODE&theme=&step=REF&source= (repeatable) from cases and audits."""
    g = request.GET
    codes = [c for c in g.getlist("touchpoint") if c]
    known = set(
        Touchpoint.objects.filter(workspace=request.workspace, code__in=codes).values_list(
            "code", flat=True
        )
    )
    return {
        "title": g.get("title", "")[:200],
        "source": g.get("source", "")[:200],
        "description": g.get("description", ""),
        "touchpoints": [c for c in codes if c in known],
        "themes": ", ".join(t for t in g.getlist("theme") if t),
        "journey_steps": ", ".join(s for s in g.getlist("step") if s),
    }


@workspace_view(allow=can_plan)
def initiative_create(request: HttpRequest) -> HttpResponse:
    ws = request.workspace
    if request.method == "POST":
        form = InitiativeForm(request.POST, workspace=ws)
        if form.is_valid():
            try:
                initiative = create_initiative(
                    workspace=ws, created_by=request.user, **form.service_kwargs()
                )
            except InvalidInputError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Initiative created. Add the tasks of its plan below."))
                return redirect("initiative_detail", ws.slug, initiative.pk)
    else:
        form = InitiativeForm(workspace=ws, initial=_prefill(request))
    return render(request, "initiatives/form.html", {"form": form, "initiative": None})


@workspace_view(allow=can_plan)
def initiative_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.workspace
    initiative = initiative_get(workspace=ws, pk=pk)
    if request.method == "POST":
        form = InitiativeForm(request.POST, workspace=ws)
        if form.is_valid():
            try:
                initiative_update(initiative=initiative, **form.service_kwargs())
            except InvalidInputError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect("initiative_detail", ws.slug, initiative.pk)
    else:
        form = InitiativeForm(workspace=ws, initial=_initial(initiative))
    return render(request, "initiatives/form.html", {"form": form, "initiative": initiative})


def _initial(i: Initiative) -> dict:
    return {
        "title": i.title,
        "description": i.description,
        "source": i.source,
        "owner": i.owner,
        "owner_unit": i.owner_unit,
        "due": i.due,
        "status": i.status,
        "touchpoints": [t.code for t in i.touchpoints.all()],
        "themes": ", ".join(i.themes),
        "journey_steps": ", ".join(i.journey_steps),
        "treated_units": [u.code for u in i.treated_units.all()],
        "treated_segment": i.treated_segment,
        "started": i.started,
        "outcome": i.outcome,
        "expected_effect": i.expected_effect,
    }


@workspace_view(allow=can_view_initiatives)
def initiative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.workspace
    initiative = initiative_get(workspace=ws, pk=pk)
    effect = initiative_effect(initiative=initiative, as_of=timezone.localdate())
    return render(
        request,
        "initiatives/detail.html",
        {
            "i": initiative,
            "items": action_items(initiative=initiative),
            "effect": effect,
            "item_form": ActionItemForm(workspace=ws),
            "can_plan": can_plan(request.membership),
            "today": timezone.localdate(),
        },
    )


@workspace_view(allow=can_view_initiatives)
@require_POST
def action_item_post(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_plan(request.membership):
        raise PermissionDenied
    ws = request.workspace
    initiative = initiative_get(workspace=ws, pk=pk)
    action = request.POST.get("action", "add")
    if action == "add":
        form = ActionItemForm(request.POST, workspace=ws)
        if form.is_valid():
            try:
                action_item_add(initiative=initiative, **form.cleaned_data)
                messages.success(request, _("Task added."))
            except InvalidInputError as exc:
                messages.error(request, str(exc))
        else:
            messages.error(request, " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    elif action in ("done", "undone", "delete"):
        try:
            item = action_item_get(initiative=initiative, pk=int(request.POST.get("item", "")))
        except ValueError as exc:
            raise Http404 from exc
        if action == "delete":
            action_item_delete(item=item)
        else:
            action_item_set_done(item=item, done=action == "done")
    return redirect("initiative_detail", ws.slug, initiative.pk)
