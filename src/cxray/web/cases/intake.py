"""The survey intake's hook: a new answer is checked for a case in a background thread.

Opening a case takes a dozen queries and the comment's text analysis; done inline it made an
answer take 59 ms instead of 8 ms (median, 2-core dev machine under load,
benchmarks/case_intake.py). Queued, the request only appends the answer's id and returns
(9.4 ms against 7.9 ms median in the same run). One
thread per process works the queue; the worker's ``cases_intake`` job opens any case this
missed (a restart with ids still queued).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)

RETRY_WAITS_S = (0.2, 0.5, 1.0, 2.0, 0.0)
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


def case_intake_soon(response_id: int) -> None:
    """Check the answer for a case shortly. Never raises, never waits."""
    from cxray.web.cases.services import case_intake_response

    if _inline():
        case_intake_response(response_id)
        return
    global _thread
    with _state:
        _pending.append(response_id)
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_work, name="case-intake", daemon=True)
            _thread.start()
        _state.notify_all()


def _work() -> None:
    from cxray.web.cases.services import case_intake_response

    global _busy
    while True:
        with _state:
            while not _pending:
                _state.wait()
            batch = list(_pending)
            _pending.clear()
            _busy = True
        try:
            for response_id in batch:
                # A write lock held by a request (SQLite) fails the first try: try again soon.
                for wait in RETRY_WAITS_S:
                    if case_intake_response(response_id):
                        break
                    close_old_connections()
                    time.sleep(wait)
        finally:
            close_old_connections()
            with _state:
                _busy = False
                _state.notify_all()


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
