"""The daily digest: each manager's open cases, once a day, after CXRAY_DIGEST_HOUR local time."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cxray.web.accounts.models import Membership, Role
from cxray.web.accounts.scope import scope_for
from cxray.web.notifications.services import email_enqueue
from cxray.web.workspaces.models import Workspace

DIGEST_ROLES = (Role.ADMIN, Role.CX_MANAGER, Role.UNIT_MANAGER, Role.FRONTLINE)


def digest_hour() -> int:
    return int(os.environ.get("CXRAY_DIGEST_HOUR", "8"))


def digest_queue(*, workspace: Workspace, day: date, now: datetime) -> int:
    """Queue the digest of ``day`` for every member with open cases in their scope.

    The delivery key carries the day and the user, so queueing a day twice sends it once.
    """
    from cxray.web.cases.selectors import case_list, case_overdue_filter
    from cxray.web.surveys.invitations import public_base_url

    n = 0
    members = Membership.objects.filter(workspace=workspace, role__in=DIGEST_ROLES).select_related(
        "user", "unit", "employee"
    )
    for m in members:
        if not m.user.email:
            continue
        visible = case_list(
            workspace=workspace, scope=scope_for(m), user_id=m.user_id, status="open"
        )
        cases = list(visible.order_by("due_at")[:50])
        if not cases:
            continue
        overdue = set(case_overdue_filter(visible, now=now).values_list("pk", flat=True))
        context = {
            "day": day,
            "n_open": visible.count(),
            "n_overdue": len(overdue),
            "n_new": visible.filter(opened_at__gte=now - timedelta(days=1)).count(),
            "cases": [{"case": c, "overdue": c.pk in overdue} for c in cases],
            "link": f"{public_base_url()}/w/{workspace.slug}/cases/",
        }
        with translation.override(workspace.language):
            subject = _("cxray: your cases on %(day)s") % {"day": day.strftime("%d.%m.%Y")}
            body = render_to_string("cases/mail/digest.txt", context)
        n += email_enqueue(
            workspace=workspace,
            key=f"digest:{workspace.slug}:{day.isoformat()}:{m.user_id}",
            to=m.user.email,
            subject=subject,
            body=body,
            event="digest",
        )
    return n


def digests_due(*, sent_days: dict[str, str], now: datetime | None = None) -> dict[str, str]:
    """Queue today's digest for every workspace whose last digest day (``sent_days``, the
    job's bookmark) is before today, once the local hour has come; return the new bookmark."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < digest_hour():
        return sent_days
    today = local.date().isoformat()
    done = dict(sent_days)
    for ws in Workspace.objects.all():
        if done.get(ws.slug) == today:
            continue
        digest_queue(workspace=ws, day=local.date(), now=now)
        done[ws.slug] = today
    return done
