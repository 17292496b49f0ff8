"""Speed of the departure analysis (cxray.analytics.attachment_departures) on the demo
company, against a plain pandas computation of the same figures (one groupby per departure),
in the same run.

    python benchmarks/attachment_departures.py --patients 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time

import pandas as pd

from cxray.analytics.attachment_departures import departure_effects
from cxray.demo import generate


def plain_pandas(c, as_of: dt.date) -> dict[str, tuple[int, int]]:
    """Attached customers at risk and churned, per departure, the straightforward way."""
    inter = c.interactions.to_pandas().dropna(subset=["customer_id", "employee_id"])
    cust = c.customers.to_pandas().set_index("customer_id")
    cust["churned_at"] = pd.to_datetime(cust["churned_at"])
    emp = c.employees.to_pandas()
    emp["left"] = pd.to_datetime(emp["left"])
    done = emp[emp["left"].notna() & (emp["left"] + pd.Timedelta(days=180) <= pd.Timestamp(as_of))]
    out = {}
    for row in done.itertuples(index=False):
        before = inter[inter["at"] < row.left]
        k = before.groupby(["customer_id", "touchpoint_id", "employee_id"]).size().rename("k")
        k = k.reset_index().sort_values(["customer_id", "touchpoint_id", "k", "employee_id"],
                                        ascending=[True, True, False, True])  # fmt: skip
        n = k.groupby(["customer_id", "touchpoint_id"])["k"].transform("sum")
        top = k.assign(n=n).drop_duplicates(["customer_id", "touchpoint_id"])
        mine = top[(top.employee_id == row.employee_id) & (top.k / top.n >= 0.7) & (top.n >= 2)]
        ids = mine["customer_id"].unique()
        churned_at = cust["churned_at"].reindex(ids)
        at_risk = churned_at.isna() | (churned_at > row.left)
        churned = churned_at[at_risk] <= row.left + pd.Timedelta(days=180)
        out[row.employee_id] = (int(at_risk.sum()), int(churned.sum()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20_000)
    args = parser.parse_args()
    end = dt.date(2025, 6, 30)
    c = generate(seed=7, n_patients=args.patients, end=end)
    t0 = time.perf_counter()
    effects = departure_effects(c.interactions, c.customers, c.employees, as_of=end)
    cx = time.perf_counter() - t0
    t0 = time.perf_counter()
    plain = plain_pandas(c, end)
    pd_s = time.perf_counter() - t0
    ours = {e.employee_id: (e.attached.n, e.attached.top) for e in effects}
    same = all(plain.get(k) == v for k, v in ours.items())
    print(json.dumps({
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "patients": args.patients, "interactions": c.interactions.num_rows,
        "departures_measured": len(effects), "cxray_s": round(cx, 3),
        "plain_pandas_s": round(pd_s, 3), "ratio": round(pd_s / cx, 2) if cx else None,
        "same_attached_and_churned": same,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
