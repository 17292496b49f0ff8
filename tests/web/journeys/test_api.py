"""/api/v1/journeys: YAML in and out, versions, diff and live figures, one workspace per token."""

from __future__ import annotations

import pytest

from cxray.web.journeys.services import journey_import

pytestmark = pytest.mark.django_db

TEXT = """\
journey: visit
name: Visit
variant: as-is
stages:
  - name: Booking
    steps:
      - id: call
        title: Call
        touchpoint: {tp}
        emotion: -1
"""


def call(client, method: str, token: str, path: str, **kw):
    return getattr(client, method)(
        f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}", content_type="application/json",
        **kw,
    )  # fmt: skip


def test_put_get_versions_diff_and_figures(client, two_companies):
    a, _b = two_companies
    text = TEXT.format(tp="alpha-tp")
    put = call(client, "put", a["token"], "/journeys/visit", data={"yaml": text})
    assert put.status_code == 200 and put.json()["version"] == 1
    assert call(client, "get", a["token"], "/journeys/visit").json()["yaml"] == text
    changed = text.replace("emotion: -1", "emotion: 2")
    assert (
        call(client, "put", a["token"], "/journeys/visit", data={"yaml": changed}).json()["version"]
        == 2
    )
    assert [
        v["number"] for v in call(client, "get", a["token"], "/journeys/visit/versions").json()
    ] == [2, 1]
    diff = call(client, "get", a["token"], "/journeys/visit/diff").json()
    assert (diff["old"], diff["new"]) == (1, 2)
    assert diff["steps_changed"] == {"call": ["emotion"]}
    listed = call(client, "get", a["token"], "/journeys").json()
    assert listed == [
        {"code": "visit", "name": "Visit", "variant": "as-is", "counterpart": "", "versions": 2}
    ]
    figures = call(client, "get", a["token"], "/journeys/visit/figures").json()
    nps = figures["steps"][0]["figures"]["scores"]["nps"]
    assert (nps["n"], nps["value"]) == (8, 50.0)  # 6 promoters, 2 detractors
    assert figures["steps"][0]["figures"]["reach"] == 0  # no interactions in the fixture
    assert figures["steps"][0]["evidence"] == "partly"
    assert figures["communication_load"]["weeks"] == []


def test_put_errors_name_the_line_and_roles_and_workspaces_are_enforced(client, two_companies):
    a, b = two_companies
    bad = TEXT.format(tp="alpha-tp").replace("emotion: -1", "emotion: [1]")
    response = call(client, "put", a["token"], "/journeys/visit", data={"yaml": bad})
    assert response.status_code == 400 and "line 10" in response.json()["detail"]
    other = call(client, "put", a["token"], "/journeys/other", data={"yaml": TEXT.format(tp="x")})
    assert other.status_code == 400 and "differ" in other.json()["detail"]
    journey_import(workspace=b["ws"], text=TEXT.format(tp="beta-tp"))
    assert call(client, "get", a["token"], "/journeys/visit").status_code == 404
    assert call(client, "get", a["token"], "/journeys/visit/figures").status_code == 404
    assert call(client, "get", a["token"], "/journeys").json() == []
