"""Benchmark: responses submitted through the public survey page of a running `cxray serve`.

Starts `cxray serve` on a free loopback port with a fresh data directory and one published
NPS survey, then N client threads post the respondent form (as a browser without JavaScript
does: urlencoded, an idempotency key per answer) for a fixed time. A request that fails or
times out is retried with the same key, as a browser retry would be. Afterwards the server is
stopped and the app database and the analytics store are counted. Run::

    .venv/bin/python benchmarks/survey_intake.py --seconds 30 --clients 16

and it prints one JSON object: acknowledged (302 received), stored (rows in the app
database), lost (acknowledged but not stored; must be 0), in_analytics (rows synced into
the analytics store), responses_per_s, p50_ms/p99_ms, page_bytes of /s/<token>/,
widget_gzip_bytes.

The timed window follows a short warm-up (``--warmup`` s, same clients, counted in stored and
lost but not in the rate): the first low score loads the text analysis for its case, seconds
of CPU that belong to a cold start, not to the sustained rate. The anchor is the same clients
for ``--anchor-seconds`` against a bare WSGI app under the same waitress that stores each
answer with one SQLite commit (WAL, synchronous=NORMAL) and answers 302: what this machine
gives right now with no Django at all. ``ratio_to_anchor`` (cxray's rate over the anchor's)
moves much less with the shared machine's load than either rate alone.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import platform
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
SETUP = """
from cxray.cli import setup
setup(None)
from django.contrib.auth import get_user_model
from cxray.web.accounts.models import Role
from cxray.web.accounts.services import membership_set
from cxray.web.journeys.services import touchpoint_upsert
from cxray.web.surveys.services import survey_create, survey_publish
from cxray.web.workspaces.services import workspace_create
ws = workspace_create(slug="bench", name="Bench clinic", language="uk")
owner = get_user_model().objects.create_user(username="owner", password="x-bench-12345")
membership_set(user=owner, workspace=ws, role=Role.ADMIN)
tp = touchpoint_upsert(workspace=ws, code="reception", name="Reception")
s = survey_publish(survey=survey_create(workspace=ws, name="After the visit",
    purpose="Decide on evening reception hours", owner_user=owner, touchpoint=tp))
print(s.public_token, s.pk)
"""


def stop(server: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop a server process with ``sig``, then kill it after 30 s."""
    server.send_signal(sig)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, path: str, deadline_s: float = 60) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {path} within {deadline_s}s")


class Client(threading.Thread):
    def __init__(self, port: int, path: str, stop_at: float, index: int) -> None:
        super().__init__(daemon=True)
        self.port, self.path, self.stop_at, self.index = port, path, stop_at, index
        self.latencies: list[float] = []
        self.acknowledged = 0
        self.retries = 0
        self.errors: list[str] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        i = 0
        while time.monotonic() < self.stop_at:
            i += 1
            body = urlencode(
                {
                    "score": str(i % 11),
                    "comment": f"client {self.index} answer {i}",
                    "follow_up": "shorter queue" if i % 11 < 10 else "",
                    "key": uuid.uuid4().hex,
                    "lang": "uk",
                    "emp": "",
                }
            )
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            for _attempt in range(5):  # retry with the same key: never two answers
                t0 = time.perf_counter()
                try:
                    conn.request("POST", self.path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException) as exc:
                    self.retries += 1
                    self.errors.append(type(exc).__name__)
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                    continue
                self.latencies.append(time.perf_counter() - t0)
                if response.status == 302:
                    self.acknowledged += 1
                    break
                self.errors.append(str(response.status))
                self.retries += 1
        conn.close()


def drive(port: int, path: str, seconds: float, n_clients: int) -> tuple[list[Client], float]:
    """Run ``n_clients`` clients against ``path`` for ``seconds``; (clients, elapsed s)."""
    stop_at = time.monotonic() + seconds
    clients = [Client(port, path, stop_at, i) for i in range(n_clients)]
    started = time.monotonic()
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    return clients, time.monotonic() - started


