"""Content-Security-Policy: pages run only our own scripts and load only our own files.

- Pages: scripts from our static files, or inline ones carrying this response's nonce
  (``<script nonce="{{ request.csp_nonce }}">``); styles from our files plus inline style
  attributes (the charts size bars with them; CSS cannot run code); images from us and
  ``data:``; no plugins, no framing by other sites, forms post only to us.
- The survey widget's endpoint ``/s/<token>/widget`` answers JSON to scripts on other
  sites (CORS, no cookies); its responses get the strictest policy, ``default-src 'none'``.
  ``widget.js`` itself is a static file, loaded by the other site's page under that site's
  own policy.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Inline event handlers in our templates, allowed one by one by their hash ('unsafe-hashes'):
# the language menu in base.html and the print button of the journey map. A new handler
# must be added here (tests/web/security/test_headers.py finds every one in the templates).
INLINE_HANDLERS = ("this.form.submit()", "window.print()")


def _hash(source: str) -> str:
    digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
    return f"'sha256-{digest}'"


HANDLER_HASHES = " ".join(_hash(h) for h in INLINE_HANDLERS)


def page_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}' 'unsafe-hashes' {HANDLER_HASHES}",
            "style-src 'self' 'unsafe-inline'",
            # data: and blob: for the PNG/SVG downloads that export.js and journeys.js draw.
            "img-src 'self' data: blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


# SVG can carry scripts; JSON is never a page. Neither may run or load anything.
DATA_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
DATA_TYPES = ("application/json", "image/svg+xml")


class ContentSecurityPolicyMiddleware:
    """Sets ``request.csp_nonce`` and the policy header on every response that has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html"):
            response["Content-Security-Policy"] = page_policy(nonce)
        elif content_type.startswith(DATA_TYPES):
            response["Content-Security-Policy"] = DATA_POLICY
        # Downloads (CSV, zip, PDF) get none: a policy would only stop the browser's PDF viewer.
        return response
