"""The scheduler behind ``cxray worker``: a few jobs, each with a bookmark in the database.

A job reads its bookmark, does the work after it, and stores the new bookmark in the same
transaction as its effects, so a worker killed and restarted goes on where it stopped and
never sends twice (the outbox keys are unique as a second guard).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import close_old_connections, transaction
from django.utils import timezone

from cxray.web.notifications.models import JobBookmark

log = logging.getLogger(__name__)


def _cases_intake(position: dict, now: datetime) -> tuple[dict, Any]:
    from cxray.web.cases.services import cases_intake

    since = datetime.fromisoformat(position["since"]) if position.get("since") else None
    n = cases_intake(since=since, now=now)
    return {"since": now.isoformat()}, n


def _escalation(position: dict, now: datetime) -> tuple[dict, Any]:
    from cxray.web.cases.services import cases_escalate_overdue

    done = cases_escalate_overdue(now=now)
    return {"last_run": now.isoformat()}, len(done)


def _digest(position: dict, now: datetime) -> tuple[dict, Any]:
    from cxray.web.notifications.digest import digests_due

    days = digests_due(sent_days=position.get("days", {}), now=now)
    return {"days": days}, days


def _deliveries(position: dict, now: datetime) -> tuple[dict, Any]:
    from cxray.web.notifications.services import deliveries_send_due

    counts = deliveries_send_due(now=now)
    return {"last_run": now.isoformat()}, counts


# Order matters: new cases and escalations queue notifications that the last job sends.
JOBS: dict[str, Callable[[dict, datetime], tuple[dict, Any]]] = {
    "cases_intake": _cases_intake,
    "escalation": _escalation,
    "digest": _digest,
    "deliveries": _deliveries,
}


# Jobs that write as they go, one transaction per item, and may repeat items after a failure:
# sending talks to the network, and the case intake must not hold SQLite's one write lock over
# minutes of answers while respondents wait to store theirs (answers failed with "database is
# locked" under load).
UNWRAPPED = frozenset({"deliveries", "cases_intake"})


def job_run(name: str, *, now: datetime | None = None) -> Any:
    """Run one job once, from its bookmark; return what it reports."""
    now = now or timezone.now()
    bookmark, _ = JobBookmark.objects.get_or_create(name=name)
    try:
        if name in UNWRAPPED:
            position, result = JOBS[name](bookmark.position, now)
        else:
            with transaction.atomic():
                position, result = JOBS[name](bookmark.position, now)
                JobBookmark.objects.filter(pk=bookmark.pk).update(position=position)
    except Exception as exc:
        log.exception("scheduled job %s failed", name)
        JobBookmark.objects.filter(pk=bookmark.pk).update(
            last_error=f"{type(exc).__name__}: {exc}"[:2000], last_run_at=now
        )
        return None
    bookmark.position, bookmark.last_run_at, bookmark.last_error = position, now, ""
    bookmark.runs += 1
    bookmark.save(update_fields=["position", "last_run_at", "last_error", "runs"])
    return result


def run_once(*, now: datetime | None = None) -> dict[str, Any]:
    """Every job once, in order."""
    return {name: job_run(name, now=now) for name in JOBS}


def run_forever(
    *,
    interval_s: float = 30.0,
    stop: Callable[[], bool] | None = None,
    release_store: bool = False,
) -> None:
    """Run every job, sleep, repeat; a failing job is logged and retried at the next round.

    ``release_store``: close the analytics store after each round. A separate worker process
    must, or it would keep the DuckDB file (one writing process per file) from the web app.
    """
    from cxray.web import analytics_store

    while not (stop and stop()):
        try:
            run_once()
        except Exception:  # the database away for a moment: try again next round
            log.exception("a round of scheduled jobs failed")
        close_old_connections()
        if release_store:
            analytics_store.close()
        time.sleep(interval_s)


def start_background(*, interval_s: float = 30.0) -> threading.Thread | None:
    """Run the jobs in a daemon thread of this process (``cxray serve`` in the embedded
    default, so alerts go out without a separate worker). ``CXRAY_WORKER=external`` turns it
    off where a ``cxray worker`` process (or cron with ``--once``) does the work instead."""
    if os.environ.get("CXRAY_WORKER", "").strip().lower() == "external":
        return None
    thread = threading.Thread(
        target=run_forever, kwargs={"interval_s": interval_s}, name="cxray-worker", daemon=True
    )
    thread.start()
    return thread
