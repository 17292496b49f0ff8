"""The survey intake's hook: a new answer is checked for a case in a background thread.

Opening a case takes a dozen queries and the comment's text analysis; done inline it made an
answer take 59 ms instead of 8 ms (median, 2-core dev machine under load,
benchmarks/case_intake.py). Queued, the request only appends the answer's id and returns
(9.4 ms against 7.9 ms median in the same run). One
thread per process works the queue; the worker's ``cases_intake`` job opens any case this
missed (a restart with ids still queued).

The thread takes what has queued up, up to ``BATCH_MAX`` answers, as one batch
(``case_intake_responses``: reads once, one ``analyze`` call, one transaction), after waiting
up to ``LINGER_S`` for more to arrive: each answer then costs a tenth of a check of its own
(docs/decisions/0017). A batch that fails goes again one answer at a time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)

RETRY_WAITS_S = (0.2, 0.5, 1.0, 2.0, 0.0)
# The thread waits this long after an answer arrives so that the ones right behind it share
# its batch; cases are due in hours, so a second's delay costs nothing.
LINGER_S = 1.0
# A bound on one batch's transaction, which holds the answers' write lock: about 1 ms per
# new case (inserts and the alert's text), so 50 keep an answer's wait near 50 ms; larger
# batches save little more (1.8 ms of CPU an answer at 50, 1.1 at 200, 20 one by one).
BATCH_MAX = 50
_state = threading.Condition()
_pending: deque[int] = deque()
_busy = False
_thread: threading.Thread | None = None


def _inline() -> bool:
    # Tests: the test transaction is invisible to another thread's connection.
    return bool(
        getattr(settings, "CXRAY_CASES_INLINE", False)
        or getattr(settings, "CXRAY_SURVEY_SYNC_INLINE", False)
    )


def case_intake_soon(response_id: int, workspace_id: int) -> None:
    """Check the answer for a case shortly. Never raises, never waits."""
    from cxray.web.cases.services import case_intake_response, case_intake_responses

    if _inline():
        if not case_intake_responses([response_id]):
            case_intake_response(response_id)
        return
    if _elsewhere and not _needs_facts(workspace_id):
        return  # the checker process reads it from the database (``cases_follow``)
    global _thread
    with _state:
        _pending.append(response_id)
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_work, name="case-intake", daemon=True)
            _thread.start()
        _state.notify_all()


def _work() -> None:
    global _busy
    while True:
        with _state:
            while not _pending:
                _state.wait()
            _busy = True
            # Wait for the answers right behind, unless a full batch is there already (a
            # backlog is worked without pauses).
            end = time.monotonic() + LINGER_S
            while len(_pending) < BATCH_MAX and (left := end - time.monotonic()) > 0:
                _state.wait(timeout=left)
            batch = [_pending.popleft() for _i in range(min(len(_pending), BATCH_MAX))]
        try:
            _check(batch)
        finally:
            close_old_connections()
            with _state:
                _busy = False
                _state.notify_all()


def _check(batch: list[int]) -> list[int]:
    """Check the answers, in one batch or else one by one; return those that failed."""
    from cxray.web.cases.services import case_intake_response, case_intake_responses

    # A write lock held by another process (SQLite) fails a try: try again soon.
    for wait in RETRY_WAITS_S[:2]:
        if case_intake_responses(batch):
            return []
        close_old_connections()
        time.sleep(wait)
    failed = []
    for response_id in batch:
        for wait in RETRY_WAITS_S:
            if case_intake_response(response_id):
                break
            close_old_connections()
            time.sleep(wait)
        else:
            failed.append(response_id)
    return failed


def case_intake_wait(timeout: float = 10.0) -> bool:
    """Block until the queue is empty (tests, a clean shutdown); False on timeout."""
    end = time.monotonic() + timeout
    with _state:
        while _pending or _busy:
            left = end - time.monotonic()
            if left <= 0:
                return False
            _state.wait(timeout=min(left, 0.05))
    return True


# --- the checker process ---------------------------------------------------------------------
# Under a stream of answers the checks took the web process's one interpreter lock in stretches
# of tens of milliseconds, and every request waited behind them: `cxray serve` runs them in a
# second process (`cxray worker --cases-only`) that reads the answers no check has looked at
# yet (``SurveyResponse.case_checked_at``, docs/decisions/0017). Only answers of workspaces
# whose routing rules need customer facts stay here: those facts are in the analytics store,
# which this process holds.
FACTS_CACHE_S = 5.0
# Smaller than BATCH_MAX: a batch's transaction holds the write lock that the answers queue
# for, and this process has a core of its own for the per-batch reads (docs/decisions/0017).
FOLLOW_BATCH = 20
_elsewhere = False
_facts_cache: dict[int, tuple[float, bool]] = {}
_given_up: set[int] = set()


def case_checks_elsewhere(on: bool = True) -> None:
    """Leave the answers' case checks to a checker process (set by `cxray serve`)."""
    global _elsewhere
    _elsewhere = on
    _facts_cache.clear()


def _needs_facts(workspace_id: int) -> bool:
    from cxray.web.cases.services import workspaces_needing_facts

    now = time.monotonic()
    found = _facts_cache.get(workspace_id)
    if found is None or now - found[0] > FACTS_CACHE_S:
        try:
            needs = workspace_id in workspaces_needing_facts({workspace_id})
        except Exception:  # the database away for a moment: check here, to be safe
            log.warning("reading the routing rules of workspace %s failed", workspace_id)
            return True
        found = _facts_cache[workspace_id] = (now, needs)
    return found[1]


def cases_follow_once(*, limit: int = FOLLOW_BATCH) -> int:
    """Check the oldest answers no check has looked at yet, up to ``limit``; return how many.

    Answers of workspaces that need customer facts are left to the web process (see above);
    a race with a rule edited at that moment is settled by the one case link an answer may
    have. An answer that failed every try is not tried again by this process (the scheduled
    ``cases_intake`` job still will), so that it cannot hold up the ones behind it.
    """
    from django.utils import timezone

    from cxray.web.cases.services import INTAKE_HORIZON, workspaces_needing_facts
    from cxray.web.surveys.models import SurveyResponse

    unchecked = SurveyResponse.objects.filter(
        case_checked_at__isnull=True, created_at__gte=timezone.now() - INTAKE_HORIZON
    )
    facts = workspaces_needing_facts(
        set(unchecked.order_by().values_list("workspace_id", flat=True).distinct())
    )
    batch = list(
        unchecked.exclude(workspace_id__in=facts)
        .exclude(pk__in=_given_up)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if batch:
        _given_up.update(_check(batch))
    return len(batch)


def cases_follow(*, stop: Callable[[], bool] = lambda: False) -> None:
    """``cases_follow_once`` until ``stop()``: a full batch at once, otherwise once every
    ``LINGER_S``, so the answers that arrive together share one batch."""
    while not stop():
        try:
            n = cases_follow_once()
        except Exception:  # the database away for a moment: try again in a while
            log.exception("checking new answers for cases failed")
            n = 0
        finally:
            close_old_connections()
        if n < FOLLOW_BATCH:
            time.sleep(LINGER_S)
