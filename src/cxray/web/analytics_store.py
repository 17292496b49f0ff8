"""The web app's one handle on the analytics store.

DuckDB allows one writing process per file and its connection is not safe to share between
threads, so the process keeps one store and serialises access with a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from django.conf import settings

from cxray.analytics.store import AnalyticsStore
from cxray.errors import CxrayError

_lock = threading.RLock()
_store: AnalyticsStore | None = None


class StoreBusyError(CxrayError, RuntimeError):
    """Another process (usually a running `cxray serve`) holds the analytics store."""


@contextmanager
def analytics() -> Iterator[AnalyticsStore]:
    """The process's analytics store, held exclusively for the duration of the block."""
    global _store
    with _lock:
        if _store is None:
            try:
                _store = AnalyticsStore(settings.ANALYTICS_URL)
            except duckdb.IOException as exc:
                raise StoreBusyError(
                    f"the analytics store {settings.ANALYTICS_URL} is in use by another cxray "
                    "process (a running `cxray serve`?); stop it, or do this through its web "
                    f"page or API ({exc})"
                ) from exc
        yield _store


def close() -> None:
    """Release the store (before a restore replaces the file, and in tests)."""
    global _store
    with _lock:
        if _store is not None:
            _store.con.disconnect()
            _store = None
