"""Cases for feedback imported from files, on request: "open cases for answers of the last N days".

An imported file is mostly history, so by default it opens nothing. Asked to, the rows of the
last N days go through the same rule as a live answer (``case_open_for_feedback``: low score or
negative comment, routing, deadline, joining the customer's open case). Each row that opened or
joined a case is remembered by its content key, so importing the file again opens nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pyarrow as pa
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxray.analytics.anonymity import EMPLOYEE_METRICS
from cxray.errors import InvalidInputError
from cxray.web.cases.models import ImportCaseCheck, ImportedFeedback
from cxray.web.cases.services import FeedbackItem, case_open_for_feedback, text_facts
from cxray.web.workspaces.models import Workspace

if TYPE_CHECKING:
    from cxray.web.imports.models import ImportRun

MAX_DAYS = 365


@dataclass(frozen=True)
class ImportedCases:
    days: int
    checked: int  # rows of the window looked at (customers' answers not seen before)
    opened: int
    joined: int  # joined a case already open for the same customer and touchpoint or theme

    def as_dict(self) -> dict[str, int]:
        return {
            "days": self.days,
            "checked": self.checked,
            "opened": self.opened,
            "joined": self.joined,
        }


def open_cases_days_clean(value: object) -> int | None:
    """The "open cases for answers of the last N days" option: None (off) or 1..MAX_DAYS."""
    if value is None or value == "" or value == 0 or value == "0":
        return None
    try:
        days = int(str(value).strip())
    except ValueError:
        days = -1
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInputError(
            _(
                "open cases for answers of the last N days: %(value)s is not a whole number "
                "of days from 1 to %(max)s (leave it blank to open no cases)"
            )
            % {"value": repr(value), "max": MAX_DAYS}
        )
    return days


def _text(value: object) -> str:
    return "" if value is None else str(value)


def cases_open_for_import(
    *,
    workspace: Workspace,
    table: pa.Table,
    days: int,
    import_run: ImportRun | None = None,
    now: datetime | None = None,
) -> ImportedCases:
    """Open (or join) cases for the imported feedback rows answered in the last ``days`` days.

    ``table`` is the canonical ``responses`` table of the file (cxray.ingest). Rows without a
    date, older than the window, or from employees (eNPS, internal NPS, a respondent employee)
    are left alone; so are rows that already opened or joined a case in an earlier import.
    """
    days = open_cases_days_clean(days) or 0
    if not days:
        raise InvalidInputError(_("give the number of days to open cases for"))
    now = now or timezone.now()
    # The store keeps local wall-clock times without a zone (see cxray.web.analytics_store).
    since = timezone.localtime(now).replace(tzinfo=None) - timedelta(days=days)
    rows = [
        r
        for r in table.select([c for c in table.column_names if c in _COLUMNS]).to_pylist()
        if r.get("at") is not None
        and r["at"] >= since
        and (r.get("metric") or "") not in EMPLOYEE_METRICS
        and not r.get("respondent_employee_id")
        and r.get("row_key")
    ]
    seen = set(
        ImportedFeedback.objects.filter(
            workspace=workspace, row_key__in=[r["row_key"] for r in rows]
        ).values_list("row_key", flat=True)
    )
    rows = [r for r in rows if r["row_key"] not in seen]
    items = [
        FeedbackItem(
            metric=_text(r.get("metric")),
            score=r.get("score"),
            comment=_text(r.get("comment")),
            follow_up=_text(r.get("follow_up")),
            customer_id=_text(r.get("customer_id")),
            touchpoint_code=_text(r.get("touchpoint_id")),
            unit_code=_text(r.get("unit_id")),
            employee_code=_text(r.get("employee_id")),
        )
        for r in rows
    ]
    opened = joined = 0
    # Oldest first: a customer's later answers join the case their first one opened.
    order = sorted(range(len(rows)), key=lambda i: rows[i]["at"])
    facts = text_facts([it.text for it in items])
    for i in order:
        try:
            with transaction.atomic():
                case, was_joined = case_open_for_feedback(
                    workspace=workspace, item=items[i], facts=facts[i], now=now
                )
                if case is None:
                    continue
                ImportedFeedback.objects.create(
                    workspace=workspace,
                    row_key=rows[i]["row_key"],
                    case=case,
                    import_run=import_run,
                    joined=was_joined,
                )
        except IntegrityError:
            # The same row imported at the same moment by someone else: theirs counts.
            continue
        opened += not was_joined
        joined += was_joined
    result = ImportedCases(days=days, checked=len(rows), opened=opened, joined=joined)
    if import_run is not None and import_run.pk:
        ImportCaseCheck.objects.update_or_create(
            import_run=import_run,
            defaults={"days": days, "checked": result.checked, "opened": opened, "joined": joined},
        )
    return result


_COLUMNS = (
    "row_key",
    "at",
    "metric",
    "score",
    "comment",
    "follow_up",
    "customer_id",
    "respondent_employee_id",
    "touchpoint_id",
    "unit_id",
    "employee_id",
)


def import_case_check(*, import_run: ImportRun) -> dict[str, int] | None:
    """What the import did about cases (days, checked, opened, joined); None if not asked."""
    check = ImportCaseCheck.objects.filter(import_run=import_run).first()
    if check is None:
        return None
    return ImportedCases(
        days=check.days, checked=check.checked, opened=check.opened, joined=check.joined
    ).as_dict()
