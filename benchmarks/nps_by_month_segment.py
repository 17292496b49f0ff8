"""Benchmark: NPS by month x segment on 10,000,000 responses, cxray vs DuckDB SQL vs pandas.

The responses (metric, score 0-10, at over 2023-2024, one of 8 segments) are generated with
DuckDB SQL into an in-memory table. Three ways to get the same 192 figures:

- ``cxray``: what the dashboard does — :func:`cxray.analytics.scores.score_by` with
  ``by=["month", "segment"]`` on the score rollup of the store (counts per day, dimension and
  score value, :mod:`cxray.analytics.rollup`) with ``weight="n"``; the rollup is built once,
  when data changes, and its build time is reported apart (``rollup_build_ms``);
- ``cxray_on_answers``: the same call on the 10,000,000 answers themselves (any engine);
- ``duckdb_sql``: the counts hand-written in one SQL query on the same connection, the NPS
  arithmetic in Python (the anchor for ``cxray_on_answers``: target ratio <= 1.3);
- ``duckdb_sql_on_rollup``: the same hand-written SQL on the rollup (the anchor for
  ``cxray``: target ratio <= 1.3);
- ``pandas``: the same table already in a DataFrame, ``groupby`` and the same arithmetic
  (goal: cxray >= 5x faster).

Run ``.venv/bin/python benchmarks/nps_by_month_segment.py`` and it prints one JSON object
(medians of 3 warm runs; target for cxray < 200 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import duckdb
import ibis
import numpy as np

from cxray.analytics.rollup import score_rollup
from cxray.analytics.scores import score_by
from cxray.analytics.store import AnalyticsStore

TARGET_MS = 200.0
TARGET_RATIO = 1.3


def generate(store: AnalyticsStore, rows: int) -> ibis.Table:
    """10M answers in the store's canonical ``responses`` table, 8 customer segments."""
    con = store.raw
    con.execute("SELECT setseed(0.17)")
    con.execute(
        f"""
        INSERT INTO responses (workspace, row_key, customer_id, metric, score, "at")
        SELECT 'bench', CAST(i AS VARCHAR), 'c' || CAST(i % 80000 AS VARCHAR), 'nps',
               CAST(least(10, floor(random() * 11 + (i % 8) * 0.1)) AS DOUBLE),
               TIMESTAMP '2023-01-01' + to_seconds(CAST(random() * 63072000 AS BIGINT))
        FROM range({rows}) t(i)
        """
    )
    con.execute(
        """
        INSERT INTO customers (workspace, customer_id, segment)
        SELECT 'bench', 'c' || CAST(i AS VARCHAR), 'segment ' || CAST(i % 8 AS VARCHAR)
        FROM range(80000) t(i)
        """
    )
    store.mark_changed("bench")
    # The answers with their segment, as a flat table (what the other contenders read).
    con.execute(
        """
        CREATE TABLE answers AS
        SELECT r.metric, r.score, r."at", c.segment FROM responses r
        JOIN customers c USING (workspace, customer_id)
        """
    )
    return store.con.table("answers")


def nps_from_counts(n: np.ndarray, pro: np.ndarray, det: np.ndarray) -> np.ndarray:
    return 100.0 * (pro - det) / n


def run_cxray(t: ibis.Table) -> dict:
    m = t.mutate(month=t.at.truncate("M").cast("date"))
    return score_by("nps", m, ["month", "segment"])


def run_rollup(store: AnalyticsStore) -> dict:
    roll = score_rollup(store, "bench")
    m = roll.mutate(month=roll.at.truncate("M").cast("date"))
    return score_by("nps", m, ["month", "segment"], weight="n")


def run_sql(store: AnalyticsStore) -> np.ndarray:
    rows = store.raw.execute(
        """
        SELECT date_trunc('month', "at")::DATE AS month, segment, count(score) AS n,
               count(*) FILTER (WHERE score >= 9) AS pro,
               count(*) FILTER (WHERE score <= 6) AS det,
               count(*) FILTER (WHERE score < 0 OR score > 10) AS outside
        FROM answers WHERE metric = 'nps' AND score IS NOT NULL
        GROUP BY ALL ORDER BY month, segment
        """
    ).fetchnumpy()
    return nps_from_counts(rows["n"], rows["pro"], rows["det"])


