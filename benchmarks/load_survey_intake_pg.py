"""Benchmark: the survey intake of benchmarks/survey_intake.py, on PostgreSQL with gunicorn.

Starts a throw-away PostgreSQL server (Debian's packages, as scripts/test does), creates the
bench workspace and a published survey in it, starts gunicorn (``--workers 4`` sync processes
by default, as a production server would run), then N client threads post the respondent form
for a fixed time, retrying a failed request with the same idempotency key. Afterwards the
server is stopped and PostgreSQL is counted. Run::

    .venv/bin/python benchmarks/load_survey_intake_pg.py --seconds 30 --clients 16 --workers 4

and it prints one JSON object: acknowledged (302 received), stored (rows in PostgreSQL),
lost (acknowledged but not stored; must be 0), duplicates (must be 0), responses_per_s,
p50_ms/p95_ms/p99_ms, and the error responses seen.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from survey_intake import SETUP, Client, free_port, stop, wait_ready


def pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not found:
        raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
    return Path(found[-1])


class Postgres:
    """A throw-away server in a temporary directory, owned by the postgres user when root."""

    def __init__(self, root: Path) -> None:
        self.root, self.bin, self.port = root, pg_bin(), free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def __enter__(self) -> str:
        if self.as_user:
            shutil.chown(self.root, "postgres")
        data = self.root / "data"
        run = [*self.as_user]
        subprocess.run(
            [*run, str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
             "-E", "UTF8"],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [*run, str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.root / "log"), "-w",
             "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
             "-c max_connections=200", "start"],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [*run, str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
             "-U", "postgres", "cxray"],
            check=True, capture_output=True,
        )  # fmt: skip
        return f"postgres://postgres@127.0.0.1:{self.port}/cxray"

    def __exit__(self, *exc: object) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m",
             "immediate", "stop"],
            capture_output=True,
        )  # fmt: skip


def count(url: str, survey_id: int) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://")) as con:
        stored = con.execute(
            "SELECT count(*) FROM surveys_surveyresponse WHERE survey_id = %s", [survey_id]
        ).fetchone()[0]
        duplicates = con.execute(
            "SELECT count(*) - count(DISTINCT idempotency_key) FROM surveys_surveyresponse "
            "WHERE survey_id = %s",
            [survey_id],
        ).fetchone()[0]
    return int(stored), int(duplicates)


def wait_served(port: int, path: str, log_path: Path) -> None:
    """Wait for the server (a busy machine starts gunicorn slowly); show its log if it died."""
    try:
        wait_ready(port, path, deadline_s=240)
    except SystemExit:
        sys.stderr.write(log_path.read_text(errors="replace")[-3000:])
        raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="5–60 s (bounded)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    args = parser.parse_args()
    seconds = min(max(args.seconds, 5), 60)
    with tempfile.TemporaryDirectory(prefix="cxray-load-") as tmp:
        root = Path(tmp)
        # Its own top-level directory: the postgres user cannot enter root's 0700 temp dir.
        pg_dir = Path(tempfile.mkdtemp(prefix="cxray-load-pg-"))
        data_dir = root / "data"
        data_dir.mkdir()
        with Postgres(pg_dir) as url:
            env = {**os.environ, "CXRAY_DATA_DIR": str(data_dir), "DATABASE_URL": url}
            env.update(LANG="en_US.UTF-8", CXRAY_SURVEY_RATE_PER_IP="0")
            env.update(CXRAY_SURVEY_RATE_PER_TOKEN="0")
            for name in ("DJANGO_SETTINGS_MODULE", "CXRAY_ANALYTICS_URL"):
                env.pop(name, None)
            out = subprocess.run(
                [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True,
                check=True,
            ).stdout.split()  # fmt: skip
            token, survey_id = out[-2], int(out[-1])
            port = free_port()
            log_path = root / "server.log"
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "cxray.web.config.wsgi:application",
                 "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                 "--timeout", "60"],
                env=env, stdout=subprocess.DEVNULL, stderr=log_path.open("w"),
            )  # fmt: skip
            try:
                path = f"/s/{token}/"
                wait_served(port, path, log_path)
                stop_at = time.monotonic() + seconds
                clients = [Client(port, path, stop_at, i) for i in range(args.clients)]
                started = time.monotonic()
                for c in clients:
                    c.start()
                for c in clients:
                    c.join()
                elapsed = time.monotonic() - started
            finally:
                stop(server)
            stored, duplicates = count(url, survey_id)
            server_errors = [
                line[:160]
                for line in log_path.read_text(errors="replace").splitlines()
                if "Error" in line or "Traceback" in line
            ]
        shutil.rmtree(pg_dir, ignore_errors=True)
    latencies = sorted(x for c in clients for x in c.latencies)
    acknowledged = sum(c.acknowledged for c in clients)

    def pct(p: float) -> float | None:
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000, 1)

    print(
        json.dumps(
            {
                "machine": f"{os.cpu_count()} cores (PostgreSQL, server and clients share "
                f"them), {platform.python_implementation()} {platform.python_version()}",
                "engine": f"postgresql + duckdb, gunicorn {args.workers} sync workers",
                "seconds": round(elapsed, 1),
                "clients": args.clients,
                "acknowledged": acknowledged,
                "stored": stored,
                "lost": max(acknowledged - stored, 0),
                "duplicates": duplicates,
                "retries": sum(c.retries for c in clients),
                "errors": sorted(set(e for c in clients for e in c.errors))[:10],
                "server_error_lines": len(server_errors),
                "server_error_sample": sorted(set(server_errors))[:5],
                "responses_per_s": round(acknowledged / elapsed, 1),
                "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
                "p95_ms": pct(0.95),
                "p99_ms": pct(0.99),
                "target": {"lost": 0, "duplicates": 0, "errors": []},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
