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