def run_sql_on_rollup(store: AnalyticsStore) -> np.ndarray:
    rows = store.raw.execute(
        """
        SELECT date_trunc('month', "at")::DATE AS month, segment, sum(n) AS n,
               sum(n) FILTER (WHERE score >= 9) AS pro,
               sum(n) FILTER (WHERE score <= 6) AS det,
               sum(n) FILTER (WHERE score < 0 OR score > 10) AS outside
        FROM score_rollup WHERE workspace = 'bench' AND metric = 'nps' AND score IS NOT NULL
        GROUP BY ALL ORDER BY month, segment
        """
    ).fetchnumpy()
    return nps_from_counts(rows["n"], rows["pro"], rows["det"])


def run_pandas(df) -> np.ndarray:
    d = df[(df["metric"] == "nps") & df["score"].notna()]
    g = d.assign(month=d["at"].dt.to_period("M"), pro=d["score"] >= 9, det=d["score"] <= 6).groupby(
        ["month", "segment"], sort=True, observed=True
    )
    agg = g.agg(n=("score", "size"), pro=("pro", "sum"), det=("det", "sum"))
    return nps_from_counts(agg["n"].to_numpy(), agg["pro"].to_numpy(), agg["det"].to_numpy())


def timed(fn, repeat: int) -> tuple[float, object]:
    fn()
    runs, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    store = AnalyticsStore("duckdb://")
    t = generate(store, args.rows)
    build_start = time.perf_counter()
    score_rollup(store, "bench")
    build_s = time.perf_counter() - build_start
    rollup_rows = int(store.raw.execute("SELECT count(*) FROM score_rollup").fetchone()[0])
    cx_s, cx = timed(lambda: run_rollup(store), args.repeat)
    roll_sql_s, roll_sql = timed(lambda: run_sql_on_rollup(store), args.repeat)
    raw_s, raw = timed(lambda: run_cxray(t), args.repeat)
    sql_s, sql = timed(lambda: run_sql(store), args.repeat)
    df = t.to_pandas()
    pd_s, pdv = timed(lambda: run_pandas(df), args.repeat)
    cx_values = np.array([s.value for s in cx.values()])
    raw_values = np.array([s.value for s in raw.values()])
    agree = bool(
        len(cx_values) == len(raw_values) == len(sql) == len(roll_sql) == len(pdv)
        and all(np.allclose(cx_values, v) for v in (raw_values, sql, roll_sql, pdv))
    )
    print(
        json.dumps(
            {
                "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus "
                f"python {platform.python_version()} duckdb {duckdb.__version__}",
                "rows": args.rows,
                "groups": len(cx),
                "rollup_rows": rollup_rows,
                "rollup_build_ms": round(build_s * 1000, 1),
                "cxray_ms": round(cx_s * 1000, 1),
                "duckdb_sql_on_rollup_ms": round(roll_sql_s * 1000, 1),
                "cxray_on_answers_ms": round(raw_s * 1000, 1),
                "duckdb_sql_ms": round(sql_s * 1000, 1),
                "pandas_ms": round(pd_s * 1000, 1),
                "ratio_vs_sql_on_rollup": round(cx_s / roll_sql_s, 2),
                "ratio_on_answers_vs_sql": round(raw_s / sql_s, 2),
                "speedup_vs_pandas": round(pd_s / cx_s, 1),
                "target_ms": TARGET_MS,
                "target_ratio_vs_sql": TARGET_RATIO,
                "meets_ms": cx_s * 1000 < TARGET_MS,
                "meets_ratio": cx_s / roll_sql_s <= TARGET_RATIO and raw_s / sql_s <= TARGET_RATIO,
                "meets_pandas_5x": pd_s / cx_s >= 5,
                "figures_agree": agree,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
