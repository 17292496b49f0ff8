"""An in-process sliding-window rate limit for the public survey endpoints.

Per client IP and per survey token, generous by default so a busy reception desk (one IP,
a queue of people answering on one tablet) is never stopped: 60 requests a minute per IP,
600 per survey. CXRAY_SURVEY_RATE_PER_IP, CXRAY_SURVEY_RATE_PER_TOKEN (per minute; Django
settings or environment variables; 0 turns a limit off). Each process counts for itself;
behind several processes the effective limit is that many times higher, which errs on the
side of letting people answer.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque

from django.conf import settings

WINDOW_S = 60.0
MAX_KEYS = 50_000  # beyond this many tracked clients, the idle ones are forgotten

_lock = threading.Lock()
_hits: dict[str, deque[float]] = {}


def _setting(name: str, default: int) -> int:
    """A Django setting, else the environment variable of the same name, else the default."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, "").strip() or default
    return int(value)


def _limits() -> tuple[int, int]:
    return (
        _setting("CXRAY_SURVEY_RATE_PER_IP", 60),
        _setting("CXRAY_SURVEY_RATE_PER_TOKEN", 600),
    )


def _allow(key: str, limit: int, now: float) -> bool:
    hits = _hits.get(key)
    if hits is None:
        if len(_hits) >= MAX_KEYS:
            _forget_idle(now)
        hits = _hits[key] = deque()
    while hits and hits[0] <= now - WINDOW_S:
        hits.popleft()
    if len(hits) >= limit:
        return False
    hits.append(now)
    return True


def _forget_idle(now: float) -> None:
    for key in [k for k, v in _hits.items() if not v or v[-1] <= now - WINDOW_S]:
        del _hits[key]
    if len(_hits) >= MAX_KEYS:
        _hits.clear()


def allow(*, ip: str, token: str, now: float | None = None) -> bool:
    """Count one request; False when the IP or the survey is over its limit this minute."""
    per_ip, per_token = _limits()
    now = time.monotonic() if now is None else now
    with _lock:
        if per_ip and not _allow(f"ip:{ip}", per_ip, now):
            return False
        return not per_token or _allow(f"token:{token[:64]}", per_token, now)


def reset() -> None:
    """Forget every count (tests)."""
    with _lock:
        _hits.clear()
