"""`cxray survey list` as a user runs it, in a fresh data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SETUP = """
from cxray.cli import setup
setup(None)
from django.contrib.auth import get_user_model
from cxray.web.surveys.services import survey_create, survey_publish
from cxray.web.workspaces.models import Workspace
ws = Workspace.objects.get(slug="acme")
owner = get_user_model().objects.get(username="olena")
survey_publish(survey=survey_create(workspace=ws, name="After the visit", type="csat",
    purpose="Decide on evening hours", owner_user=owner))
survey_create(workspace=ws, name="Draft one")
"""


def run(*args: str, data_dir: Path) -> str:
    env = {**os.environ, "CXRAY_DATA_DIR": str(data_dir), "LANG": "en_US.UTF-8"}
    for name in ("DJANGO_SETTINGS_MODULE", "CXRAY_ANALYTICS_URL", "DATABASE_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_survey_list_json(tmp_path):
    run("-m", "cxray", "workspace", "create", "acme", data_dir=tmp_path)
    run("-m", "cxray", "user", "create", "olena", "--workspace", "acme", data_dir=tmp_path)
    run("-c", SETUP, data_dir=tmp_path)
    rows = json.loads(
        run("-m", "cxray", "survey", "list", "-w", "acme", "--json", data_dir=tmp_path)
    )
    by_name = {r["name"]: r for r in rows}
    published = by_name["After the visit"]
    assert (published["type"], published["status"], published["owner"]) == (
        "csat",
        "published",
        "olena",
    )
    assert published["purpose"] == "Decide on evening hours"
    assert published["public_link"].startswith("http://") and "/s/" in published["public_link"]
    assert by_name["Draft one"]["status"] == "draft" and by_name["Draft one"]["owner"] == ""
    text = run("-m", "cxray", "survey", "list", "-w", "acme", data_dir=tmp_path)
    assert "After the visit" in text and "csat" in text
