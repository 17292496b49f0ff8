"""The `cxray` command end to end, in a fresh data directory per test, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest


def cxray(*args: str, data_dir: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "CXRAY_DATA_DIR": str(data_dir), "LANG": "en_US.UTF-8"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("CXRAY_ANALYTICS_URL", None)
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "cxray", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"cxray {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["demo"],
        ["serve"],
        ["workspace", "create"],
        ["import"],
        ["report", "nps"],
        ["export"],
        ["backup"],
        ["restore"],
        ["user", "create"],
        ["token", "create"],
    ],
)
def test_every_command_has_help(command, tmp_path):
    result = cxray(*command, "--help", data_dir=tmp_path)
    assert "Usage" in result.stdout


def test_workspace_import_report_export_backup_restore(tmp_path, shared_data):
    data = tmp_path / "data"
    cxray("workspace", "create", "acme", "--title", "Acme", data_dir=data)

    again = cxray("workspace", "create", "acme", data_dir=data, check=False)
    assert again.returncode != 0
    assert again.stderr.strip() == "error: workspace 'acme' already exists; choose another name"

    verbatims = shared_data / "nps_verbatims" / "nps_verbatims.csv"
    out = cxray("import", "feedback", str(verbatims), "-w", "acme", "--json", data_dir=data)
    summary = json.loads(out.stdout)
    assert (summary["stored"], summary["skipped"]) == (2353, {"no score": 32})

    nps = json.loads(cxray("report", "nps", "-w", "acme", "--json", data_dir=data).stdout)
    assert nps[0]["value"] == pytest.approx(-24.69, abs=0.005)
    assert nps[0]["n"] == 2353
    by_stage = json.loads(
        cxray("report", "nps", "-w", "acme", "--by", "touchpoint", "--json", data_dir=data).stdout
    )
    assert {g["group"]: round(g["value"], 2) for g in by_stage}["Equipment Received"] == -56.71

    rerun = json.loads(
        cxray("import", "feedback", str(verbatims), "-w", "acme", "--json", data_dir=data).stdout
    )
    assert (rerun["stored"], rerun["unchanged"]) == (0, 2353)

    export = tmp_path / "acme.zip"
    cxray("export", str(export), "-w", "acme", data_dir=data)
    responses = zipfile.ZipFile(export).read("responses.csv").decode("utf-8-sig")
    assert responses.count("\n") == 2354

    backup = tmp_path / "acme.cxray"
    cxray("backup", str(backup), data_dir=data)
    fresh = tmp_path / "fresh"
    cxray("restore", str(backup), data_dir=fresh)
    restored = json.loads(cxray("report", "nps", "-w", "acme", "--json", data_dir=fresh).stdout)
    assert restored == nps


def test_telco_customers_import_gives_the_published_churn(tmp_path, shared_data):
    data = tmp_path / "data"
    cxray("workspace", "create", "telco", data_dir=data)
    telco = shared_data / "telco_churn" / "WA_Fn-UseC_-Telco-Customer-Churn.csv"
    dry = json.loads(
        cxray(
            "import", "customers", str(telco), "-w", "telco", "--dry-run", "--json", data_dir=data
        ).stdout
    )
    assert (dry["status"], dry["stored"]) == ("dry_run", 7043)
    out = json.loads(
        cxray("import", "customers", str(telco), "-w", "telco", "--json", data_dir=data).stdout
    )
    assert out["stored"] == 7043
    export = tmp_path / "telco.zip"
    cxray("export", str(export), "-w", "telco", data_dir=data)
    import csv
    import io

    rows = list(
        csv.DictReader(
            io.StringIO(zipfile.ZipFile(export).read("customers.csv").decode("utf-8-sig"))
        )
    )
    churned = sum(r["churned"] == "True" for r in rows)
    assert (len(rows), churned) == (7043, 1869)  # 26.54%, as published


def test_failure_is_one_line_and_non_zero(tmp_path):
    result = cxray("report", "nps", "-w", "nowhere", data_dir=tmp_path, check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: workspace 'nowhere' does not exist")


def test_demo_then_behaviour_reports(tmp_path):
    data = tmp_path / "data"
    out = cxray("demo", "--no-serve", "--patients", "3000", data_dir=data)
    assert "demo" in out.stdout and "Password" in out.stdout
    churn = json.loads(cxray("report", "churn", "-w", "demo", "--json", data_dir=data).stdout)
    assert churn["churn_lag_days"] == 180
    clv = json.loads(cxray("report", "clv", "-w", "demo", "--json", data_dir=data).stdout)
    assert clv["bg_nbd"]["r"] > 0 and len(clv["by_segment"]) == 4
    drivers = json.loads(
        cxray(
            "report", "drivers", "-w", "demo", "--outcome", "churned", "--json", data_dir=data
        ).stdout
    )
    assert 0 <= drivers["r2"] <= 1
    money = json.loads(cxray("report", "money", "-w", "demo", "--json", data_dir=data).stdout)
    assert money["value_at_risk_by_touchpoint"]
