"""Keeping the analysed texts up to date, without making anyone wait for it."""

from __future__ import annotations

import logging
import threading
from typing import Any

from cxray.analytics.text_report import text_fill
from cxray.web.analytics_store import analytics

log = logging.getLogger(__name__)
STEP = 1_000  # texts per turn; the store lock is released between turns so pages stay fast
_running: set[str] = set()
_guard = threading.Lock()


def text_fill_now(*, workspace_slug: str, limit: int | None = None, memory: Any = None) -> int:
    """Analyse new texts; ``memory`` (people's verdicts on codes) is read when not given."""
    if memory is None:
        memory = _memory(workspace_slug)
    with analytics() as store:
        return text_fill(store, workspace_slug, limit=limit, memory=memory)


def _memory(workspace_slug: str) -> Any:
    from cxray.web.themes.services import coding_memory
    from cxray.web.workspaces.models import Workspace

    # Built before the store is locked: it reads the store itself.
    return coding_memory(workspace=Workspace.objects.get(slug=workspace_slug))


def text_fill_background(*, workspace_slug: str) -> None:
    """Analyse a workspace's new comments in a daemon thread, one small turn at a time."""
    with _guard:
        if workspace_slug in _running:
            return
        _running.add(workspace_slug)

    def run() -> None:
        try:
            memory = _memory(workspace_slug)  # once per run, not once per turn
            while text_fill_now(workspace_slug=workspace_slug, limit=STEP, memory=memory):
                pass
        except Exception:  # a background job must not die silently
            log.exception("text analysis of workspace %s failed", workspace_slug)
        finally:
            with _guard:
                _running.discard(workspace_slug)

    threading.Thread(target=run, name=f"cxray-text-{workspace_slug}", daemon=True).start()


def text_fill_running(*, workspace_slug: str) -> bool:
    with _guard:
        return workspace_slug in _running


def analyse_new_texts(*, workspace_slug: str, how: str | None = None) -> None:
    """Analyse new comments now, in the background, or not ("off"), as configured."""
    from django.conf import settings

    how = how or settings.CXRAY_TEXT_ANALYSIS
    if how == "now":
        text_fill_now(workspace_slug=workspace_slug)
    elif how == "background":
        text_fill_background(workspace_slug=workspace_slug)
