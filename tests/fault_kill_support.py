"""What the kill tests (tests/ingest/test_fault_kill.py, tests/web/test_fault_kill_web.py)
share: the child processes' environment, the files they import and how they read the stores."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import duckdb

N_SEED, SEED_TOTAL = 1_000, 2_000.0  # already stored: 1,000 purchases of 2.00


def child_env(data_dir: Path) -> dict[str, str]:
    """A `cxray` child that uses only this data directory: no inherited database or store URL."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CXRAY_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(CXRAY_DATA_DIR=str(data_dir), LANG="en_US.UTF-8", CXRAY_TEXT_ANALYSIS="off")
    return env


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def write_transactions(big: Path, seed: Path, n_rows: int) -> None:
    """``big``: n_rows purchases, amount = (i % 100) + 0.5; ``seed``: N_SEED purchases of 2.00."""
    duckdb.sql(
        "COPY (SELECT 'T' || i AS transaction_id, 'C' || (i % 1000) AS customer_id, "
        "CAST(DATE '2025-01-01' + INTERVAL (i % 365) DAY AS DATE) AS date, "
        f"(i % 100) + 0.5 AS amount FROM range({n_rows}) t(i)) TO '{big}' (HEADER)"
    )
    duckdb.sql(
        "COPY (SELECT 'S' || i AS transaction_id, 'C' || i AS customer_id, "
        "DATE '2024-06-01' AS date, 2.0 AS amount "
        f"FROM range({N_SEED}) t(i)) TO '{seed}' (HEADER)"
    )


def store_figures(data_dir: Path) -> tuple[int, float]:
    """Rows and total amount of acme's transactions, the store opened as the app opens it
    (tables ensured, WAL replayed)."""
    from cxray.analytics.store import AnalyticsStore

    store = AnalyticsStore(f"duckdb://{data_dir / 'analytics.duckdb'}")
    try:
        n, total = store.raw.execute(
            "SELECT count(*), coalesce(sum(amount), 0) FROM transactions WHERE workspace = 'acme'"
        ).fetchone()
        return int(n), float(total)
    finally:
        store.con.disconnect()


def app_rows(data_dir: Path, sql: str, params: tuple = ()) -> list[tuple]:
    con = sqlite3.connect(data_dir / "app.sqlite3")
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()
