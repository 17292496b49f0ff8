"""Login throttling: after too many failures a user name is locked for a while from that address.

Per (user name, client address): ``CXRAY_LOGIN_MAX_FAILURES`` failures (5) within
``CXRAY_LOGIN_LOCKOUT_MINUTES`` (15) lock that pair until the window since the last failure
has passed. Counting per address as well as per name means a stranger guessing passwords
does not lock the real user out from the office. The counts live in the app database, so
every web process of a deployment sees the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from cxray.web.security.models import LoginFailure


@dataclass(frozen=True, slots=True)
class Lock:
    until: datetime

    @property
    def minutes_left(self) -> int:
        seconds = (self.until - timezone.now()).total_seconds()
        return max(1, int(seconds // 60) + (1 if seconds % 60 else 0))


def _limits() -> tuple[int, timedelta]:
    failures = int(getattr(settings, "CXRAY_LOGIN_MAX_FAILURES", 5))
    minutes = int(getattr(settings, "CXRAY_LOGIN_LOCKOUT_MINUTES", 15))
    return failures, timedelta(minutes=minutes)


def _key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def login_lock_get(*, username: str, ip: str, now: datetime | None = None) -> Lock | None:
    """The lock on this name from this address, or None when a login may be tried."""
    max_failures, window = _limits()
    if max_failures <= 0:
        return None
    now = now or timezone.now()
    recent = LoginFailure.objects.filter(username=_key(username), ip=ip, at__gt=now - window)
    stats = recent.aggregate(last=Max("at"))
    if stats["last"] is None or recent.count() < max_failures:
        return None
    return Lock(until=stats["last"] + window)


def login_failure_record(*, username: str, ip: str, now: datetime | None = None) -> None:
    now = now or timezone.now()
    _, window = _limits()
    LoginFailure.objects.create(username=_key(username), ip=ip, at=now)
    # Old rows are useless once out of the window; trimming here keeps the table small.
    LoginFailure.objects.filter(at__lt=now - 2 * window).delete()


def login_success_record(*, username: str, ip: str) -> None:
    LoginFailure.objects.filter(username=_key(username), ip=ip).delete()
