"""`cxray worker --once`, `cxray case list` and `cxray report reaction` in a fresh data dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SETUP = """
from datetime import timedelta
from django.utils import timezone
from cxray.cli import setup
setup(None)
from cxray.web.cases.services import case_open, case_note
from cxray.web.workspaces.models import Workspace
ws = Workspace.objects.get(slug="acme")
t0 = timezone.now() - timedelta(days=4)
for hours in (2, 6, 70):
    c = case_open(workspace=ws, title=f"late {hours}", now=t0)
    case_note(case=c, by=None, text="called", now=t0 + timedelta(hours=hours))
case_open(workspace=ws, title="nobody reacted", now=t0)
"""


def run(*args: str, data_dir: Path) -> str:
    env = {
        **os.environ,
        "CXRAY_DATA_DIR": str(data_dir),
        "LANG": "en_US.UTF-8",
        "CXRAY_DIGEST_HOUR": "24",
    }
    for name in ("DJANGO_SETTINGS_MODULE", "CXRAY_ANALYTICS_URL", "DATABASE_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_worker_escalates_once_and_reaction_report(tmp_path):
    run("-m", "cxray", "workspace", "create", "acme", data_dir=tmp_path)
    run("-c", SETUP, data_dir=tmp_path)
    first = json.loads(run("-m", "cxray", "worker", "--once", data_dir=tmp_path))
    second = json.loads(run("-m", "cxray", "worker", "--once", data_dir=tmp_path))
    assert (first["escalation"], second["escalation"]) == (1, 0)  # the silent case, once
    listed = json.loads(
        run("-m", "cxray", "case", "list", "-w", "acme", "--overdue", "--json", data_dir=tmp_path)
    )
    assert listed == []  # escalated: a new deadline, not overdue any more
    data = json.loads(
        run("-m", "cxray", "report", "reaction", "-w", "acme", "--json", data_dir=tmp_path)
    )
    times = data["times"]
    # reactions after 2, 6 and 70 h: median 6, p90 6 + 0.8 * 64 = 57.2; in time 2 of 4
    assert times["first_reaction"]["median_h"] == 6.0
    assert abs(times["first_reaction"]["p90_h"] - 57.2) < 1e-9
    assert (times["within_deadline"]["top"], times["within_deadline"]["n"]) == (2, 4)
    text = run("-m", "cxray", "report", "reaction", "-w", "acme", data_dir=tmp_path)
    assert "6.0 h" in text and "50%" in text


WEBHOOKS = """
from cxray.cli import setup
setup(None)
from cxray.web.notifications.services import webhook_create
from cxray.web.workspaces.models import Workspace
ws = Workspace.objects.get(slug="acme")
import sys
for url in sys.argv[1:]:
    ep = webhook_create(workspace=ws, url=url)
    print(ep.pk, ep.secret)
"""


def test_import_opens_cases_once_and_webhook_test_reports_the_answer(tmp_path):
    import hashlib
    import hmac
    import socket
    import threading
    from datetime import datetime, timedelta
    from http.server import BaseHTTPRequestHandler, HTTPServer

    run("-m", "cxray", "workspace", "create", "acme", data_dir=tmp_path)
    # Local wall-clock dates, as a file would have them (the CLI's zone is Europe/Kyiv).
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Europe/Kyiv")).replace(tzinfo=None)

    def day(n: int) -> str:
        return (today - timedelta(days=n)).strftime("%Y-%m-%d %H:%M")

    feedback = tmp_path / "feedback.csv"
    feedback.write_text(
        "at,metric,score,customer_id,comment\n"
        f"{day(1)},nps,2,k1,\n{day(2)},nps,5,k2,\n{day(20)},nps,1,k3,\n"
        f"{day(1)},nps,10,k4,\n{day(3)},nps,9,k5,\n",
        encoding="utf-8",
    )
    args = ("-m", "cxray", "import", "feedback", str(feedback), "-w", "acme")
    first = json.loads(run(*args, "--open-cases-days", "7", "--json", data_dir=tmp_path))
    assert first["cases"] == {"days": 7, "checked": 4, "opened": 2, "joined": 0}
    text = run(*args, "--open-cases-days", "7", data_dir=tmp_path)
    assert "cases opened: 0, joined to open cases: 0 (answers of the last 7 days)" in text
    cases = json.loads(
        run("-m", "cxray", "case", "list", "-w", "acme", "--json", data_dir=tmp_path)
    )
    assert sorted(c["title"] for c in cases) == ["NPS 2", "NPS 5"]

    secrets: list[str] = []

    class Checker(BaseHTTPRequestHandler):
        def do_POST(self):  # the name http.server calls
            body = self.rfile.read(int(self.headers["Content-Length"]))
            mac = hmac.new(secrets[0].encode(), body, hashlib.sha256).hexdigest()
            good = self.headers["X-Cxray-Signature"] == f"sha256={mac}"
            self.send_response(200 if good else 401)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Checker)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    try:
        made = run(
            "-c",
            WEBHOOKS,
            f"http://127.0.0.1:{server.server_port}/hook",
            f"http://127.0.0.1:{closed}/down",
            data_dir=tmp_path,
        ).split()
        good_id, secrets[:], down_id = made[0], [made[1]], made[2]
        ok = run("-m", "cxray", "webhook", "test", good_id, "-w", "acme", data_dir=tmp_path)
        assert "the receiver answered HTTP 200" in ok
    finally:
        server.shutdown()
        server.server_close()
    env = {**os.environ, "CXRAY_DATA_DIR": str(tmp_path), "LANG": "en_US.UTF-8"}
    for name in ("DJANGO_SETTINGS_MODULE", "CXRAY_ANALYTICS_URL", "DATABASE_URL"):
        env.pop(name, None)
    down = subprocess.run(
        [sys.executable, "-m", "cxray", "webhook", "test", down_id, "-w", "acme", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert down.returncode == 1
    result = json.loads(down.stdout)
    assert result["sent"] is False and result["response_code"] is None
    assert "refused" in result["error"].lower()