def anchor_app(db_path: str) -> Callable[[dict, Callable], list[bytes]]:
    """The anchor: parse the form, insert one row with its own commit, answer 302."""
    from urllib.parse import parse_qs

    local = threading.local()

    def app(environ: dict, start_response: Callable) -> list[bytes]:
        con = getattr(local, "con", None)
        if con is None:
            con = local.con = sqlite3.connect(db_path, timeout=5, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
        if environ["REQUEST_METHOD"] != "POST":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        size = int(environ.get("CONTENT_LENGTH") or 0)
        form = parse_qs(environ["wsgi.input"].read(size).decode())
        row = [form.get(k, [""])[0] for k in ("key", "score", "comment", "follow_up")]
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT OR IGNORE INTO answer VALUES (?, ?, ?, ?)", row)
        con.execute("COMMIT")
        start_response("302 Found", [("Location", "/thanks/"), ("Content-Length", "0")])
        return [b""]

    return app


def anchor_run(seconds: float, n_clients: int, threads: int, tmp: str) -> dict:
    """The anchor's rate and latencies, with the same clients and server threads."""
    db_path = str(Path(tmp) / "anchor.sqlite3")
    with sqlite3.connect(db_path) as con:
        con.execute("CREATE TABLE answer (key TEXT PRIMARY KEY, score, comment, follow_up)")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--anchor-server", str(port), db_path, str(threads)],
        stdout=subprocess.DEVNULL,
        stderr=(Path(tmp) / "anchor.log").open("w"),
    )
    try:
        wait_ready(port, "/s/anchor/")
        clients, elapsed = drive(port, "/s/anchor/", seconds, n_clients)
    finally:
        stop(server, signal.SIGINT)
    with sqlite3.connect(db_path) as con:
        stored = con.execute("SELECT count(*) FROM answer").fetchone()[0]
    latencies = sorted(x for c in clients for x in c.latencies)
    acknowledged = sum(c.acknowledged for c in clients)
    return {
        "seconds": round(elapsed, 1),
        "acknowledged": acknowledged,
        "stored": stored,
        "responses_per_s": round(acknowledged / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1) if latencies else None,
    }


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--anchor-server":
        from waitress import serve

        port, db_path, threads = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
        serve(anchor_app(db_path), host="127.0.0.1", port=port, threads=threads, _quiet=True)
        return

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="20–60 s (bounded)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    parser.add_argument("--warmup", type=float, default=5, help="s before the timed window")
    parser.add_argument("--anchor-seconds", type=float, default=10, help="0 skips the anchor")
    args = parser.parse_args()
    seconds = min(max(args.seconds, 1), 60)
    with tempfile.TemporaryDirectory(prefix="cxray-bench-") as tmp:
        env = {**os.environ, "CXRAY_DATA_DIR": tmp, "LANG": "en_US.UTF-8"}
        # All clients share one address and one survey: the limiter still counts every
        # request (its cost is measured) but its limits are far above what the run can send.
        env.update(CXRAY_SURVEY_RATE_PER_IP="100000000", CXRAY_SURVEY_RATE_PER_TOKEN="100000000")
        for name in ("DJANGO_SETTINGS_MODULE", "CXRAY_ANALYTICS_URL", "DATABASE_URL"):
            env.pop(name, None)
        out = subprocess.run(
            [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        token, survey_id = out[-2], int(out[-1])
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cxray",
                "serve",
                "--port",
                str(port),
                "--threads",
                str(args.threads),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            # A file, not a pipe: an unread pipe fills up and blocks the server's logging.
            stderr=(Path(tmp) / "server.log").open("w"),
        )
        try:
            path = f"/s/{token}/"
            wait_ready(port, path)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path + "?lang=uk")
            page_bytes = len(conn.getresponse().read())
            conn.close()
            warm = drive(port, path, args.warmup, args.clients)[0] if args.warmup > 0 else []
            time.sleep(1.0 if warm else 0)  # let the warm-up's cases and sync settle
            clients, elapsed = drive(port, path, seconds, args.clients)
            time.sleep(2.5)  # let the last on-commit sync finish (it waits 1 s to batch)
        finally:
            stop(server, signal.SIGINT)
        log_lines = (Path(tmp) / "server.log").read_text(errors="replace").splitlines()
        db = sqlite3.connect(Path(tmp) / "app.sqlite3")
        stored = db.execute(
            "SELECT count(*) FROM surveys_surveyresponse WHERE survey_id = ?", [survey_id]
        ).fetchone()[0]
        unsynced = db.execute(
            "SELECT count(*) FROM surveys_surveyresponse WHERE synced_at IS NULL"
        ).fetchone()[0]
        with_case = db.execute("SELECT count(*) FROM cases_casefeedback").fetchone()[0]
        unchecked = db.execute(
            "SELECT count(*) FROM surveys_surveyresponse WHERE case_checked_at IS NULL"
        ).fetchone()[0]
        db.close()
        import duckdb

        with duckdb.connect(str(Path(tmp) / "analytics.duckdb"), read_only=True) as con:
            in_analytics = con.execute(
                "SELECT count(*) FROM responses WHERE workspace = 'bench' "
                "AND row_key LIKE 'survey-response-%'"
            ).fetchone()[0]
        anchor = (
            anchor_run(args.anchor_seconds, args.clients, args.threads, tmp)
            if args.anchor_seconds > 0
            else None
        )
    latencies = sorted(x for c in clients for x in c.latencies)
    acknowledged = sum(c.acknowledged for c in clients)
    warm_acknowledged = sum(c.acknowledged for c in warm)
    all_acknowledged = acknowledged + warm_acknowledged
    rate = acknowledged / elapsed
    widget = ROOT / "src/cxray/web/static/cxray/widget.js"
    result = {
        "machine": f"{os.cpu_count()} cores (server and clients share them), "
        f"{platform.python_implementation()} {platform.python_version()}",
        "engine": "sqlite + duckdb (embedded default), waitress",
        "seconds": round(elapsed, 1),
        "clients": args.clients,
        "server_threads": args.threads,
        "warmup_seconds": args.warmup,
        "warmup_acknowledged": warm_acknowledged,
        "acknowledged": acknowledged,
        "stored": stored,  # warm-up and timed window together
        "lost": max(all_acknowledged - stored, 0),
        "extra_stored": max(stored - all_acknowledged, 0),
        "in_analytics": in_analytics,
        "unsynced_at_stop": unsynced,
        # The case check keeps up when none is left unchecked at the stop; 10 answers in 11
        # open or join a case (scores 0-9 and the follow-up "shorter queue").
        "answers_with_a_case": with_case,
        "case_checks_left_at_stop": unchecked,
        "retries": sum(c.retries for c in [*warm, *clients]),
        "errors": sorted(set(e for c in [*warm, *clients] for e in c.errors))[:10],
        "responses_per_s": round(rate, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1) if latencies else None,
        "server_log_lines": len(log_lines),
        "server_log_sample": sorted({line[:120] for line in log_lines})[:5],
        "page_bytes": page_bytes,
        "widget_gzip_bytes": len(gzip.compress(widget.read_bytes())) if widget.exists() else None,
        "anchor_bare_wsgi_sqlite": anchor,
        "ratio_to_anchor": round(rate / anchor["responses_per_s"], 3) if anchor else None,
        "target": {"responses_per_s": 300, "p99_ms": 150, "lost": 0},
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
