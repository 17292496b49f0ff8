"""The drivers of one segment, and of each segment, on the page, in the API and in the CLI.

40 customers rate two touchpoints on CSAT, 1 or 5, each of the four combinations five times
in each of two segments, so within a segment the ratings are uncorrelated. In segment "a" the
NPS is twice the desk's rating, in "b" twice the phone's. Within "a" the desk's correlation
with NPS is 1 and the phone's 0: the desk explains everything (R² = 1, a share of 100%), the
phone nothing; in "b" the other way round. Over everyone, by symmetry, each has half. One
more customer, in segment "c", is too few to compute anything.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from typer.testing import CliRunner

from cxray.cli import app
from cxray.errors import CxrayError
from cxray.web.accounts.models import Role
from cxray.web.accounts.services import api_token_create, membership_set
from cxray.web.analytics_store import analytics
from cxray.web.journeys.services import touchpoint_upsert
from cxray.web.workspaces.services import workspace_create

from .conftest import facts

pytestmark = pytest.mark.django_db


def _answer(i: int, metric: str, tp: str | None, score: float, scale: int) -> dict:
    key = f"{tp or 'nps'}-{i}"
    return {
        "workspace": "drs",
        "row_key": key,
        "response_id": key,
        "customer_id": f"c{i}",
        "metric": metric,
        "score": score,
        "scale_max": scale,
        "at": datetime(2024, 3, 1),
        "touchpoint_id": tp,
    }


@pytest.fixture
def segmented(db, client):
    ws = workspace_create(slug="drs", name="Drivers by segment")
    touchpoint_upsert(workspace=ws, code="desk", name="Front desk")
    touchpoint_upsert(workspace=ws, code="phone", name="Phone line")
    admin = get_user_model().objects.create_user(username="drs-admin", password="pw-12345-xyz")
    membership_set(user=admin, workspace=ws, role=Role.ADMIN)
    responses, customers = [], []
    for i in range(41):
        segment = "a" if i < 20 else "b" if i < 40 else "c"
        desk, phone = (1.0, 5.0)[i % 2], (1.0, 5.0)[(i // 2) % 2]
        nps = 2 * (desk if segment == "a" else phone)
        responses += [
            _answer(i, "csat", "desk", desk, 5),
            _answer(i, "csat", "phone", phone, 5),
            _answer(i, "nps", None, nps, 10),
        ]
        customers.append({"workspace": "drs", "customer_id": f"c{i}", "segment": segment})
    with analytics() as store:
        store.write("responses", facts("responses", responses))
        store.write("customers", facts("customers", customers))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(admin)
    token = api_token_create(workspace=ws, user=admin, name="drivers")[1]
    return {"ws": ws, "auth": {"Authorization": f"Bearer {token}"}}


def _shares(body: dict) -> dict[str, float]:
    return {w["driver"]: round(w["share"], 6) for w in body["weights"]}


def _api(client, segmented, **params):
    return client.get("/api/v1/reports/drivers", params, headers=segmented["auth"])


def test_the_api_gives_one_segment_or_each(client, segmented):
    a = _api(client, segmented, segment="a", method="relative_weights").json()
    assert a["n"] == 20 and a["r2"] == pytest.approx(1.0, abs=1e-9)
    assert _shares(a) == {"desk": 100.0, "phone": 0.0}
    everyone = _api(client, segmented, method="relative_weights").json()
    assert everyone["n"] == 41
    assert _shares(everyone)["desk"] == pytest.approx(_shares(everyone)["phone"], abs=1.0)

    each = _api(client, segmented, by="segment").json()
    assert each["by"] == "segment"
    rows = {g["segment"]: g for g in each["groups"]}
    assert list(rows) == ["a", "b", "c"]
    assert _shares(rows["a"]) == {"desk": 100.0, "phone": 0.0}
    assert _shares(rows["b"]) == {"desk": 0.0, "phone": 100.0}
    assert rows["b"]["method"] == "shapley" and rows["b"]["n"] == 20
    assert "weights" not in rows["c"] and rows["c"]["note"]

    unknown = _api(client, segmented, segment="z")
    assert (
        unknown.status_code == 422 and "the segments here are: a, b, c" in unknown.json()["detail"]
    )
    assert _api(client, segmented, by="unit").status_code == 400
    assert _api(client, segmented, by="segment", outcome="themes").status_code == 400


def test_the_page_filters_on_a_segment(client, segmented):
    url = reverse("drivers", args=["drs"])
    html = client.get(url, {"segment": "b"}).content.decode()
    assert '<option value="b" selected>b</option>' in html
    assert "n = 20" in html
    rows = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.index("Phone line") < rows.index("Front desk")  # phone ranks first in b
    assert "100.0%" in rows and "&amp;segment=b" in html


def test_cli_drivers_by_segment(segmented):
    runner = CliRunner(env={"CXRAY_LANGUAGE": "en"})
    each = runner.invoke(app, ["report", "drivers", "-w", "drs", "--by", "segment", "--json"])
    assert each.exit_code == 0, each.output
    rows = {g["segment"]: g for g in json.loads(each.stdout)}
    assert _shares(rows["a"]) == {"desk": 100.0, "phone": 0.0}
    text = runner.invoke(app, ["report", "drivers", "-w", "drs", "--segment", "b"])
    assert text.exit_code == 0, text.output
    assert "n=20" in text.stdout and " 1. phone" in text.stdout
    listing = runner.invoke(app, ["report", "drivers", "-w", "drs", "--by", "segment"])
    assert "== a" in listing.stdout and "== c" in listing.stdout
    bad = runner.invoke(app, ["report", "drivers", "-w", "drs", "--by", "unit"])
    assert isinstance(bad.exception, CxrayError) and "--by must be segment" in str(bad.exception)
