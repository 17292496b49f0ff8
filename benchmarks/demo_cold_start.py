"""Benchmark: `cxray demo` in an empty data directory, until the home page is served.

Prints JSON with the seconds from starting the command to the first 200 of the login page
(``served_s``), and to the home page of the demo company for its admin (``home_s``). The
target is under 90 s on 2 cores.

    .venv/bin/python benchmarks/demo_cold_start.py [--runs 3]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

TARGET_S = 90.0
MACHINE = f"{platform.machine()} {os.cpu_count()} cpus python {platform.python_version()}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_run() -> dict[str, float]:
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "CXRAY_DATA_DIR": data_dir, "LANG": "en_US.UTF-8"}
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "cxray", "demo", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            lines: list[str] = []
            while not any("Serving on" in line for line in lines):
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError("cxray demo stopped:\n" + "".join(lines))
                lines.append(line)
            password = re.search(r"demo\s+Password: (\S+)", "".join(lines)).group(1)
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            while True:
                try:
                    page = opener.open(f"{base}/accounts/login/").read().decode()
                    break
                except OSError:
                    time.sleep(0.05)
            served = time.perf_counter() - started
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            body = urllib.parse.urlencode(
                {"username": "demo", "password": password, "csrfmiddlewaretoken": csrf}
            ).encode()
            request = urllib.request.Request(
                f"{base}/accounts/login/", data=body, headers={"Referer": f"{base}/accounts/login/"}
            )
            home = opener.open(request).read().decode()
            if "NPS" not in home:
                raise RuntimeError("the home page did not show the NPS tile")
            return {"served_s": served, "home_s": time.perf_counter() - started}
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run() for _ in range(args.runs)]
    home = statistics.median(r["home_s"] for r in runs)
    print(
        json.dumps(
            {
                "machine": MACHINE,
                "patients": 20000,
                "runs": args.runs,
                "served_s_median": round(statistics.median(r["served_s"] for r in runs), 2),
                "home_s_median": round(home, 2),
                "home_s_all": [round(r["home_s"], 2) for r in runs],
                "target_s": TARGET_S,
                "ratio_to_target": round(home / TARGET_S, 3),
                "meets_target": home < TARGET_S,
            }
        )
    )


if __name__ == "__main__":
    main()
