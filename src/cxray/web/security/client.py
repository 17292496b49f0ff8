"""Who is asking: the client's address, also behind a reverse proxy."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address the trusted proxy saw.

    Behind ``CXRAY_PROXY_COUNT`` reverse proxies the client is the entry that many places
    from the right of X-Forwarded-For; entries further left are written by the client and
    cannot be trusted (a forged header must not dodge the login lockout).
    """
    hops = int(getattr(settings, "CXRAY_PROXY_COUNT", 0) or 0)
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops][:45]
    return (request.META.get("REMOTE_ADDR", "") or "-")[:45]
