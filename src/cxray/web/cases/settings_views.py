"""Case rules and notifications: deadline, routing rules, webhooks and the delivery log;
and the root-cause groups page."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cxray.errors import InvalidInputError
from cxray.web.accounts.models import Membership
from cxray.web.cases.groups import KINDS, case_group_to_initiative, case_groups
from cxray.web.cases.selectors import case_list, case_settings_get, routing_rule_list
from cxray.web.cases.services import case_settings_update, routing_rule_create, routing_rule_delete
from cxray.web.cases.views import can_act, can_configure
from cxray.web.journeys.models import Touchpoint
from cxray.web.notifications.models import (
    Delivery,
    DeliveryStatus,
    WebhookEndpoint,
    WebhookFormat,
)
from cxray.web.notifications.services import (
    EVENTS,
    delivery_retry,
    webhook_create,
    webhook_delete,
    webhook_test,
)
from cxray.web.people.models import Unit
from cxray.web.workspaces.decorators import workspace_view

LOG_SHOWN = 100


def _unit(request: HttpRequest, code: str) -> Unit | None:
    if not code:
        return None
    unit = Unit.objects.filter(workspace=request.workspace, code=code).first()
    if unit is None:
        raise InvalidInputError(_("There is no unit %(code)s in this workspace.") % {"code": code})
    return unit


def _settings_post(request: HttpRequest) -> None:
    ws, p = request.workspace, request.POST
    action = p.get("action", "")
    if action == "deadline":
        hours = p.get("reaction_hours", "")
        if not hours.isdigit():
            raise InvalidInputError(_("The reaction deadline is a whole number of hours."))
        case_settings_update(
            workspace=ws,
            reaction_hours=int(hours),
            open_on_low_score=p.get("open_on_low_score") == "on",
            open_on_negative_comment=p.get("open_on_negative_comment") == "on",
            escalate=p.get("escalate") == "on",
        )
    elif action == "rule_add":
        value = (p.get("min_value_at_risk") or "").replace(" ", "").replace(",", ".")
        try:
            min_value = Decimal(value) if value else None
        except InvalidOperation as exc:
            raise InvalidInputError(_("The value at risk must be a number.")) from exc
        user = None
        if p.get("owner_user"):
            m = Membership.objects.filter(workspace=ws, user_id=p["owner_user"]).first()
            user = m.user if m else None
        routing_rule_create(
            workspace=ws,
            touchpoint_code=p.get("touchpoint_code", "").strip(),
            unit=_unit(request, p.get("unit", "")),
            segment=p.get("segment", "").strip(),
            theme=p.get("theme", "").strip(),
            min_value_at_risk=min_value,
            owner_unit=_unit(request, p.get("owner_unit", "")),
            owner_user=user,
        )
    elif action == "rule_delete":
        routing_rule_delete(workspace=ws, pk=int(p.get("pk") or 0))
    elif action == "webhook_add":
        webhook_create(
            workspace=ws,
            url=p.get("url", ""),
            format=p.get("format", WebhookFormat.JSON),
            events=p.get("events", ""),
        )
    elif action == "webhook_delete":
        webhook_delete(workspace=ws, pk=int(p.get("pk") or 0))
    elif action == "retry":
        delivery_retry(workspace=ws, pk=int(p.get("pk") or 0))
    else:
        raise InvalidInputError(_("Unknown action."))


def _webhook_test_post(request: HttpRequest) -> None:
    """Send the test payload now and say what the receiver answered (it is in the log too)."""
    try:
        d = webhook_test(workspace=request.workspace, pk=int(request.POST.get("pk") or 0))
    except (InvalidInputError, ValueError) as exc:
        messages.error(request, str(exc))
        return
    if d.status == DeliveryStatus.SENT:
        messages.success(
            request,
            _("Test webhook sent to %(url)s: the receiver answered HTTP %(code)s.")
            % {"url": d.recipient, "code": d.response_code},
        )
    else:
        messages.error(
            request,
            _("Test webhook to %(url)s failed: %(error)s")
            % {"url": d.recipient, "error": d.last_error},
        )


@workspace_view(allow=can_configure)
@require_http_methods(["GET", "POST"])
def cases_settings(request: HttpRequest) -> HttpResponse:
    ws = request.workspace
    if request.method == "POST" and request.POST.get("action") == "webhook_test":
        _webhook_test_post(request)
        return redirect("cases_settings", ws.slug)
    if request.method == "POST":
        try:
            _settings_post(request)
            messages.success(request, _("Saved."))
        except (InvalidInputError, ValueError) as exc:
            messages.error(request, str(exc))
        return redirect("cases_settings", ws.slug)
    context = {
        "settings_obj": case_settings_get(workspace=ws),
        "rules": routing_rule_list(workspace=ws),
        "units": Unit.objects.filter(workspace=ws).order_by("code"),
        "touchpoints": Touchpoint.objects.filter(workspace=ws),
        "members": Membership.objects.filter(workspace=ws).select_related("user"),
        "webhooks": WebhookEndpoint.objects.filter(workspace=ws),
        "formats": WebhookFormat.choices,
        "events": EVENTS,
        "deliveries": Delivery.objects.filter(workspace=ws).select_related("endpoint")[:LOG_SHOWN],
    }
    return render(request, "cases/settings.html", context)


@workspace_view()
@require_http_methods(["GET", "POST"])
def case_groups_view(request: HttpRequest) -> HttpResponse:
    """Root causes: cases that share a theme, a touchpoint or a seam; make one an initiative."""
    ws = request.workspace
    visible = case_list(workspace=ws, scope=request.scope, user_id=request.user.pk)
    groups = case_groups(visible, workspace=ws, language=get_language() or "en")
    if request.method == "POST":
        kind, key = request.POST.get("kind", ""), request.POST.get("key", "")
        group = next((g for g in groups if g.kind == kind and g.key == key), None)
        if not (can_act(request.membership) and request.membership.role != "frontline"):
            messages.error(request, _("Your role may not start initiatives."))
        elif kind not in KINDS or group is None:
            messages.error(request, _("Choose a group of cases first."))
        else:
            try:
                initiative = case_group_to_initiative(
                    workspace=ws, group=group, title=request.POST.get("title", ""), by=request.user
                )
                messages.success(
                    request, _("Initiative created from %(n)s cases.") % {"n": group.n}
                )
                return redirect("initiative_detail", ws.slug, initiative.pk)
            except InvalidInputError as exc:
                messages.error(request, str(exc))
        return redirect("case_groups", ws.slug)
    existing: set[str] = set()
    try:
        from cxray.web.initiatives.models import Initiative

        existing = set(
            Initiative.objects.filter(workspace=ws, source__startswith="cases:").values_list(
                "source", flat=True
            )
        )
    except (ImportError, LookupError):  # the initiatives app is optional here
        pass
    by_kind = {k: [g for g in groups if g.kind == k] for k in KINDS}
    return render(
        request,
        "cases/groups.html",
        {"by_kind": by_kind, "existing": existing, "user_model": get_user_model()},
    )
