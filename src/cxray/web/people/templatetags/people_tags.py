"""``{% people_alerts %}``: the attachment alerts on the home page, from the cache only."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from cxray.web.people.selectors import attachment_report_if_ready

register = template.Library()


@register.inclusion_tag("people/_home_alerts.html", takes_context=True)
def people_alerts(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    ws = getattr(request, "workspace", None)
    scope = getattr(request, "scope", None)
    if ws is None or scope is None or scope.employee_ids is not None:
        return {"alerts": []}
    report = attachment_report_if_ready(workspace=ws, scope=scope, as_of=timezone.localdate())
    if report is None:
        return {"alerts": []}
    leaving = [a for a in report.alerts if a.leaving]
    return {
        "alerts": (leaving or report.alerts)[:3],
        "workspace": ws,
        "currency": ws.currency,
    }
