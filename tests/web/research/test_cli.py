"""`cxray interview import`, `cxray report reasons`, `cxray selftest list`,
`cxray competitors import` and `cxray report competitors`, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SETUP = """
from cxray.cli import setup
setup(None)
from django.utils import timezone
from cxray.web.research.models import Assessment
from cxray.web.workspaces.models import Workspace
ws = Workspace.objects.get(slug="acme")
Assessment.objects.create(workspace=ws, questionnaire="cx_audit", completed_at=timezone.now(),
    answers={"goal_in_money": 2, "kpi_explained": 4, "negative_answered": 1})
"""


def run(*args: str, data_dir: Path, ok: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "CXRAY_DATA_DIR": str(data_dir), "LANG": "en_US.UTF-8"}
    for name in ("DJANGO_SETTINGS_MODULE", "CXRAY_ANALYTICS_URL", "DATABASE_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert (result.returncode == 0) == ok, result.stderr
    return result


@pytest.mark.parametrize("command", [["interview"], ["selftest"], ["competitors"]])
def test_help(command, tmp_path):
    assert "Usage" in run("-m", "cxray", *command, "--help", data_dir=tmp_path).stdout


def test_interviews_reasons_selftests_competitors(tmp_path):
    data = tmp_path / "data"
    run("-m", "cxray", "workspace", "create", "acme", data_dir=data)
    bad = tmp_path / "bad.csv"
    bad.write_text("customer,date\nc1,2024-02-30\n", encoding="utf-8")
    failed = run(
        "-m", "cxray", "interview", "import", str(bad), "-w", "acme", data_dir=data, ok=False
    )
    assert "row 2, column \"date\": '2024-02-30' is not a date" in failed.stderr

    interviews = tmp_path / "interviews.json"
    interviews.write_text(
        json.dumps(
            [
                {
                    "customer": "c1",
                    "date": "2024-03-01",
                    "segment": "VIP",
                    "reasons": "habit;price",
                },
                {"customer": "c2", "date": "2024-03-02", "segment": "VIP", "reasons": "habit"},
                {"customer": "c3", "date": "2024-03-03", "what_changed": "Мы переехали"},
            ]
        ),
        encoding="utf-8",
    )
    out = run(
        "-m", "cxray", "interview", "import", str(interviews), "-w", "acme", "--json", data_dir=data
    )
    assert json.loads(out.stdout)["imported"] == 3
    report = json.loads(
        run("-m", "cxray", "report", "reasons", "-w", "acme", "--json", data_dir=data).stdout
    )
    # Two coded interviews (c3 has only a suggestion): habit 2/2, price 1/2.
    assert report[0]["segment"] == "all" and report[0]["n"] == 2 and report[0]["uncoded"] == 1
    assert [(r["reason"], r["share"]) for r in report[0]["reasons"]] == [
        ("habit", 100.0),
        ("price", 50.0),
    ]

    run("-c", SETUP, data_dir=data)
    tests = json.loads(
        run("-m", "cxray", "selftest", "list", "-w", "acme", "--json", data_dir=data).stdout
    )
    # goals (2 + 4) / 2 / 4 = 75, feedback 1 / 4 = 25 -> total 50; gaps: 1 then 2.
    assert tests[0]["total"] == 50.0
    assert [g["item"] for g in tests[0]["gaps"]] == ["negative_answered", "goal_in_money"]

    ratings = tmp_path / "ratings.csv"
    ratings.write_text("subject,score\nRival,10\nRival,0\nbest,10\n", encoding="utf-8")
    run("-m", "cxray", "competitors", "import", str(ratings), "-w", "acme", data_dir=data)
    rows = json.loads(
        run("-m", "cxray", "report", "competitors", "-w", "acme", "--json", data_dir=data).stdout
    )
    assert [(r["subject"], r["other"]["value"], r["other"]["n"]) for r in rows] == [
        ("Rival", 0.0, 2),
        ("best_anywhere", 100.0, 1),
    ]
    assert rows[0]["own"]["n"] == 0 and rows[0]["difference"] is None  # no own answers yet
