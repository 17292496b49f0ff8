"""`cxray report attachment|ex|internal` on the demo company, end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cxray.demo import PLANTED


def cxray(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CXRAY_DATA_DIR": str(data_dir), "LANG": "en_US.UTF-8"}
    for name in ("DJANGO_SETTINGS_MODULE", "CXRAY_ANALYTICS_URL", "DATABASE_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "cxray", *args], env=env, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise AssertionError(f"cxray {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("people") / "data"
    cxray("demo", "--no-serve", "--patients", "3000", data_dir=data)
    return data


def test_report_attachment_finds_the_planted_doctor(demo_dir) -> None:
    out = cxray("report", "attachment", "-w", "demo", "--json", data_dir=demo_dir).stdout
    data = json.loads(out)
    doctor = PLANTED["attachment_to_person"]["employee_id"]
    (d,) = [d for d in data["departures"] if d["employee_id"] == doctor]
    assert d["attached_churn"]["n"] >= 40
    assert d["attached_churn"]["value"] > 2 * d["comparable_churn"]["value"]
    assert d["risk_ratio_low"] > 1
    assert data["alerts"] and all(a["customers"] >= 1 for a in data["alerts"])
    text = cxray("report", "attachment", "-w", "demo", data_dir=demo_dir).stdout
    assert doctor in text and "depend on" in text


def test_report_ex_and_internal(demo_dir) -> None:
    ex = json.loads(cxray("report", "ex", "-w", "demo", "--json", data_dir=demo_dir).stdout)
    assert ex["min_group"] == 5 and ex["enps"]["n"] > 0
    assert all(r["n"] >= 5 for r in ex["by_unit"])
    # The planted EX-CX branch has the lowest eNPS of the branches.
    pairs = {p["unit_id"]: p for p in ex["ex_cx"]}
    low = min(pairs, key=lambda u: pairs[u]["enps"]["value"])
    assert low == PLANTED["ex_cx_link"]["unit_id"]
    assert ex["ex_cx_correlation"]["n"] == len(
        [p for p in pairs.values() if p["enps"]["reliable"] and p["nps"]["reliable"]]
    )
    internal = json.loads(
        cxray("report", "internal", "-w", "demo", "--json", data_dir=demo_dir).stdout
    )
    assert internal["min_group"] == 5 and isinstance(internal["cells"], list)
