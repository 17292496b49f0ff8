"""Benchmark: the dashboards under 20 concurrent users on the demo company.

Builds the demo company (``cxray demo --no-serve``) in a fresh data directory, serves it as
production does (gunicorn, one process with threads: the DuckDB file has one writer), logs
in N users with the demo accounts (several sessions per account when N is larger), visits
each page once per account (the report cache's first build, timed apart; ``--no-warm-up``
skips it), then each user walks the dashboard pages in turn for a fixed time: back to back
by default (a stress test: the latency is then the number of users over the throughput), or
reading each page ``--think`` seconds, as people do. Run::

    .venv/bin/python benchmarks/load_dashboards.py --users 20 --seconds 60 [--think 2]

and it prints one JSON object: requests, errors (non-200 answers and failures; must be 0),
p50/p95/p99 in ms overall and per page, and the target (p95 under 1,000 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_survey_intake_pg import Postgres, stop, wait_served
from survey_intake import free_port

PAGES = ["", "scores/", "churn/", "drivers/", "text/"]
LOGIN_LINE = re.compile(r"^\s+\S+:\s+(\S+)\s+\S+:\s+(\S+)\s+\(", re.M)


class User(threading.Thread):
    def __init__(
        self, base: str, username: str, password: str, stop_at: float, think_s: float = 0.0
    ) -> None:
        super().__init__(daemon=True)
        self.base, self.username, self.password, self.stop_at = base, username, password, stop_at
        self.think_s = think_s
        self.timings: dict[str, list[float]] = {p: [] for p in PAGES}
        self.errors: list[str] = []
        self.session = requests.Session()

    def login(self) -> None:
        login = f"{self.base}/accounts/login/"
        page = self.session.get(login, timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        answer = self.session.post(
            login,
            data={"username": self.username, "password": self.password,
                  "csrfmiddlewaretoken": token},
            headers={"Referer": login},
            allow_redirects=False,
            timeout=30,
        )  # fmt: skip
        if answer.status_code != 302:
            raise SystemExit(f"login of {self.username} failed: {answer.status_code}")

    def run(self) -> None:
        i = 0
        while time.monotonic() < self.stop_at:
            page = PAGES[i % len(PAGES)]
            i += 1
            t0 = time.perf_counter()
            try:
                answer = self.session.get(f"{self.base}/w/demo/{page}", timeout=60)
                answer.content  # noqa: B018  (read the whole body, as a browser does)
            except requests.RequestException as exc:
                self.errors.append(f"{page}: {type(exc).__name__}")
                continue
            elapsed = time.perf_counter() - t0
            if answer.status_code not in (200, 403):
                self.errors.append(f"{page}: {answer.status_code}")
                continue
            if answer.status_code == 200:
                self.timings[page].append(elapsed)
            time.sleep(self.think_s)  # a person reads the page before opening the next


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000, 1)


def main() -> None:
    import importlib.util

    if importlib.util.find_spec("gunicorn") is None:
        raise SystemExit("this benchmark serves through gunicorn: pip install -e '.[server]'")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60, help="10–300 s (bounded)")
    parser.add_argument("--patients", type=int, default=20_000, help="size of the demo")
    parser.add_argument("--threads", type=int, default=16, help="gunicorn threads")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds each user reads a page before the next (0: back to back, a stress test)",
    )
    parser.add_argument(
        "--postgres", action="store_true", help="the app database on PostgreSQL (production)"
    )
    parser.add_argument(
        "--no-warm-up",
        dest="warm_up",
        action="store_false",
        help="measure from a cold report cache (every first visit computes its report)",
    )
    args = parser.parse_args()
    seconds = min(max(args.seconds, 10), 300)
    pg_dir = Path(tempfile.mkdtemp(prefix="cxray-dash-pg-"))
    postgres = Postgres(pg_dir) if args.postgres else None
    with tempfile.TemporaryDirectory(prefix="cxray-dash-") as tmp:
        env = {**os.environ, "CXRAY_DATA_DIR": tmp, "LANG": "en_US.UTF-8"}
        for name in ("DJANGO_SETTINGS_MODULE", "CXRAY_ANALYTICS_URL", "DATABASE_URL"):
            env.pop(name, None)
        if postgres is not None:
            env["DATABASE_URL"] = postgres.__enter__()
        built = time.perf_counter()
        demo = subprocess.run(
            [sys.executable, "-m", "cxray", "demo", "--no-serve", "--language", "en",
             "--patients", str(args.patients)],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        build_s = time.perf_counter() - built
        logins = LOGIN_LINE.findall(demo.stdout)
        if not logins:
            raise SystemExit(f"no demo logins in:\n{demo.stdout}")
        port = free_port()
        log_path = Path(tmp) / "server.log"
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "cxray.web.config.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread", "--workers", "1",
             "--threads", str(args.threads), "--timeout", "120",
             # gunicorn drops a connection idle for 2 s by default: a user reading a page for
             # --think seconds would find it closed as the next request goes out.
             "--keep-alive", "30"],
            env=env, stdout=subprocess.DEVNULL, stderr=log_path.open("w"),
        )  # fmt: skip
        try:
            wait_served(port, "/accounts/login/", log_path)
            base = f"http://127.0.0.1:{port}"
            stop_at = time.monotonic() + seconds + 5 * args.users  # logins first
            users = [
                User(base, *logins[i % len(logins)], stop_at=stop_at, think_s=args.think)
                for i in range(args.users)
            ]
            for u in users:
                u.login()
            # Each report is computed once per data version and viewer scope, then served
            # from the report cache: one visit per account and page first, timed apart, so
            # the window below measures the dashboards as they are used, not their first build.
            warm_up: dict[str, float] = {}
            warmed = time.monotonic()
            if args.warm_up:
                for u in {u.username: u for u in users}.values():
                    for page in PAGES:
                        t0 = time.perf_counter()
                        u.session.get(f"{base}/w/demo/{page}", timeout=120).content  # noqa: B018
                        warm_up[page or "home"] = max(
                            warm_up.get(page or "home", 0.0), time.perf_counter() - t0
                        )
            warm_up_s = time.monotonic() - warmed
            # Everyone starts together, after the logins.
            stop_at = time.monotonic() + seconds
            for u in users:
                u.stop_at = stop_at
            started = time.monotonic()
            for u in users:
                u.start()
            for u in users:
                u.join()
            elapsed = time.monotonic() - started
        finally:
            stop(server)
        server_errors = [
            line[:160]
            for line in log_path.read_text(errors="replace").splitlines()
            if "Error" in line or "Traceback" in line
        ]
        if postgres is not None:
            postgres.__exit__(None, None, None)
    shutil.rmtree(pg_dir, ignore_errors=True)
    everything = [t for u in users for page in PAGES for t in u.timings[page]]
    per_page = {
        page or "home": {
            "n": sum(len(u.timings[page]) for u in users),
            "p50_ms": percentile([t for u in users for t in u.timings[page]], 0.50),
            "p95_ms": percentile([t for u in users for t in u.timings[page]], 0.95),
        }
        for page in PAGES
    }
    errors = [e for u in users for e in u.errors]
    print(
        json.dumps(
            {
                "machine": f"{os.cpu_count()} cores (server and clients share them), "
                f"{platform.python_implementation()} {platform.python_version()}",
                "engine": f"{'postgresql' if args.postgres else 'sqlite'} + duckdb, "
                f"gunicorn 1 process x {args.threads} threads",
                "demo_patients": args.patients,
                "demo_build_s": round(build_s, 1),
                "users": args.users,
                "accounts": sorted({name for name, _ in logins}),
                "warm_up_s": round(warm_up_s, 1),
                "warm_up_slowest_first_visit_ms": {
                    k: round(v * 1000, 1) for k, v in warm_up.items()
                },
                "think_s": args.think,
                "seconds": round(elapsed, 1),
                "requests": len(everything),
                "requests_per_s": round(len(everything) / elapsed, 1),
                "errors": len(errors),
                "error_sample": sorted(set(errors))[:5],
                "server_error_lines": len(server_errors),
                "server_error_kinds": sorted(
                    {e.split(":")[0][:100] for e in server_errors if not e.startswith(" ")}
                )[:8],
                "p50_ms": round(statistics.median(everything) * 1000, 1) if everything else None,
                "p95_ms": percentile(everything, 0.95),
                "p99_ms": percentile(everything, 0.99),
                "pages": per_page,
                "target": {"p95_ms": 1000, "errors": 0},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
