"""Choosing the key-driver method on the page, in the API and in the CLI.

The workspace is built so the weights are known by hand. 40 customers rate two touchpoints
on CSAT, 1 or 5 each, every one of the four combinations ten times, so the two ratings are
exactly uncorrelated; their NPS is the sum of the two. Then R² = 1 and each touchpoint's
correlation with NPS is 1/√2. With uncorrelated drivers both methods give each driver its
squared correlation: Johnson's Λ = R_xx^{1/2} is the identity, so ε_j = r_jy² = 0.5, a share
of 50%. What differs is the name of the method, and for the two-valued ``churned`` the model:
relative weights fit the logistic model, Shapley a linear probability model.

Churn is planted per combination (desk, phone): (1, 1) 7 of 10, (1, 5) 5, (5, 1) 4, (5, 5) 2,
so no rating separates leavers from stayers and the logistic fit is finite.
"""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook
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

CHURNED = {(1.0, 1.0): 7, (1.0, 5.0): 5, (5.0, 1.0): 4, (5.0, 5.0): 2}


@pytest.fixture
def methods_ws(db, client):
    ws = workspace_create(slug="drm", name="Driver methods")
    touchpoint_upsert(workspace=ws, code="desk", name="Front desk")
    touchpoint_upsert(workspace=ws, code="phone", name="Phone line")
    admin = get_user_model().objects.create_user(username="drm-admin", password="pw-12345-xyz")
    membership_set(user=admin, workspace=ws, role=Role.ADMIN)
    at = datetime(2024, 3, 1)
    responses, customers = [], []
    for i in range(40):
        desk, phone = (1.0, 5.0)[i % 2], (1.0, 5.0)[(i // 2) % 2]
        for metric, tp, score, scale in (
            ("csat", "desk", desk, 5),
            ("csat", "phone", phone, 5),
            ("nps", None, desk + phone, 10),
        ):
            key = f"{tp or 'nps'}-{i}"
            responses.append(
                {
                    "workspace": "drm",
                    "row_key": key,
                    "response_id": key,
                    "customer_id": f"c{i}",
                    "metric": metric,
                    "score": score,
                    "scale_max": scale,
                    "at": at,
                    "touchpoint_id": tp,
                }
            )
        # The i // 4-th customer of a combination: the first CHURNED[...] of its ten leave.
        churned = i // 4 < CHURNED[(desk, phone)]
        customers.append({"workspace": "drm", "customer_id": f"c{i}", "churned": churned})
    with analytics() as store:
        store.write("responses", facts("responses", responses))
        store.write("customers", facts("customers", customers))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(admin)
    token = api_token_create(workspace=ws, user=admin, name="drivers")[1]
    return {"ws": ws, "auth": {"Authorization": f"Bearer {token}"}}


def _api(client, methods_ws, **params):
    return client.get("/api/v1/reports/drivers", params, headers=methods_ws["auth"])


def test_the_api_says_which_method_and_its_weights_sum_to_r2(client, methods_ws):
    body = _api(client, methods_ws, outcome="nps", method="relative_weights").json()
    assert (body["method"], body["model"], body["n"]) == ("relative_weights", "linear", 40)
    assert body["r2"] == pytest.approx(1.0, abs=1e-9)
    weights = {w["driver"]: w for w in body["weights"]}
    for tp in ("desk", "phone"):
        assert weights[tp]["weight"] == pytest.approx(0.5, abs=1e-9)  # r² = (1/√2)²
        assert weights[tp]["share"] == pytest.approx(50.0, abs=1e-7)
        assert weights[tp]["correlation"] == pytest.approx(2**-0.5, abs=1e-9)
    assert sum(w["weight"] for w in body["weights"]) == pytest.approx(body["r2"], abs=1e-12)
    default = _api(client, methods_ws, outcome="nps").json()
    assert default["method"] == "shapley"


def test_relative_weights_fit_the_logistic_model_for_churn(client, methods_ws):
    rw = _api(client, methods_ws, outcome="churned", method="relative_weights").json()
    sh = _api(client, methods_ws, outcome="churned", method="shapley").json()
    assert (rw["method"], rw["model"]) == ("relative_weights", "logistic")
    assert (sh["method"], sh["model"]) == ("shapley", "linear")
    for body in (rw, sh):
        assert sum(w["weight"] for w in body["weights"]) == pytest.approx(body["r2"], abs=1e-12)
        assert sum(w["share"] for w in body["weights"]) == pytest.approx(100.0, abs=1e-9)
    # Churn 18 of 40; with desk = 1: 12 of 20, desk = 5: 6 of 20, so the point-biserial
    # correlation of churn with the desk rating is (0.3 - 0.6)·0.5 / √(0.45·0.55) = -0.3015
    # and the desk is the first driver, by either method.
    desk = next(w for w in sh["weights"] if w["driver"] == "desk")
    assert desk["correlation"] == pytest.approx(-0.15 / (0.45 * 0.55) ** 0.5, abs=1e-9)
    assert rw["weights"][0]["driver"] == sh["weights"][0]["driver"] == "desk"


def test_an_unknown_method_is_a_400_that_names_the_choices(client, methods_ws):
    refused = _api(client, methods_ws, method="ridge")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "method must be shapley or relative_weights, not 'ridge'"


def test_the_page_offers_the_method_and_shows_the_chosen_one(client, methods_ws):
    url = reverse("drivers", args=["drm"])
    html = client.get(url, {"outcome": "nps"}).content.decode()
    assert '<select name="method">' in html
    assert '<option value="shapley" selected>Shapley values</option>' in html
    assert '<option value="relative_weights">Relative weights (Johnson)</option>' in html
    page = client.get(url, {"outcome": "nps", "method": "relative_weights"})
    html = page.content.decode()
    assert page.status_code == 200
    assert '<option value="relative_weights" selected>' in html
    assert "(relative weights, 95% intervals)" in html
    assert "R² = 1.000" in html and html.count('<td class="num">50.0%</td>') == 2
    assert "?outcome=nps&amp;format=xlsx&amp;method=relative_weights" in html
    book = load_workbook(
        io.BytesIO(
            client.get(
                url, {"outcome": "nps", "method": "relative_weights", "format": "xlsx"}
            ).content
        )
    )
    header, model = list(book["Model"].iter_rows(values_only=True))
    assert header[-1] == "Method" and model[-1] == "relative_weights"


def test_the_page_refuses_an_unknown_method(client, methods_ws):
    refused = client.get(reverse("drivers", args=["drm"]), {"method": "ridge"})
    assert refused.status_code == 400
    assert "method must be shapley or relative_weights, not ridge" in refused.content.decode()


def test_the_cli_takes_the_method(methods_ws, monkeypatch):
    monkeypatch.setenv("CXRAY_LANGUAGE", "en")
    runner = CliRunner()
    result = runner.invoke(
        app, ["report", "drivers", "-w", "drm", "--method", "relative_weights", "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["method"], body["r2"]) == ("relative_weights", pytest.approx(1.0, abs=1e-9))
    assert [w["share"] for w in body["weights"]] == pytest.approx([50.0, 50.0], abs=1e-7)
    text = runner.invoke(app, ["report", "drivers", "-w", "drm", "--outcome", "churned"])
    assert text.exit_code == 0, text.output
    assert text.stdout.splitlines()[0] == "shapley (linear)"
    bad = runner.invoke(app, ["report", "drivers", "-w", "drm", "--method", "ridge"])
    assert isinstance(bad.exception, CxrayError)
    assert str(bad.exception) == "--method must be shapley or relative_weights, not 'ridge'"
