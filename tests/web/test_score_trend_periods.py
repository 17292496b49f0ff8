"""Score trends by day and by week (weeks start on Monday) on the scores page, from the API
and the CLI.

Five NPS answers, counted by hand:

==========  =======  ======  =====================================
day         weekday  scores  NPS
==========  =======  ======  =====================================
2025-01-06  Monday   10, 3   (1 promoter - 1 detractor) / 2 = 0
2025-01-08  Wed      10      100
2025-01-13  Monday   9, 5    0
==========  =======  ======  =====================================

By week: 2025-01-06 has 10, 3, 10: (2 - 1) / 3 = 33.3; 2025-01-13 has 9, 5: 0. January
2025 as a whole: 3 promoters (10, 10, 9) - 2 detractors (3, 5), over 5 = 20.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from typer.testing import CliRunner

from cxray.cli import app
from cxray.web.accounts.models import Role
from cxray.web.accounts.services import api_token_create, membership_set
from cxray.web.analytics_store import analytics
from cxray.web.workspaces.services import workspace_create

from .conftest import facts

pytestmark = pytest.mark.django_db

ANSWERS = [
    (datetime(2025, 1, 6, 9), 10.0),
    (datetime(2025, 1, 6, 18), 3.0),
    (datetime(2025, 1, 8, 12), 10.0),
    (datetime(2025, 1, 13, 10), 9.0),
    (datetime(2025, 1, 13, 11), 5.0),
]


@pytest.fixture
def weekly(db) -> dict:
    ws = workspace_create(slug="weekly", name="Weekly")
    admin = get_user_model().objects.create_user(username="weekly-admin", password="pw-1234-xyz")
    membership_set(user=admin, workspace=ws, role=Role.ADMIN)
    rows = [
        {
            "workspace": "weekly",
            "row_key": f"r{i}",
            "response_id": f"r{i}",
            "customer_id": f"c{i}",
            "at": at,
            "metric": "nps",
            "score": score,
            "scale_max": 10,
        }
        for i, (at, score) in enumerate(ANSWERS)
    ]
    with analytics() as store:
        store.write("responses", facts("responses", rows))
    return {"admin": admin, "token": api_token_create(workspace=ws, user=admin, name="t")[1]}


def _nps(body: list[dict]) -> dict[str, tuple[float, int]]:
    return {r["group"][:10]: (round(r["value"], 1), r["n"]) for r in body}


def test_api_gives_nps_by_day_and_by_week(client, weekly):
    auth = {"Authorization": f"Bearer {weekly['token']}"}
    by_day = client.get("/api/v1/reports/nps", {"by": "day"}, headers=auth)
    assert by_day.status_code == 200, by_day.content
    assert _nps(by_day.json()) == {
        "2025-01-06": (0.0, 2),
        "2025-01-08": (100.0, 1),
        "2025-01-13": (0.0, 2),
    }
    by_week = client.get("/api/v1/reports/nps", {"by": "week"}, headers=auth).json()
    assert _nps(by_week) == {"2025-01-06": (33.3, 3), "2025-01-13": (0.0, 2)}
    wrong = client.get("/api/v1/reports/nps", {"by": "fortnight"}, headers=auth)
    assert wrong.status_code == 400 and "day, week, month" in wrong.json()["detail"]


def test_cli_gives_nps_by_week(weekly):
    out = CliRunner().invoke(app, ["report", "nps", "-w", "weekly", "--by", "week", "--json"])
    assert out.exit_code == 0, out.output
    rows = {r["group"][:10]: (round(r["value"], 1), r["n"]) for r in json.loads(out.stdout)}
    assert rows == {"2025-01-06": (33.3, 3), "2025-01-13": (0.0, 2)}


def test_the_scores_page_draws_the_trend_by_the_chosen_step(client, weekly):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(weekly["admin"])
    url = reverse("scores", args=["weekly"])
    week = client.get(url, {"step": "week", "period": "all"}).content.decode()
    assert "By week (from Monday), with the 95% interval" in week
    assert "<title>06.01: 33.3" in week and "<title>13.01: 0.0" in week
    day = client.get(url, {"step": "day", "period": "all"}).content.decode()
    assert "<title>08.01: 100.0" in day and "<title>06.01: 0.0" in day
    month = client.get(url, {"step": "fortnight", "period": "all"}).content.decode()
    assert "By month, with the 95% interval" in month and "<title>01.25: 20.0" in month
