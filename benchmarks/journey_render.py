"""Benchmark: a journey map of 12 stages and 80 steps, with live figures over the demo
company's two years, rendered as the web page a user opens (target: under 1 s).

    .venv/bin/python benchmarks/journey_render.py [--patients 20000] [--runs 5]

Builds the demo company in a temporary data directory, imports a synthetic 80-step journey
whose steps link to the demo's touchpoints (and a few without one), then times the whole
page (figures from the analytics store, seams, communication load, template) through the
Django test client, and the figures alone. "Cold" is the page with every cache of figures
cleared (every figure computed from the store, the SQL already compiled by an earlier page);
"after new data" is the first page after one more interaction arrived on the next day (the
data's version and the last day change, as after a daily import); "first" is the very first
page of the process (templates and SQL compiled too); "warm" is the page again on the same
data (the figures come from a cache keyed by the data's version). Prints one JSON object
with the machine and how busy it was, the data size, the median of each and the target.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from typing import Any

TARGET_S = 1.0
TOUCHPOINTS = [
    "search",
    "booking_call",
    "booking_online",
    "reception",
    "consultation",
    "lab",
    "results",
    "payment",
    "followup",
]
OWNERS = ["MEDLINE", "MEDLINE-CALL"]


def big_journey(stages: int = 12, steps: int = 80) -> str:
    """Canonical-enough YAML: ``steps`` steps spread over ``stages`` stages."""
    lines = ["journey: big", "name: Big journey", "variant: as-is", "stages:"]
    per = [steps // stages + (1 if i < steps % stages else 0) for i in range(stages)]
    n = 0
    for s, count in enumerate(per):
        lines += [f"  - name: Stage {s + 1}", "    steps:"]
        for _ in range(count):
            tp = TOUCHPOINTS[n % len(TOUCHPOINTS)] if n % 7 else ""
            lines += [
                f"      - id: s{n}",
                f"        title: Step {n} of the patient journey",
                "        customer: Does something that matters to them at this step",
                "        frontstage: Staff member",
                "        backstage: A system",
                f"        owner: {OWNERS[(n // 5) % 2]}",
            ]
            if tp:
                lines.append(f"        touchpoint: {tp}")
            if n % 3 == 0:
                lines += [
                    "        communications:",
                    "          - message: A reminder",
                    "            channel: sms",
                    "            timing: -1d",
                ]
            lines += [f"        emotion: {(n % 5) - 2}", f"        day: {n}"]
            n += 1
    return "\n".join(lines) + "\n"


def next_day_interaction(store: Any, n: int) -> Any:
    """One interaction of a demo patient at the follow-up call, a day after the last one."""
    import pyarrow as pa

    from cxray.analytics.schema import TABLES

    t = store.table("interactions", "demo")
    row = t.order_by(t.at.desc()).limit(1).to_pyarrow().to_pylist()[0]
    row.update(row_key=f"bench-{n}", touchpoint_id="followup", at=row["at"] + timedelta(days=1))
    return pa.Table.from_pylist([row], schema=TABLES["interactions"].to_pyarrow())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        os.environ["CXRAY_DATA_DIR"] = data_dir
        os.environ["DJANGO_SETTINGS_MODULE"] = "cxray.web.config.settings"
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        from django.test import Client
        from django.urls import reverse

        from cxray.demo import generate
        from cxray.web.accounts.scope import Scope
        from cxray.web.analytics_store import analytics
        from cxray.web.journeys.selectors import journey_map
        from cxray.web.journeys.services import journey_import
        from cxray.web.workspaces.demo import demo_install
        from cxray.web.workspaces.models import Workspace

        started = time.perf_counter()
        company = generate(seed=7, n_patients=args.patients, end=date.today())
        logins = demo_install(company=company)
        setup_s = time.perf_counter() - started
        ws = Workspace.objects.get(slug="demo")
        journey = journey_import(workspace=ws, text=big_journey())
        with analytics() as store:
            sizes = {t: store.count(t, "demo") for t in ("interactions", "responses", "customers")}
        client = Client(HTTP_HOST="127.0.0.1")
        assert client.login(username="demo", password=logins[0].password)
        url = reverse("journey_map", args=["demo", "big"]) + "?tp=booking_call"
        from django.core.cache import cache

        cold, warm, figures, changed = [], [], [], []
        t0 = time.perf_counter()
        client.get(url)  # the very first page: templates and every query compiled
        first = time.perf_counter() - t0
        for run in range(args.runs):
            cache.clear()  # cold: the figures computed from the store
            t0 = time.perf_counter()
            response = client.get(url)
            cold.append(time.perf_counter() - t0)
            if response.status_code != 200 or b'data-metric="ces"' not in response.content:
                sys.exit(f"the page did not render its figures: {response.status_code}")
            # New data: one more interaction on the next day, as a daily import brings (the
            # data's version and the last day both change; no cache is cleared by hand).
            with analytics() as store:
                store.write("interactions", next_day_interaction(store, run))
            t0 = time.perf_counter()
            response = client.get(url)
            changed.append(time.perf_counter() - t0)
            if response.status_code != 200 or b'data-metric="ces"' not in response.content:
                sys.exit(f"the page did not render its figures: {response.status_code}")
            t0 = time.perf_counter()
            client.get(url)  # the same data again: the figures come from the cache
            warm.append(time.perf_counter() - t0)
            cache.clear()
            t0 = time.perf_counter()
            m = journey_map(journey=journey, scope=Scope())
            figures.append(time.perf_counter() - t0)
        median = statistics.median(cold)
        print(
            json.dumps(
                {
                    "benchmark": "journey_render",
                    "machine": f"{platform.machine()} {os.cpu_count()} cpus "
                    f"python {platform.python_version()}",
                    # Other processes on the machine slow every figure: report how busy it was.
                    "load_average_1m": round(os.getloadavg()[0], 2),
                    "patients": args.patients,
                    "rows": sizes,
                    "stages": len(m.stages),
                    "steps": len(m.steps),
                    "touchpoints": len(m.figures),
                    "runs": args.runs,
                    "first_page_s": round(first, 3),
                    "page_cold_median_s": round(median, 3),
                    "page_after_new_data_median_s": round(statistics.median(changed), 3),
                    "page_warm_median_s": round(statistics.median(warm), 3),
                    "figures_median_s": round(statistics.median(figures), 3),
                    "page_cold_s": [round(t, 3) for t in cold],
                    "page_after_new_data_s": [round(t, 3) for t in changed],
                    "target_s": TARGET_S,
                    "meets_target_cold": median < TARGET_S,
                    "meets_target_warm": statistics.median(warm) < TARGET_S,
                    "demo_setup_s": round(setup_s, 1),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
