"""Benchmark: the first load of the People pages' reports after a data change, on the demo.

Builds the demo company (``cxray demo --no-serve``) in a fresh data directory (or uses
``--data-dir`` of one built before), then, ``--runs`` times: marks the workspace's data as
changed and empties the cache, as an import does, and times

- ``attachment_s``: :func:`cxray.web.people.selectors.attachment_report` (the attachment
  page: departures against comparable customers, and the dependency alerts);
- ``employees_s``: :func:`cxray.web.people.selectors.employee_report` (eNPS from protected
  cells, EX beside CX per branch, lagged pairs), which also rebuilds the score rollup and
  the protected answers that a data change invalidates;
- the anchor, ``read_interactions_s``: reading the four interaction columns the attachment
  figures need into pandas once, on the same store, in the same run. The ratios say how many
  such reads each report costs, which varies less between machines than seconds do.

    .venv/bin/python benchmarks/people_pages.py [--patients 20000] [--runs 5]

prints one JSON object with the medians (target: each report under 1 s).
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

TARGET_S = 1.0


def build_demo(data_dir: Path, patients: int) -> None:
    env = {**os.environ, "CXRAY_DATA_DIR": str(data_dir), "LANG": "en_US.UTF-8"}
    for name in ("DJANGO_SETTINGS_MODULE", "CXRAY_ANALYTICS_URL", "DATABASE_URL"):
        env.pop(name, None)
    subprocess.run(
        [sys.executable, "-m", "cxray", "demo", "--no-serve", "--patients", str(patients)],
        env=env,
        check=True,
        capture_output=True,
    )


def measure(runs: int) -> dict[str, object]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxray.web.config.settings")
    django.setup()
    from django.core.cache import cache

    from cxray.web.accounts.scope import Scope
    from cxray.web.analytics_store import analytics
    from cxray.web.people.selectors import attachment_report, employee_report
    from cxray.web.workspaces.models import Workspace

    ws = Workspace.objects.get(slug="demo")
    today = date.today()

    def changed() -> None:
        cache.clear()
        with analytics() as store:
            store.mark_changed(ws.slug)

    def anchor() -> None:
        with analytics() as store:
            t = store.table("interactions", ws.slug)
            t.select("customer_id", "touchpoint_id", "employee_id", "at").to_pandas()

    def timed(fn) -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    # The first call of a process also pays imports and the store's opening: not measured.
    changed()
    report = attachment_report(workspace=ws, scope=Scope(), as_of=today)
    employee_report(workspace=ws, scope=Scope(), as_of=today)
    times: dict[str, list[float]] = {"attachment_s": [], "employees_s": [], "anchor_s": []}
    for _ in range(runs):
        changed()
        times["attachment_s"].append(
            timed(lambda: attachment_report(workspace=ws, scope=Scope(), as_of=today))
        )
        changed()
        times["employees_s"].append(
            timed(lambda: employee_report(workspace=ws, scope=Scope(), as_of=today))
        )
        times["anchor_s"].append(timed(anchor))
    with analytics() as store:
        interactions = store.count("interactions", ws.slug)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "interactions": interactions,
        "departures": len(report.departures),
        "alerts": len(report.alerts),
        "attachment_s_median": round(med["attachment_s"], 3),
        "employees_s_median": round(med["employees_s"], 3),
        "read_interactions_s_median": round(med["anchor_s"], 3),
        "attachment_ratio_to_anchor": round(med["attachment_s"] / med["anchor_s"], 2),
        "employees_ratio_to_anchor": round(med["employees_s"] / med["anchor_s"], 2),
        "attachment_s_all": [round(t, 3) for t in times["attachment_s"]],
        "employees_s_all": [round(t, 3) for t in times["employees_s"]],
        "target_s": TARGET_S,
        "meets_target": max(med["attachment_s"], med["employees_s"]) < TARGET_S,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, help="a data directory with the demo already")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(tmp) / "data"
            build_demo(data_dir, args.patients)
        os.environ["CXRAY_DATA_DIR"] = str(data_dir)
        out = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
            f"python {platform.python_version()}",
            "patients": args.patients if args.data_dir is None else None,
            "runs": args.runs,
            **measure(args.runs),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
