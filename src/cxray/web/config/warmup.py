"""Warming the web server up behind its back, so that nobody's first page pays for imports.

Django imports the URLconf, and with it every view, the API and the analytics they use
(pandas, Ibis, scipy.stats), on the first request; the churn page imports lifelines on its
first visit. That is seconds of CPU (docs/production.md, "First page after a start"). The
server starts listening at once and a background thread does these imports meanwhile.

The first requests wait for the URLconf stage (they would have to import it anyway): two
threads importing the same package graph at once can hand one of them a half-initialised
module when the graph has an import cycle, and that is not worth a few milliseconds.
``CXRAY_WARM_UP=0`` turns it all off (use it with ``gunicorn --preload``: a thread that is
importing when the master forks would leave the workers' import locks held).
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

# Imported lazily by the pages that need them, so that the command line stays quick; a
# server will need them sooner or later. A missing optional extra is skipped.
LAZY_MODULES = ("scipy.stats", "lifelines")
# The longest a request waits for the URLconf stage before going on by itself.
GATE_TIMEOUT_S = 120.0

WsgiApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]


def warm_up_enabled() -> bool:
    return os.environ.get("CXRAY_WARM_UP", "1").strip().lower() not in {"0", "false", "no", "off"}


def warm_up_urls() -> float:
    """Import the URLconf (every view and the API); return the seconds it took."""
    from django.urls import get_resolver

    started = time.perf_counter()
    get_resolver().url_patterns  # noqa: B018 (the attribute access is the import)
    return time.perf_counter() - started


def warm_up_modules(names: Iterable[str] = LAZY_MODULES) -> float:
    """Import the modules pages load lazily and the translation catalogues; the seconds."""
    from django.conf import settings
    from django.utils.translation import trans_real

    started = time.perf_counter()
    for code, _name in settings.LANGUAGES:
        trans_real.translation(code)
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            log.info("warm-up: %s is not installed, skipped", name)
    return time.perf_counter() - started


class WarmedUp:
    """A WSGI application that starts the warm-up thread and holds the first requests until
    its URLconf stage is over; afterwards one Event check per request."""

    def __init__(self, app: WsgiApp, *, modules: Iterable[str] = LAZY_MODULES) -> None:
        self.app = app
        self.urls_ready = threading.Event()
        self.done = threading.Event()
        self.seconds: dict[str, float] = {}
        self._modules = tuple(modules)
        self.thread = threading.Thread(target=self._run, name="cxray-warm-up", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.seconds["urls"] = warm_up_urls()
        except Exception:  # the first request raises it again, where it is seen and logged
            log.exception("warm-up: importing the URLconf failed")
        finally:
            self.urls_ready.set()
        try:
            self.seconds["modules"] = warm_up_modules(self._modules)
        except Exception:
            log.exception("warm-up: importing the lazily loaded modules failed")
        finally:
            self.done.set()
        log.info("warm-up done: %s", {k: round(v, 2) for k, v in self.seconds.items()})

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not self.urls_ready.is_set():
            self.urls_ready.wait(GATE_TIMEOUT_S)
        return self.app(environ, start_response)


def warm_up_in_background(app: WsgiApp) -> WsgiApp:
    """``app`` wrapped in :class:`WarmedUp`, or ``app`` itself when CXRAY_WARM_UP=0."""
    return WarmedUp(app) if warm_up_enabled() else app
