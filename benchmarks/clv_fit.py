"""BG/NBD fit time: the full CDNOW cohort and a million simulated customers.

    python benchmarks/clv_fit.py [--customers 1000000] [--repeats 3] [--lifetimes-python PATH]

Prints one JSON object: the machine, the data sizes, the median fit time of ``--repeats``
runs for each data set, and how far the parameters fitted on the simulated customers are from
the ones they were simulated with (the CDNOW parameters of Fader, Hardie & Lee 2005).

The anchor is lifetimes 0.11.3 (archived; it needs pandas < 3, so it cannot live in our
environment): when ``--lifetimes-python`` (default ``/tmp/lifetimes-venv/bin/python``) is a
Python with lifetimes installed, the same summaries are written to a temporary file and fitted
there in a subprocess, in the same run; otherwise ``lifetimes_s`` is null.

Simulation (BG/NBD's own story, vectorised): ``lambda ~ Gamma(r, 1/alpha)``, ``p ~ Beta(a, b)``;
the customer drops out right after their J-th repeat purchase, ``J ~ Geometric(p)``; in
``[0, T]`` a Poisson process of rate lambda makes ``N ~ Poisson(lambda T)`` purchases whose
times are uniform order statistics, so ``x = min(N, J)`` and the x-th purchase time is
``T * Beta(x, N - x + 1)``. First purchases are spread over 12 weeks and observation ends
39 weeks after the cohort starts (as in CDNOW); times are recorded by day, like real data.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from cxray.analytics.clv import BetaGeoFitter, rfm_summary

CDNOW = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cdnow"
TRUE = {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}  # FHL 2005, weeks

_LIFETIMES_FIT = """
import sys, time, warnings, json
warnings.filterwarnings("ignore")
import pandas as pd
from lifetimes import BetaGeoFitter
s = pd.read_parquet(sys.argv[1]) if sys.argv[1].endswith(".parquet") else pd.read_csv(sys.argv[1])
times = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    f = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    times.append(time.perf_counter() - t0)
print(json.dumps({"times": times, "params": {k: float(v) for k, v in f.params_.items()}}))
"""


def simulate(n: int, seed: int = 2005) -> pd.DataFrame:
    """``n`` customers from the BG/NBD process with the CDNOW parameters, in weeks."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(TRUE["r"], 1 / TRUE["alpha"], n)  # purchases per week
    p = rng.beta(TRUE["a"], TRUE["b"], n)
    t_days = 273 - rng.integers(0, 84, n)  # first purchase in weeks 0-11, end at day 273
    big_t = t_days / 7
    purchases = rng.poisson(lam * big_t)
    survive = rng.geometric(np.clip(p, 1e-12, 1))  # repeat purchase after which they leave
    x = np.minimum(purchases, survive)
    last = np.zeros(n)
    has = x > 0
    last[has] = big_t[has] * rng.beta(x[has], purchases[has] - x[has] + 1)
    # Recorded by day: the last purchase falls on a whole day no later than the end.
    recency = np.minimum(np.floor(last * 7), t_days) / 7
    # Same-day repeat purchases would be one purchase in real data; keep the count, but a
    # repeat purchase needs a day after the first one.
    recency = np.where(has & (recency == 0), 1 / 7, recency)
    return pd.DataFrame({"frequency": x, "recency": recency, "T": big_t})


def median_fit_seconds(summary: pd.DataFrame, repeats: int) -> tuple[float, BetaGeoFitter]:
    times, fitter = [], BetaGeoFitter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        fitter = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
        times.append(time.perf_counter() - t0)
    return statistics.median(times), fitter


def lifetimes_fit(python: str, summary: pd.DataFrame, repeats: int) -> dict | None:
    if not Path(python).exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "summary.csv")
        summary[["frequency", "recency", "T"]].to_csv(path, index=False)
        done = subprocess.run(
            [python, "-c", _LIFETIMES_FIT, path, str(repeats)],
            capture_output=True,
            text=True,
            timeout=3600,
        )
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return None
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {"seconds": statistics.median(out["times"]), "params": out["params"]}


def max_rel_diff(a: dict[str, float], b: dict[str, float]) -> float:
    return max(abs(a[k] - b[k]) / abs(b[k]) for k in b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lifetimes-python", default="/tmp/lifetimes-venv/bin/python")
    parser.add_argument("--lifetimes-max-customers", type=int, default=1_000_000)
    args = parser.parse_args()

    out: dict = {
        "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"{platform.system()}",
        "python": platform.python_version(),
        "repeats": args.repeats,
        "statistic": "median seconds",
    }

    # 1. CDNOW master: 23,570 customers, whole 18 months, weeks.
    master = pd.read_csv(CDNOW / "CDNOW_master.txt", sep=r"\s+", dtype={"customer_id": str})
    master["at"] = pd.to_datetime(master["date"].astype(str), format="%Y%m%d")
    master = master.rename(columns={"dollar_value": "amount"})
    t0 = time.perf_counter()
    cdnow = rfm_summary(master, observation_end=date(1998, 6, 30), freq="D", time_unit="W")
    out["cdnow_rfm_summary_s"] = round(time.perf_counter() - t0, 4)
    seconds, fitter = median_fit_seconds(cdnow, args.repeats)
    out["cdnow"] = {
        "customers": len(cdnow),
        "transactions": len(master),
        "cxray_s": round(seconds, 4),
        "params": {k: round(v, 4) for k, v in fitter.params_.items()},
        "log_likelihood": round(fitter.log_likelihood_, 2),
    }
    anchor = lifetimes_fit(args.lifetimes_python, cdnow, args.repeats)
    out["cdnow"]["lifetimes_s"] = round(anchor["seconds"], 4) if anchor else None
    if anchor:
        out["cdnow"]["ratio"] = round(anchor["seconds"] / seconds, 1)
        out["cdnow"]["max_rel_param_diff_vs_lifetimes"] = max_rel_diff(
            fitter.params_, anchor["params"]
        )

    # 2. Simulated customers.
    t0 = time.perf_counter()
    sim = simulate(args.customers)
    simulate_s = time.perf_counter() - t0
    seconds, fitter = median_fit_seconds(sim, args.repeats)
    unique = len(sim.drop_duplicates())
    out["synthetic"] = {
        "customers": args.customers,
        "unique_rows": unique,
        "simulate_s": round(simulate_s, 3),
        "cxray_s": round(seconds, 4),
        "target_s": 10.0,
        "params": {k: round(v, 4) for k, v in fitter.params_.items()},
        "true_params": TRUE,
        "max_rel_param_error": round(max_rel_diff(fitter.params_, TRUE), 4),
        "standard_errors": {k: round(v, 5) for k, v in fitter.standard_errors_.items()},
    }
    anchor = None
    if args.customers <= args.lifetimes_max_customers:
        anchor = lifetimes_fit(args.lifetimes_python, sim, 1)
    out["synthetic"]["lifetimes_s"] = round(anchor["seconds"], 3) if anchor else None
    if anchor:
        out["synthetic"]["lifetimes_repeats"] = 1
        out["synthetic"]["ratio"] = round(anchor["seconds"] / seconds, 1)
        out["synthetic"]["max_rel_param_diff_vs_lifetimes"] = round(
            max_rel_diff(fitter.params_, anchor["params"]), 5
        )
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
