"""Journey pages: import, the map with live figures, step edits as versions, diff, exports."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from cxray.web.accounts.models import Role
from cxray.web.accounts.services import membership_set
from cxray.web.journeys.models import Journey, JourneyVersion, Step
from cxray.web.journeys.selectors import journey_yaml
from cxray.web.journeys.services import journey_import

pytestmark = pytest.mark.django_db


def yaml_for(slug: str, *, code: str = "visit", variant: str = "as-is", other: str = "") -> str:
    counterpart = f"counterpart: {other}\n" if other else ""
    return (
        f"journey: {code}\nname: Visit {variant}\nvariant: {variant}\n{counterpart}"
        "stages:\n"
        "  - name: Booking\n    steps:\n"
        f"      - id: call\n        title: Call the desk\n        touchpoint: {slug}-tp\n"
        f"        owner: {slug}-dep\n"
        "        communications:\n"
        "          - message: Booked\n            channel: sms\n            timing: 0d\n"
        "        emotion: -1\n"
        "  - name: Visit\n    steps:\n"
        f"      - id: doctor\n        title: See the doctor\n        touchpoint: {slug}-new-tp\n"
        f"        owner: {slug}-br2\n        day: 3\n"
    )


def test_import_page_map_with_figures_and_panel(client, two_companies):
    a, _b = two_companies
    client.force_login(a["admin"])
    url = reverse("journeys", args=["alpha"])
    response = client.post(url, {"yaml": yaml_for("alpha")})
    assert response.status_code == 302
    journey = Journey.objects.get(workspace=a["ws"], code="visit")
    # The unknown touchpoint code was created in the workspace, linked to its step.
    assert Step.objects.get(journey=journey, key="doctor").touchpoint.code == "alpha-new-tp"
    page = client.get(reverse("journey_map", args=["alpha", "visit"]) + "?tp=alpha-tp")
    html = page.content.decode()
    assert page.status_code == 200
    # alpha: 6 promoters and 2 detractors at alpha-tp -> NPS 50 on n = 8.
    assert 'data-metric="nps">50<' in html and "n = 8" in html
    assert 'id="panel"' in html
    # alpha-dep -> alpha-br2: a hand-off between units.
    assert "alpha-dep → alpha-br2" in html
    assert "assumed" in html  # the new touchpoint has no data


def test_bad_yaml_is_refused_with_its_line(client, two_companies):
    a, _b = two_companies
    client.force_login(a["admin"])
    text = yaml_for("alpha").replace("        emotion: -1\n", "        emotion: 9\n")
    response = client.post(reverse("journeys", args=["alpha"]), {"yaml": text})
    assert response.status_code == 400
    assert (
        "line 15: emotion 9" in response.content.decode()
        and "outside -2..2" in response.content.decode()
    )
    assert not Journey.objects.filter(workspace=a["ws"]).exists()


def test_step_edit_is_a_new_version_and_the_diff_shows_it(client, two_companies):
    a, _b = two_companies
    journey_import(workspace=a["ws"], text=yaml_for("alpha"))
    client.force_login(a["admin"])
    step_pk = Step.objects.get(journey__code="visit", key="call").pk
    response = client.post(
        reverse("journey_step", args=["alpha", "visit", "call"]),
        {"title": "Call the desk", "frontstage": "Operator\r\nanswers", "emotion": "1",
         "touchpoint": "alpha-tp", "owner": "alpha-dep"},
    )  # fmt: skip
    assert response.status_code == 302
    journey = Journey.objects.get(workspace=a["ws"], code="visit")
    assert journey.versions.count() == 2
    step = Step.objects.get(journey=journey, key="call")
    assert step.pk == step_pk  # the step keeps its id across edits
    assert step.frontstage == "Operator\nanswers" and step.emotion == 1
    assert step.communications.count() == 1  # lanes the form does not show stay as they were
    page = client.get(reverse("journey_versions", args=["alpha", "visit"]) + "?a=1&b=2")
    html = page.content.decode()
    assert "+        emotion: 1" in html and "-        emotion: -1" in html
    assert "frontstage, emotion" in html


def test_exports_svg_pdf_yaml_and_compare(client, two_companies):
    a, _b = two_companies
    journey_import(workspace=a["ws"], text=yaml_for("alpha", other="visit-next"))
    journey_import(
        workspace=a["ws"], text=yaml_for("alpha", code="visit-next", variant="to-be", other="visit")
    )
    client.force_login(a["admin"])
    svg = client.get(reverse("journey_svg", args=["alpha", "visit"]))
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert svg.content.startswith(b"<svg") and b"Call the desk" in svg.content
    assert b"NPS 50" in svg.content
    pdf = client.get(reverse("journey_pdf", args=["alpha", "visit"]))
    assert pdf.content.startswith(b"%PDF")
    text = client.get(reverse("journey_yaml", args=["alpha", "visit"])).content.decode()
    assert text == journey_yaml(Journey.objects.get(workspace=a["ws"], code="visit"))
    page = client.get(reverse("journey_compare", args=["alpha", "visit"])).content.decode()
    assert "Visit as-is" in page and "Visit to-be" in page


def test_other_workspace_and_read_only_roles(client, two_companies):
    a, b = two_companies
    journey_import(workspace=b["ws"], text=yaml_for("beta"))
    client.force_login(a["admin"])
    assert client.get(reverse("journey_map", args=["beta", "visit"])).status_code == 404
    assert client.get(reverse("journey_map", args=["alpha", "visit"])).status_code == 404
    viewer = type(a["admin"]).objects.create_user(username="viewer", password="pw-12345-xyz")
    membership_set(user=viewer, workspace=b["ws"], role=Role.VIEWER)
    client.force_login(viewer)
    assert client.get(reverse("journey_map", args=["beta", "visit"])).status_code == 200
    edit = client.post(reverse("journey_step", args=["beta", "visit", "call"]), {"title": "X"})
    assert edit.status_code == 403
    assert client.post(reverse("journeys", args=["beta"]), {"yaml": "x"}).status_code == 403
    assert JourneyVersion.objects.filter(journey__workspace=b["ws"]).count() == 1
    # Without a journey code the pages fall back to the list.
    bare = client.get(reverse("journey_map", kwargs={"slug": "beta"}))
    assert bare.status_code == 302 and bare["Location"].endswith("/w/beta/journeys/")


def test_edit_link_opens_the_step_form_for_editors_only(client, two_companies):
    a, _b = two_companies
    journey_import(workspace=a["ws"], text=yaml_for("alpha"))
    client.force_login(a["admin"])
    url = reverse("journey_map", args=["alpha", "visit"])
    assert 'href="?edit=call#step-call"' in client.get(url).content.decode()
    html = client.get(url + "?edit=call").content.decode()
    assert 'action="/w/alpha/journeys/visit/steps/call/"' in html
    assert 'value="Call the desk"' in html
    viewer = type(a["admin"]).objects.create_user(username="v", password="pw-12345-xyz")
    membership_set(user=viewer, workspace=a["ws"], role=Role.VIEWER)
    client.force_login(viewer)
    html = client.get(url + "?edit=call").content.decode()
    assert 'href="?edit=' not in html and "/steps/call/" not in html


def test_figures_follow_new_data_at_once(client, two_companies):
    from cxray.web.analytics_store import analytics

    from ..conftest import facts

    a, _b = two_companies
    journey_import(workspace=a["ws"], text=yaml_for("alpha"))
    client.force_login(a["admin"])
    url = reverse("journey_map", args=["alpha", "visit"]) + "?tp=alpha-tp"
    assert 'data-metric="nps">50<' in client.get(url).content.decode()
    extra = [
        {"workspace": "alpha", "row_key": f"x{i}", "response_id": f"x{i}", "customer_id": f"d{i}",
         "metric": "nps", "score": 0.0, "scale_max": 10, "touchpoint_id": "alpha-tp"}
        for i in range(4)
    ]  # fmt: skip
    with analytics() as store:
        store.write("responses", facts("responses", extra))
    # 6 promoters, 6 detractors of 12: NPS 0 (the cached figures of before are not shown).
    assert 'data-metric="nps">0<' in client.get(url).content.decode()


def test_alternative_steps_are_stored_shown_and_counted_once(client, two_companies):
    a, _b = two_companies
    client.force_login(a["admin"])
    # "online" replaces "call" for some customers: 2 messages against the call's 1.
    text = yaml_for("alpha").replace(
        "  - name: Visit\n",
        "      - id: online\n        title: Book online\n        alternative_to: call\n"
        "        communications:\n"
        "          - message: Booked online\n            channel: email\n"
        "          - message: Your visit tomorrow\n            channel: email\n"
        "            timing: +2d\n"
        "  - name: Visit\n",
    )
    assert client.post(reverse("journeys", args=["alpha"]), {"yaml": text}).status_code == 302
    journey = Journey.objects.get(workspace=a["ws"], code="visit")
    assert Step.objects.get(journey=journey, key="online").alternative_to == "call"
    assert journey_yaml(journey) == text  # the canonical text round-trips through the rows
    html = client.get(reverse("journey_map", args=["alpha", "visit"])).content.decode()
    assert "or instead: call" in html
    assert "not counted: call." in html
    # Week 1: the online booking's 2 emails (the call's sms is not added); no overload.
    api = client.get("/api/v1/journeys/visit/figures", HTTP_AUTHORIZATION=f"Bearer {a['token']}")
    load = api.json()["communication_load"]
    assert load["alternatives_skipped"] == ["call"]
    assert [(w["week"], w["total"], w["by_channel"]) for w in load["weeks"]] == [
        (0, 2, {"email": 2})
    ]


def test_the_step_form_links_an_alternative_and_refuses_an_unknown_step(client, two_companies):
    a, _b = two_companies
    journey_import(workspace=a["ws"], text=yaml_for("alpha"))
    client.force_login(a["admin"])
    url = reverse("journey_step", args=["alpha", "visit", "doctor"])
    fields = {"title": "See the doctor", "touchpoint": "alpha-new-tp", "owner": "alpha-br2",
              "day": "3"}  # fmt: skip
    response = client.post(url, {**fields, "alternative_to": "nope"}, follow=True)
    assert "'nope' is not the id of a step in this journey" in unescape(response.content.decode())
    journey = Journey.objects.get(workspace=a["ws"], code="visit")
    assert journey.versions.count() == 1
    client.post(url, {**fields, "alternative_to": "call"})
    assert journey.versions.count() == 2
    assert Step.objects.get(journey=journey, key="doctor").alternative_to == "call"
    assert "        alternative_to: call\n" in journey_yaml(journey)
