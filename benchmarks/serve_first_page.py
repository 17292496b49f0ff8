"""Benchmark: the first page after `cxray serve` starts, with and without the warm-up.

For each mode (CXRAY_WARM_UP=0, then 1) and each run it starts `cxray serve` on a data
directory migrated beforehand, and measures

- ``listen_s``: seconds from starting the command until the port accepts connections;
- ``immediate_ms``: the first GET of the login page sent as soon as the port accepts (the
  time that one request took) and ``immediate_total_s`` (start to its 200);
- ``later_ms``: in a second start, the first GET sent ``--delay`` seconds after the port
  accepts (a person opening the page a little after the server came up);
- ``second_ms``: the next GET of the same page (what every later request costs).

    .venv/bin/python benchmarks/serve_first_page.py [--runs 2] [--delay 20]

It prints one JSON object with the medians per mode.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

MACHINE = f"{platform.machine()} {os.cpu_count()} cpus python {platform.python_version()}"
PAGE = "/accounts/login/?lang=en"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_ms(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as r:
        r.read()
        if r.status != 200:
            raise RuntimeError(f"{url}: HTTP {r.status}")
    return (time.perf_counter() - started) * 1000


def one_start(data_dir: str, warm: bool, delay: float) -> dict[str, float]:
    port = free_port()
    env = {**os.environ, "CXRAY_DATA_DIR": data_dir, "CXRAY_WARM_UP": "1" if warm else "0"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cxray", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"cxray serve stopped with {proc.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.02)
        listen = time.perf_counter() - started
        if delay:
            time.sleep(delay)
        url = f"http://127.0.0.1:{port}{PAGE}"
        first = _get_ms(url)
        total = time.perf_counter() - started
        second = _get_ms(url)
        return {"listen_s": listen, "first_ms": first, "total_s": total, "second_ms": second}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--delay", type=float, default=20.0)
    args = parser.parse_args()
    out: dict[str, object] = {"machine": MACHINE, "page": PAGE, "delay_s": args.delay}
    with tempfile.TemporaryDirectory() as data_dir:
        # Migrations once, so that every start measures the server, not the first migrate.
        subprocess.run(
            [sys.executable, "-m", "cxray", "workspace", "list"],
            env={**os.environ, "CXRAY_DATA_DIR": data_dir},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        for warm in (False, True):
            now = [one_start(data_dir, warm, 0.0) for _ in range(args.runs)]
            later = [one_start(data_dir, warm, args.delay) for _ in range(args.runs)]
            out["warm_up" if warm else "no_warm_up"] = {
                "listen_s": round(statistics.median(r["listen_s"] for r in now), 2),
                "immediate_ms": round(statistics.median(r["first_ms"] for r in now)),
                "immediate_total_s": round(statistics.median(r["total_s"] for r in now), 2),
                "later_ms": round(statistics.median(r["first_ms"] for r in later)),
                "second_ms": round(statistics.median(r["second_ms"] for r in now + later)),
                "runs": args.runs,
            }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
