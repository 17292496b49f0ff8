"""Benchmark: Shapley and relative weights on 12 drivers x 1,000,000 synthetic responses.

The responses are made with DuckDB SQL (1-5 ratings sharing a common factor, an outcome on
0-10) and kept in a DuckDB in-memory table, read through Ibis as an analytic would. Run::

    .venv/bin/python benchmarks/drivers_shapley.py --rows 1000000

It prints one JSON object: the median of 3 warm runs of each call, bootstrap included
(n_boot=200), against the target of 5 s for shapley_drivers. ``one_pass_s`` is the floor:
the engine's single aggregation of the sums and cross-products that both methods rest on.
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

from cxray.analytics.drivers import relative_weights, shapley_drivers

TARGET_S = 5.0


def generate(con: ibis.BaseBackend, rows: int, k: int) -> ibis.Table:
    # Each rating = round(3 + common + own noise), clipped to 1..5; the outcome weighs the
    # drivers 1.0 down to 0.2 (so the true ranking is d0 > d1 > ... > d11).
    ratings = ",\n".join(
        f"least(5, greatest(1, round(3 + c + 1.8 * (random() * 2 - 1)))) AS d{i}" for i in range(k)
    )
    weights = [round(1.0 - 0.8 * i / (k - 1), 3) for i in range(k)]
    outcome = " + ".join(f"{w} * d{i}" for i, w in enumerate(weights))
    con.raw_sql("SELECT setseed(0.42)")
    con.raw_sql(
        f"""
        CREATE OR REPLACE TABLE bench_drivers AS
        WITH base AS (SELECT (random() - 0.5) * 2 AS c FROM range({rows})),
        rated AS (SELECT {ratings} FROM base)
        SELECT *, least(10, greatest(0, round(({outcome}) / {sum(weights)} * 2 - 1
                                              + (random() - 0.5) * 4))) AS y
        FROM rated
        """
    )
    return con.table("bench_drivers")


def timed(fn, repeat: int) -> tuple[float, object]:
    fn()  # warm: first-query compilation and caches
    runs, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--drivers", type=int, default=12)
    parser.add_argument("--n-boot", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    con = ibis.duckdb.connect()
    t = generate(con, args.rows, args.drivers)
    names = [f"d{i}" for i in range(args.drivers)]

    def one_pass() -> object:
        cols = [t[c] for c in ["y", *names]]
        sums = {
            f"c{i}_{j}": (a * b).sum()
            for i, a in enumerate(cols)
            for j, b in enumerate(cols)
            if j >= i
        }
        return t.aggregate(n=t.count(), **sums).to_pyarrow()

    shapley_s, sh = timed(lambda: shapley_drivers(t, "y", names, n_boot=args.n_boot), args.repeat)
    rw_s, rw = timed(lambda: relative_weights(t, "y", names, n_boot=args.n_boot), args.repeat)
    floor_s, _ = timed(one_pass, args.repeat)
    max_diff = max(abs(sh.weight(n).weight - rw.weight(n).weight) for n in names)
    print(
        json.dumps(
            {
                "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus "
                f"python {platform.python_version()} duckdb {duckdb.__version__}",
                "rows": args.rows,
                "drivers": args.drivers,
                "n_boot": args.n_boot,
                "shapley_s": round(shapley_s, 3),
                "relative_weights_s": round(rw_s, 3),
                "one_pass_s": round(floor_s, 3),
                "target_s": TARGET_S,
                "meets_target": shapley_s < TARGET_S,
                "r2": round(sh.r2, 4),
                "r2_interval": [round(sh.r2_low, 4), round(sh.r2_high, 4)],
                "ranking_shapley": [w.driver for w in sh.weights],
                "ranking_relative_weights": [w.driver for w in rw.weights],
                "max_abs_weight_diff": round(max_diff, 5),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
