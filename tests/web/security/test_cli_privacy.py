"""`cxray customer find/erase` and `cxray audit export` end to end, as an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def cxray(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CXRAY_DATA_DIR": str(data_dir), "LANG": "en_US.UTF-8"}
    for name in ("DJANGO_SETTINGS_MODULE", "CXRAY_ANALYTICS_URL", "DATABASE_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "cxray", *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"cxray {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def test_find_erase_and_audit_from_the_command_line(tmp_path):
    people = tmp_path / "customers.csv"
    people.write_text(
        "customer_id,name,email,phone,segment\n"
        "c1,Olena Koval,olena@example.com,+380671234567,B\n"
        "c2,Petro Bondar,petro@example.com,,A\n",
        encoding="utf-8",
    )
    data = tmp_path / "data"
    cxray("workspace", "create", "shop", data_dir=data)
    cxray("import", "customers", str(people), "--workspace", "shop", data_dir=data)
    found = json.loads(
        cxray("customer", "find", "067 123 45 67", "-w", "shop", "--json", data_dir=data).stdout
    )
    assert [(m["customer_id"], m["rows"]) for m in found] == [("c1", {"customers": 1})]
    erased = cxray("customer", "erase", "c1", "-w", "shop", "--yes", "--json", data_dir=data)
    assert json.loads(erased.stdout) == {"removed": {"customers": 1}}
    log = cxray("audit", "export", "-", "-w", "shop", data_dir=data).stdout
    assert "customer.erase" in log and "customers.search" in log and ",import," in log
    for trace in ["Olena", "olena@example.com", "0671234567"]:
        assert trace not in log
    # The id is kept only as a keyed hash (whose hex digits may contain "c1" by chance).
    assert ",c1," not in log and "=c1" not in log
