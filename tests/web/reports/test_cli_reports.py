"""`cxray report money --format html|pdf`, `cxray initiative list`, `cxray report initiative`
and `cxray report kpi`, run in-process on the hand-checked fixture of fixture.py."""

from __future__ import annotations

import json

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from cxray.cli import app

from . import fixture

pytestmark = pytest.mark.django_db


def test_cli(tmp_path):
    lead = fixture.build()
    runner = CliRunner()
    pk = str(lead["initiative"].pk)

    listed = runner.invoke(app, ["initiative", "list", "--workspace", "lead", "--json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)[0]["title"] == "Second cashier at peak hours"

    one = runner.invoke(app, ["report", "initiative", pk, "--workspace", "lead", "--json"])
    assert one.exit_code == 0, one.output
    measured = json.loads(one.stdout)["measured"]
    assert measured["did"]["effect"] == pytest.approx(12.5)
    assert measured["did"]["money"] == pytest.approx(4500.0)
    table = runner.invoke(app, ["report", "initiative", pk, "--workspace", "lead"])
    assert "4,500" in table.stdout

    pdf = tmp_path / "report.pdf"
    args = ["report", "money", "--workspace", "lead", "--format", "pdf", "--output", str(pdf)]
    done = runner.invoke(app, [*args, "--language", "en"])
    assert done.exit_code == 0, done.output
    text = PdfReader(pdf).pages[0].extract_text()
    assert "4,500" in text and "Reception" in text

    html = tmp_path / "report.html"
    args = ["report", "money", "--workspace", "lead", "--format", "html", "--output", str(html)]
    assert runner.invoke(app, [*args, "--language", "uk"]).exit_code == 0
    assert 'lang="uk"' in html.read_text(encoding="utf-8")

    no_file = runner.invoke(app, ["report", "money", "--workspace", "lead", "--format", "pdf"])
    assert no_file.exit_code != 0


def test_cli_kpi_and_unknown_initiative(tmp_path):
    fixture.build()
    runner = CliRunner()
    out = runner.invoke(app, ["report", "kpi", "--workspace", "lead", "--unit", "b0", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    # Branch 0 holds customers 0, 4, 8, ...: 15 NPS answers 30 days ago, 5 of each group.
    (nps,) = [k for k in data["kpis"] if k["metric"] == "nps"]
    assert nps["after"]["n"] == 15 and nps["after"]["value"] == pytest.approx(0.0)
    missing = runner.invoke(app, ["report", "initiative", "999", "--workspace", "lead"])
    assert missing.exit_code != 0
