"""Copy a workspace's survey answers to the analytics store again, from the app database.

The app database is the record of every answer; the analytics store holds a copy made by the
background sync. When the copy is in doubt (a store restored from an older backup, a file
moved between machines, a bug), this rebuilds it: the store's survey rows of the workspace
are dropped and every answer is copied again.

A kill at any point leaves nothing lost. The answers are first marked "not copied" in the app
database; only then are the store's rows dropped, and the copy marks each batch done after
the store has it. Whatever a kill interrupts, the next sync (the server's first round after a
start, or this command again) copies what is marked "not copied", and the store never takes
a row twice.
"""

from __future__ import annotations

from cxray.analytics.store import AnalyticsStore
from cxray.web.analytics_store import analytics
from cxray.web.surveys.models import SurveyResponse
from cxray.web.surveys.services import responses_sync
from cxray.web.workspaces.models import Workspace

ROW_KEY_PREFIX = "survey-response-"


def responses_resync(*, workspace: Workspace) -> int:
    """Rebuild the workspace's survey answers in the analytics store; return how many were
    copied (every answer the app database holds for the workspace)."""
    # Holding the store for the whole rebuild keeps the background sync of this process out
    # until the copy is complete (the store's lock is re-entrant).
    with analytics() as store:
        SurveyResponse.objects.filter(workspace=workspace).update(synced_at=None)
        for table, column in (("responses", "row_key"), ("benchmark_ratings", "row_key")):
            _delete_survey_rows(store, table, workspace.slug, column)
        store.mark_changed(workspace.slug)
        return responses_sync(workspace=workspace)


def _delete_survey_rows(store: AnalyticsStore, table: str, workspace: str, column: str) -> None:
    """Every row of ``table`` the survey sync wrote for ``workspace`` (imported feedback has
    other row keys and stays)."""
    if store.is_duckdb:
        store.raw.execute(
            f'DELETE FROM "{table}" WHERE workspace = ? AND starts_with("{column}", ?)',
            [workspace, ROW_KEY_PREFIX],
        )
        return
    # Ibis has no DELETE; other engines take raw SQL with quoted literals (quotes doubled).
    ws = workspace.replace("'", "''")
    store.con.raw_sql(
        f"DELETE FROM {table} WHERE workspace = '{ws}' AND {column} LIKE '{ROW_KEY_PREFIX}%'"
    )
