"""Scores against the respondents' own habit with the scale, from the API and the CLI."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from typer.testing import CliRunner

from cxray.cli import app
from cxray.web.analytics_store import analytics

from .conftest import facts

pytestmark = pytest.mark.django_db

# Each answer's baseline is the mean of the same customer's other answers (3 or more each).
#   A: tp1 10 (others 6, 8: baseline 7, +3), tp2 6 (baseline 9, -3), tp2 8 (baseline 8, 0)
#   B: tp1 4 (others 1, 1: baseline 1, +3), tp2 1 (baseline 2.5, -1.5) twice
# tp1: deviations 3, 3 -> +3.0 (n 2), raw mean 7.0; tp2: -3, 0, -1.5, -1.5 -> -1.5 (n 4),
# raw mean 4.0. Raw means say tp2 is 3 points worse; the same people say 4.5 points.
ANSWERS = [("A", "tp1", 10), ("A", "tp2", 6), ("A", "tp2", 8),
           ("B", "tp1", 4), ("B", "tp2", 1), ("B", "tp2", 1)]  # fmt: skip


@pytest.fixture
def habits(two_companies):
    a, _b = two_companies
    at = datetime.combine(datetime.now().date(), datetime.min.time())
    rows = [
        {"workspace": "alpha", "row_key": f"own{i}", "response_id": f"own{i}",
         "customer_id": who, "touchpoint_id": tp, "metric": "csat", "score": float(score),
         "scale_max": 10, "at": at}
        for i, (who, tp, score) in enumerate(ANSWERS)
    ]  # fmt: skip
    with analytics() as store:
        store.write("responses", facts("responses", rows))
    return a


def test_the_api_gives_each_touchpoint_against_the_same_peoples_habit(client, habits):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {habits['token']}"}
    got = client.get("/api/v1/reports/own-scale", {"metric": "csat", "by": "touchpoint"}, **auth)
    assert got.status_code == 200, got.content
    rows = {r["group"]: r for r in got.json()}
    assert set(rows) == {"tp1", "tp2"}
    assert (rows["tp1"]["mean_deviation"], rows["tp1"]["n"], rows["tp1"]["mean_score"]) == (
        3.0,
        2,
        7.0,
    )
    assert (rows["tp2"]["mean_deviation"], rows["tp2"]["n"], rows["tp2"]["mean_score"]) == (
        -1.5,
        4,
        4.0,
    )
    # tp1's two deviations are equal: no spread, so the interval is the point itself.
    assert rows["tp1"]["low"] == rows["tp1"]["high"] == 3.0
    assert rows["tp2"]["low"] < -1.5 < rows["tp2"]["high"]
    bad = client.get("/api/v1/reports/own-scale", {"by": "segment"}, **auth)
    assert bad.status_code == 400
    assert "touchpoint, unit, employee, channel" in bad.json()["detail"]


def test_the_cli_gives_the_same_figures(habits):
    result = CliRunner().invoke(
        app, ["report", "own-scale", "-w", "alpha", "--metric", "csat", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = {r["group"]: r for r in json.loads(result.stdout)}
    assert (rows["tp1"]["mean_deviation"], rows["tp2"]["mean_deviation"]) == (3.0, -1.5)
    text = CliRunner().invoke(app, ["report", "own-scale", "-w", "alpha", "--metric", "csat"])
    assert "tp2" in text.output and "-1.50" in text.output and "n=4" in text.output
