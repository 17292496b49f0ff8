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
    value = json.loads(
        run("-m", "cxray", "survey", "value", "-w", "acme", "--json", data_dir=tmp_path)
    )
    assert {r["name"]: (r["answers"], r["idle"]) for r in value} == {
        "After the visit": (0, False),
        "Draft one": (0, False),
    }


INVITE_SETUP = """
from cxray.cli import setup
setup(None)
from django.contrib.auth import get_user_model
from cxray.web.surveys.invitations import policy_update
from cxray.web.surveys.models import Contact
from cxray.web.surveys.services import survey_create, survey_publish
from cxray.web.workspaces.models import Workspace
ws = Workspace.objects.get(slug="acme")
owner = get_user_model().objects.get(username="olena")
s = survey_publish(survey=survey_create(workspace=ws, name="After the visit",
    purpose="Decide on evening hours", owner_user=owner))
policy_update(workspace=ws, quiet_start_hour=0, quiet_end_hour=0)  # any hour of the test run
Contact.objects.create(workspace=ws, email="gone@example.com",
    opted_out_at=__import__("django.utils.timezone").utils.timezone.now())
print(s.pk)
"""


def test_survey_invite_json_through_a_real_smtp_server(tmp_path, smtp, settings, monkeypatch):
    monkeypatch.setenv("CXRAY_EMAIL_HOST", "127.0.0.1")
    monkeypatch.setenv("CXRAY_EMAIL_PORT", str(settings.EMAIL_PORT))
    monkeypatch.setenv("CXRAY_PUBLIC_URL", "https://cx.example.com")
    run("-m", "cxray", "workspace", "create", "acme", data_dir=tmp_path)
    run("-m", "cxray", "user", "create", "olena", "--workspace", "acme", data_dir=tmp_path)
    survey_id = run("-c", INVITE_SETUP, data_dir=tmp_path).strip()
    people = tmp_path / "people.csv"
    people.write_text(
        "email,name,customer_id,language\n"
        "anna@example.com,Anna,c-1,en\n"
        "bohdan@example.com,Богдан,c-2,uk\n"
        "gone@example.com,,,\n"
        "anna@example.com,Anna again,,\n"
        "broken-address,,,\n",
        encoding="utf-8",
    )
    args = ("-m", "cxray", "survey", "invite", survey_id, str(people), "-w", "acme")
    out = json.loads(run(*args, "--json", data_dir=tmp_path))
    assert (out["sent"], out["skipped"], out["failed"]) == (2, 3, 0)
    assert out["reasons"] == {"opted_out": 1, "recent": 1, "invalid_email": 1}
    assert len(smtp.messages) == 2
    body = smtp.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "https://cx.example.com/s/" in body and "?i=" in body and "/s/optout/" in body
    # Again: everyone was asked today, nobody gets a second mail.
    text = run(*args, data_dir=tmp_path)
    assert "sent: 0" in text and "invited recently" in text and "opted out" in text
    assert len(smtp.messages) == 2
