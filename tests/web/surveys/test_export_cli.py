"""`cxray survey export` as a user runs it, in a fresh data directory."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

SETUP = """
from cxray.cli import setup
setup(None)
from django.contrib.auth import get_user_model
from cxray.web.cases.services import case_note, case_open
from cxray.web.surveys.services import response_submit, survey_create, survey_publish
from cxray.web.workspaces.models import Workspace
ws = Workspace.objects.get(slug="acme")
owner = get_user_model().objects.get(username="olena")
s = survey_publish(survey=survey_create(workspace=ws, name="After the visit",
    purpose="Decide on evening hours", owner_user=owner, competitor="Rival"))
r, _ = response_submit(survey=s, score=9, comment="@fast", competitor_score=4)
case = case_open(workspace=ws, title="Follow up", response=r, owner_user=owner)
case_note(case=case, by=owner, text="asked about parking")
e = survey_publish(survey=survey_create(workspace=ws, name="Staff", type="enps",
    purpose="Decide on training", owner_user=owner))
print(s.pk, e.pk, case.pk)
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


def test_survey_export_writes_case_notes_and_refuses_employee_surveys(tmp_path):
    run("-m", "cxray", "workspace", "create", "acme", data_dir=tmp_path)
    run("-m", "cxray", "user", "create", "olena", "--workspace", "acme", data_dir=tmp_path)
    survey_id, enps_id, case_id = run("-c", SETUP, data_dir=tmp_path).stdout.split()
    out = tmp_path / "answers.csv"
    done = run("-m", "cxray", "survey", "export", survey_id, str(out), "-w", "acme",
               data_dir=tmp_path)  # fmt: skip
    assert "1 responses written" in done.stdout
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 1
    got = {k: rows[0][k] for k in ("score", "comment", "competitor_score", "case", "case_notes")}
    assert got == {"score": "9", "comment": "'@fast", "competitor_score": "4",
                   "case": case_id, "case_notes": "asked about parking"}  # fmt: skip
    refused = run("-m", "cxray", "survey", "export", enps_id, str(out), "-w", "acme",
                  data_dir=tmp_path, ok=False)  # fmt: skip
    assert "employee survey" in refused.stderr + refused.stdout
    wrong = run("-m", "cxray", "survey", "export", survey_id, str(tmp_path / "a.txt"),
                "-w", "acme", data_dir=tmp_path, ok=False)  # fmt: skip
    assert ".csv or .xlsx" in wrong.stderr + wrong.stdout
