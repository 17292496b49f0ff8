"""`cxray import journey`, `cxray export journey` and `cxray journey list`, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TEXT = """\
journey: patient-to-be
name: Пациент (как должно быть)
variant: to-be
stages:
  - name: Запись
    steps:
      - id: call
        title: Звонок
        touchpoint: booking_call
        communications:
          - message: 'Вы записаны: {date}'
            channel: sms
            timing: 0d
        emotion: -1
"""


def cxray(*args: str, data_dir: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "CXRAY_DATA_DIR": str(data_dir), "LANG": "en_US.UTF-8"}
    for name in ("DJANGO_SETTINGS_MODULE", "CXRAY_ANALYTICS_URL", "DATABASE_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "cxray", *args], env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    if check and result.returncode != 0:
        raise AssertionError(f"cxray {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


BAD = "journey: x\nname: X\nstages:\n  - name: A\n    steps:\n      - id: s\n        titel: T\n"


def test_import_export_list_round_trip(tmp_path):
    data = tmp_path / "data"
    cxray("workspace", "create", "acme", data_dir=data)
    text = TEXT
    src = tmp_path / "to-be.yaml"
    src.write_text(text, encoding="utf-8")
    out = cxray("import", "journey", str(src), "--workspace", "acme", data_dir=data).stdout
    assert "patient-to-be" in out and "version 1" in out
    exported = cxray("export", "journey", "patient-to-be", "--workspace", "acme", data_dir=data)
    assert exported.stdout == text  # lossless: byte for byte
    # The same file again is no new version.
    again = cxray("import", "journey", str(src), "-w", "acme", data_dir=data).stdout
    assert "version 1" in again
    listed = cxray("journey", "list", "--workspace", "acme", data_dir=data).stdout
    assert listed.splitlines() == ["patient-to-be"]

    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD, encoding="utf-8")
    failed = cxray("import", "journey", str(bad), "-w", "acme", data_dir=data, check=False)
    assert failed.returncode == 2
    assert "bad.yaml: line 7: unknown key 'titel'" in failed.stderr
    missing = cxray("export", "journey", "nope", "-w", "acme", data_dir=data, check=False)
    assert missing.returncode == 2 and "journey 'nope' does not exist" in missing.stderr
    # The zip export still works beside the journey export.
    cxray("export", str(tmp_path / "acme.zip"), "-w", "acme", data_dir=data)
    assert (tmp_path / "acme.zip").exists()
