"""Benchmark: import a generated transactions CSV end to end, against DuckDB's own read_csv.

The file looks like a Russian POS export: ``;`` delimiter, ``DD.MM.YYYY HH:MM`` dates,
decimal commas, a few anonymous rows and returns. Run::

    .venv/bin/python benchmarks/import_transactions.py --rows 1000000

and it prints one JSON object. ``cxray_s`` is the median of 3 runs of ``import_file`` into a
fresh in-memory store (reading, validation, conversion, hashing and the write);
``duckdb_read_csv_s`` is DuckDB reading the same file into a table, the physical floor.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from cxray.analytics.store import AnalyticsStore
from cxray.ingest import import_file

TARGET_ROWS_PER_S = 200_000


def generate(path: Path, rows: int) -> None:
    """Write the test file with DuckDB (fast, and the same bytes for the same ``rows``)."""
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
          SELECT
            'T' || lpad(CAST(i AS VARCHAR), 8, '0') AS "Номер чека",
            CASE WHEN i % 50 = 0 THEN NULL ELSE 'C' || CAST(i * 7919 % 40000 AS VARCHAR) END
              AS "Код клиента",
            strftime(TIMESTAMP '2023-01-01' + INTERVAL (i * 31 % 31536000) SECOND,
                     '%d.%m.%Y %H:%M') AS "Дата",
            CASE WHEN i % 97 = 0 THEN -1 ELSE 1 + i % 5 END AS "Количество",
            replace(printf('%.2f', 10 + (i * 37 % 100000) / 100.0), '.', ',') AS "Сумма",
            'Филиал ' || CAST(i % 12 AS VARCHAR) AS "Филиал",
            'SKU-' || CAST(i % 3000 AS VARCHAR) AS "Товар"
          FROM range({rows}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ';')
        """
    )
    con.close()


def time_cxray(path: Path) -> tuple[float, dict[str, object]]:
    store = AnalyticsStore("duckdb://")
    t = time.perf_counter()
    result = import_file(store, "transactions", path, workspace="bench")
    elapsed = time.perf_counter() - t
    info = {"stored": result.stored, "skipped": result.skipped}
    store.con.disconnect()
    return elapsed, info


def time_duckdb(path: Path) -> float:
    con = duckdb.connect()
    t = time.perf_counter()
    con.execute(
        "CREATE TABLE t AS SELECT * FROM read_csv(?, header = true, delim = ';')", [str(path)]
    )
    elapsed = time.perf_counter() - t
    con.close()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="cxray-bench-") as tmp:
        path = Path(tmp) / "transactions.csv"
        generate(path, args.rows)
        runs = [time_cxray(path) for _ in range(args.repeat)]
        cxray_s = statistics.median(r[0] for r in runs)
        duck_s = statistics.median(time_duckdb(path) for _ in range(args.repeat))
        size_mb = path.stat().st_size / 1e6

    # ru_maxrss is KiB on Linux, bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = peak / 1e6 if sys.platform == "darwin" else peak / 1024
    rows_per_s = args.rows / cxray_s
    print(
        json.dumps(
            {
                "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus "
                f"python {platform.python_version()} duckdb {duckdb.__version__}",
                "rows": args.rows,
                "file_mb": round(size_mb, 1),
                "cxray_s": round(cxray_s, 3),
                "rows_per_s": round(rows_per_s),
                "duckdb_read_csv_s": round(duck_s, 3),
                "ratio_vs_duckdb": round(cxray_s / duck_s, 2),
                "peak_rss_mb": round(peak_mb, 1),
                "target_rows_per_s": TARGET_ROWS_PER_S,
                "meets_target": rows_per_s >= TARGET_ROWS_PER_S,
                "result": runs[0][1],
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
