"""Answers counted per day, dimension and score value: dashboard scores from a small table.

A score needs only how many answers had each value, so the ``score_rollup`` table keeps one
row per (workspace, day, every dimension of ``responses``, customer segment, score) with the
count in ``n``; :mod:`cxray.analytics.scores` reads it with ``weight="n"`` and gives exactly
the figures it gives on the answers. Ten million answers over two years and eight segments
become some sixty thousand rows.

The rollup is rebuilt per workspace when it is read after that workspace's data changed: the
store keeps a version per workspace that every write changes (:meth:`AnalyticsStore.version`)
and the rollup remembers the version it was built from, so no writer has to know about it.
DuckDB only; other engines read the answers (a warehouse has its own aggregates).
"""

from __future__ import annotations

import weakref

import ibis

from cxray.analytics.schema import TABLES
from cxray.analytics.store import AnalyticsStore

ROLLUP = "score_rollup"
_STATE = "_cx_rollup_state"
_ready: weakref.WeakSet[AnalyticsStore] = weakref.WeakSet()  # stores whose tables are checked
# Per-answer columns that would make every row unique; the day replaces the timestamp.
_NOT_DIMENSIONS = {"row_key", "response_id", "customer_id", "comment", "follow_up", "at", "score"}


def dimensions() -> list[str]:
    """The columns of ``responses`` kept in the rollup (new schema columns join by default)."""
    return [c for c in TABLES["responses"].names if c not in _NOT_DIMENSIONS]


def score_rollup(store: AnalyticsStore, workspace: str) -> ibis.Table | None:
    """The rollup of one workspace, fresh; ``None`` where the engine has no rollup.

    Columns: the :func:`dimensions`, ``at`` (the day, as a timestamp at midnight), ``segment``
    (the customer's), ``score`` and ``n`` (how many answers).
    """
    if not store.is_duckdb:
        return None
    con = store.raw
    if store not in _ready:
        _ensure(store)
        _ready.add(store)
    version = store.version(workspace)
    built = con.execute(f"SELECT version FROM {_STATE} WHERE workspace = ?", [workspace]).fetchone()
    if built is None or built[0] != version:
        _rebuild(store, workspace, version)
    t = store.con.table(ROLLUP)
    return t.filter(t.workspace == workspace)


def _schema() -> ibis.Schema:
    responses = TABLES["responses"]
    return ibis.schema(
        {
            **{c: responses[c] for c in dimensions()},
            "at": "timestamp",
            "segment": "string",
            "score": "float64",
            "n": "int64",
        }
    )


def _ensure(store: AnalyticsStore) -> None:
    schema = _schema()
    if ROLLUP in store.con.list_tables() and store.con.get_schema(ROLLUP).names != schema.names:
        # The responses schema grew: the old rollup cannot hold the new dimension.
        store.con.drop_table(ROLLUP)
        store.raw.execute(f"DROP TABLE IF EXISTS {_STATE}")
    if ROLLUP not in store.con.list_tables():
        store.con.create_table(ROLLUP, schema=schema)
    store.raw.execute(
        f"CREATE TABLE IF NOT EXISTS {_STATE} (workspace VARCHAR PRIMARY KEY, version BIGINT)"
    )


def _rebuild(store: AnalyticsStore, workspace: str, version: int) -> None:
    dims = ", ".join(f'r."{c}"' for c in dimensions())
    with store.transaction():
        con = store.raw
        con.execute(f"DELETE FROM {ROLLUP} WHERE workspace = ?", [workspace])
        con.execute(
            f"""
            INSERT INTO {ROLLUP}
            SELECT {dims}, CAST(CAST(r."at" AS DATE) AS TIMESTAMP), c.segment, r.score, count(*)
            FROM responses r
            LEFT JOIN customers c ON c.workspace = r.workspace AND c.customer_id = r.customer_id
            WHERE r.workspace = ? AND r.score IS NOT NULL
            GROUP BY ALL
            """,
            [workspace],
        )
        con.execute(
            f"INSERT OR REPLACE INTO {_STATE} VALUES (?, ?)",
            [workspace, version],
        )
