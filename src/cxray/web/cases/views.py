"""Case pages under /w/<slug>/cases/: the list, one case, a new case, my cases (phone)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cxray.errors import InvalidInputError
from cxray.web.accounts.models import Membership, Role
from cxray.web.cases.models import CaseReason, CaseStatus, ContactChannel
from cxray.web.cases.reaction_views import reaction_context
from cxray.web.cases.selectors import case_get, case_list, case_overdue_filter
from cxray.web.cases.services import (
    case_assign,
    case_contact,
    case_note,
    case_open,
    case_resolve,
    case_set_status,
)
from cxray.web.people.models import Unit
from cxray.web.surveys.models import SurveyResponse
from cxray.web.workspaces.decorators import workspace_view

SHOWN = 200


def can_act(m: Membership) -> bool:
    return m.role != Role.VIEWER


def can_configure(m: Membership) -> bool:
    return m.role in (Role.ADMIN, Role.CX_MANAGER)


def _scoped(request: HttpRequest, **filters):
    return case_list(
        workspace=request.workspace, scope=request.scope, user_id=request.user.pk, **filters
    )


@workspace_view()
@require_GET
def cases(request: HttpRequest) -> HttpResponse:
    """Who must react, and did they?"""
    status = request.GET.get("status", "open")
    if status not in ("", "open", *CaseStatus.values):
        status = "open"
    overdue = request.GET.get("overdue") == "1"
    unit = request.GET.get("unit", "")
    mine = request.GET.get("mine") == "1"
    qs = _scoped(request, status=status, overdue=overdue, unit=unit, mine=mine)
    now = timezone.now()
    all_visible = _scoped(request)
    context = {
        "cases": qs[:SHOWN],
        "n": qs.count(),
        "shown": SHOWN,
        "now": now,
        "status": status,
        "overdue": overdue,
        "unit": unit,
        "mine": mine,
        "statuses": CaseStatus.choices,
        "units": Unit.objects.filter(workspace=request.workspace).order_by("code"),
        "n_open": _scoped(request, status="open").count(),
        "n_overdue": case_overdue_filter(all_visible, now=now).count(),
        "may_act": can_act(request.membership),
        "may_configure": can_configure(request.membership),
        **reaction_context(request),
    }
    return render(request, "cases/list.html", context)


def _act(request: HttpRequest, case) -> None:
    action = request.POST.get("action", "")
    user = request.user
    if action == "note":
        case_note(case=case, by=user, text=request.POST.get("text", ""))
        messages.success(request, _("Note added."))
    elif action == "contact":
        case_contact(
            case=case,
            by=user,
            channel=request.POST.get("channel", ""),
            text=request.POST.get("text", ""),
        )
        messages.success(request, _("Contact with the customer logged."))
    elif action == "status":
        case_set_status(case=case, by=user, status=request.POST.get("status", ""))
        messages.success(request, _("Status changed."))
    elif action in ("resolve", "close"):
        case_resolve(
            case=case,
            by=user,
            resolution=request.POST.get("resolution", ""),
            close=action == "close",
        )
        messages.success(request, _("Case resolved."))
    elif action == "assign":
        unit = Unit.objects.filter(
            workspace=request.workspace, code=request.POST.get("owner_unit", "")
        ).first()
        member = Membership.objects.filter(
            workspace=request.workspace, user_id=request.POST.get("owner_user") or None
        ).first()
        if unit is None and member is None:
            raise InvalidInputError(_("Choose a unit or a person to give the case to."))
        case_assign(case=case, by=user, owner_unit=unit, owner_user=member.user if member else None)
        messages.success(request, _("Case reassigned."))
    else:
        raise InvalidInputError(_("Unknown action."))


@workspace_view()
@require_http_methods(["GET", "POST"])
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get(
        workspace=request.workspace, scope=request.scope, user_id=request.user.pk, pk=pk
    )
    may_act = can_act(request.membership)
    error = ""
    if request.method == "POST":
        if not may_act:
            raise PermissionDenied(_("Your role may read cases but not act on them."))
        try:
            _act(request, case)
            return redirect("case_detail", request.workspace.slug, case.pk)
        except InvalidInputError as exc:
            error = str(exc)
    feedback = SurveyResponse.objects.filter(case_link__case=case).select_related("survey")
    context = {
        "case": case,
        "events": case.events.select_related("by"),
        "feedback": feedback,
        "now": timezone.now(),
        "error": error,
        "may_act": may_act,
        "statuses": [c for c in CaseStatus.choices if c[0] in ("new", "in_progress", "waiting")],
        "channels": ContactChannel.choices,
        "units": Unit.objects.filter(workspace=request.workspace).order_by("code"),
        "members": Membership.objects.filter(workspace=request.workspace)
        .exclude(role=Role.VIEWER)
        .select_related("user"),
        "posted": request.POST if error else {},
    }
    return render(request, "cases/detail.html", context, status=400 if error else 200)


@workspace_view()
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    """Open a case by hand; ?touchpoint=CODE&step=ID&response=ID prefill it."""
    ws = request.workspace
    source = request.POST if request.method == "POST" else request.GET
    response = None
    rid = source.get("response", "")
    if rid.isdigit():
        response = SurveyResponse.objects.filter(workspace=ws, pk=int(rid)).first()
    initial = {
        "title": source.get("title", ""),
        "touchpoint": source.get("touchpoint", "")
        or (response.touchpoint_code if response else ""),
        "unit": source.get("unit", "") or (response.unit_code if response else ""),
        "customer": source.get("customer", "") or (response.customer_id if response else ""),
        "text": source.get("text", "")
        or (response.comment if response else "")
        or (f"{_('Journey step')}: {source.get('step')}" if source.get("step") else ""),
        "step": source.get("step", ""),
    }
    error = ""
    if request.method == "POST" and request.POST.get("title") is not None:
        if not can_act(request.membership):
            error = _("Your role may read cases but not open them.")
        else:
            try:
                case = case_open(
                    workspace=ws,
                    title=initial["title"],
                    reason=CaseReason.MANUAL,
                    response=response if response and not hasattr(response, "case_link") else None,
                    customer_id=initial["customer"],
                    touchpoint_code=initial["touchpoint"],
                    unit_code=initial["unit"],
                    employee_code=response.employee_code if response else "",
                    metric=response.survey.type if response else "",
                    score=response.score if response else None,
                    created_by=request.user,
                    text=initial["text"],
                )
                messages.success(request, _("Case opened."))
                return redirect("case_detail", ws.slug, case.pk)
            except InvalidInputError as exc:
                error = str(exc)
    context = {
        "initial": initial,
        "response": response,
        "error": error,
        "units": Unit.objects.filter(workspace=ws).order_by("code"),
    }
    return render(request, "cases/form.html", context, status=400 if error else 200)


@workspace_view()
@require_GET
def cases_mine(request: HttpRequest) -> HttpResponse:
    """A frontline employee's phone page: the feedback about them and their cases, nothing else."""
    m = request.membership
    employee = m.employee
    feedback = SurveyResponse.objects.none()
    if employee is not None:
        feedback = SurveyResponse.objects.filter(
            workspace=request.workspace, employee_code=employee.code
        ).select_related("survey")[:30]
    mine = case_list(
        workspace=request.workspace,
        scope=request.scope,
        user_id=request.user.pk,
    )
    if employee is not None:
        from django.db.models import Q

        mine = mine.filter(Q(employee_code=employee.code) | Q(owner_user_id=request.user.pk))
    else:
        mine = mine.filter(owner_user_id=request.user.pk)
    context = {
        "employee": employee,
        "feedback": feedback,
        "cases": mine.order_by("status", "due_at")[:50],
        "now": timezone.now(),
    }
    return render(request, "cases/mine.html", context)
