"""Reading the audit log: filtered lists and the CSV export (spreadsheet-safe)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from cxray.web.audit.models import AuditEvent
from cxray.web.workspaces.export import neutralise
from cxray.web.workspaces.models import Workspace

CSV_COLUMNS = [
    "at",
    "actor",
    "via",
    "kind",
    "action",
    "object_type",
    "object_id",
    "detail",
    "ip",
]


def audit_event_list(
    *,
    workspace: Workspace,
    action: str = "",
    actor: str = "",
    kind: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """The workspace's events, newest first; ``until`` includes that whole day."""
    events = AuditEvent.objects.filter(workspace_slug=workspace.slug)
    if action:
        events = events.filter(action__startswith=action)
    if actor:
        events = events.filter(actor__icontains=actor)
    if kind:
        events = events.filter(kind=kind)
    tz = timezone.get_current_timezone()
    if since:
        events = events.filter(at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        events = events.filter(
            at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz)
        )
    return events


def audit_actions(*, workspace: Workspace) -> list[str]:
    return sorted(
        set(
            AuditEvent.objects.filter(workspace_slug=workspace.slug).values_list(
                "action", flat=True
            )
        )
    )


def audit_event_row(event: AuditEvent) -> dict[str, str]:
    return {
        "at": timezone.localtime(event.at).isoformat(timespec="seconds"),
        "actor": event.actor,
        "via": event.via,
        "kind": event.kind,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "detail": event.detail,
        "ip": event.ip,
    }


def audit_csv(events: Iterable[AuditEvent]) -> str:
    """UTF-8 CSV with a BOM (Excel shows Cyrillic); formula-like cells are neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        row = audit_event_row(event)
        writer.writerow([neutralise(row[c]) for c in CSV_COLUMNS])
    return "\ufeff" + out.getvalue()
