"""Benchmark: NPS by month x segment on 10,000,000 responses, cxray vs DuckDB SQL vs pandas.

The responses (metric, score 0-10, at over 2023-2024, one of 8 segments) are generated with
DuckDB SQL into an in-memory table. Three ways to get the same 192 figures:

- ``cxray``: :func:`cxray.analytics.scores.score_by` on the Ibis table with a ``month``
  column added (``at`` truncated to the month) and ``by=["month", "segment"]``;
- ``duckdb_sql``: the counts hand-written in one SQL query on the same connection, the NPS
  arithmetic in Python (the anchor: target ratio <= 1.3);
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

from cxray.analytics.scores import score_by

TARGET_MS = 200.0
TARGET_RATIO = 1.3


def generate(con: ibis.BaseBackend, rows: int) -> ibis.Table:
    con.raw_sql("SELECT setseed(0.17)")
    con.raw_sql(
        f"""
        CREATE OR REPLACE TABLE responses AS
        SELECT 'nps' AS metric,
               CAST(least(10, floor(random() * 11 + (i % 8) * 0.1)) AS DOUBLE) AS score,
               TIMESTAMP '2023-01-01' + to_seconds(CAST(random() * 63072000 AS BIGINT)) AS at,
               'segment ' || CAST(i % 8 AS VARCHAR) AS segment
        FROM range({rows}) t(i)
        """
    )
    return con.table("responses")


def nps_from_counts(n: np.ndarray, pro: np.ndarray, det: np.ndarray) -> np.ndarray:
    return 100.0 * (pro - det) / n


def run_cxray(t: ibis.Table) -> dict:
    m = t.mutate(month=t.at.truncate("M").cast("date"))
    return score_by("nps", m, ["month", "segment"])


def run_sql(con: ibis.BaseBackend) -> np.ndarray:
    rows = con.con.execute(
        """
        SELECT date_trunc('month', "at")::DATE AS month, segment, count(score) AS n,
               count(*) FILTER (WHERE score >= 9) AS pro,
               count(*) FILTER (WHERE score <= 6) AS det,
               count(*) FILTER (WHERE score < 0 OR score > 10) AS outside
        FROM responses WHERE metric = 'nps' AND score IS NOT NULL
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

    con = ibis.duckdb.connect()
    t = generate(con, args.rows)
    cx_s, cx = timed(lambda: run_cxray(t), args.repeat)
    sql_s, sql = timed(lambda: run_sql(con), args.repeat)
    df = t.to_pandas()
    pd_s, pdv = timed(lambda: run_pandas(df), args.repeat)
    cx_values = np.array([s.value for s in cx.values()])
    agree = bool(
        len(cx_values) == len(sql) == len(pdv)
        and np.allclose(cx_values, sql)
        and np.allclose(cx_values, pdv)
    )
    print(
        json.dumps(
            {
                "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus "
                f"python {platform.python_version()} duckdb {duckdb.__version__}",
                "rows": args.rows,
                "groups": len(cx),
                "cxray_ms": round(cx_s * 1000, 1),
                "duckdb_sql_ms": round(sql_s * 1000, 1),
                "pandas_ms": round(pd_s * 1000, 1),
                "ratio_vs_sql": round(cx_s / sql_s, 2),
                "speedup_vs_pandas": round(pd_s / cx_s, 1),
                "target_ms": TARGET_MS,
                "target_ratio_vs_sql": TARGET_RATIO,
                "meets_ms": cx_s * 1000 < TARGET_MS,
                "meets_ratio": cx_s / sql_s <= TARGET_RATIO,
                "meets_pandas_5x": pd_s / cx_s >= 5,
                "figures_agree": agree,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
