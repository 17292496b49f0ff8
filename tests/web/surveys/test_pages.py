"""Management pages: isolation, roles, publish/close, filters, CSV export, QR codes."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, reverse

from cxray.web.accounts.models import Role
from cxray.web.accounts.services import membership_set
from cxray.web.surveys import urls as survey_urls
from cxray.web.surveys.models import Survey, SurveyResponse
from cxray.web.surveys.services import context_resolve, response_submit

pytestmark = pytest.mark.django_db


def survey_url_names() -> list[str]:
    return [p.name for p in survey_urls.urlpatterns if isinstance(p, URLPattern)]


def test_every_survey_page_of_another_workspace_is_404(client, published):
    """The shared isolation walk does not descend into included URL lists: walk ours here."""
    a, sb = published["a"], published["sb"]
    response_submit(survey=sb, score=1, comment="beta secret")
    client.force_login(a["admin"])
    for name in survey_url_names():
        takes_pk = "<int:pk>" in str(
            next(p for p in survey_urls.urlpatterns if p.name == name).pattern
        )
        for method in (client.get, client.post):
            kwargs = {"slug": "beta", **({"pk": sb.pk} if takes_pk else {})}
            assert method(reverse(name, kwargs=kwargs)).status_code == 404, (name, method)
            if takes_pk:  # beta's survey through alpha's URL
                own = method(reverse(name, kwargs={"slug": "alpha", "pk": sb.pk}))
                assert own.status_code in (404, 405), (name, method)
            else:
                own = method(reverse(name, kwargs={"slug": "alpha"}))
                assert own.status_code in (200, 302, 405), (name, method)
                assert b"beta secret" not in own.content and b"Beta survey" not in own.content
    assert Survey.objects.get(pk=sb.pk).status == "published"


def test_list_shows_purpose_owner_counts_and_link(client, published):
    a, sa = published["a"], published["sa"]
    response_submit(survey=sa, score=9)
    client.force_login(a["admin"])
    html = client.get(reverse("surveys", args=["alpha"])).content.decode()
    assert "Decide whether to add evening reception hours" in html
    assert "alpha-admin" in html and f"/s/{sa.public_token}/" in html
    assert "Beta survey" not in html
    assert client.get(reverse("home", args=["alpha"])).content.decode().count("/surveys/") >= 1


def test_create_edit_publish_close_through_the_pages(client, two_companies):
    a, _b = two_companies
    client.force_login(a["admin"])
    form = {"name": "Reception", "type": "csat", "purpose": "", "question_uk": "Як вам у нас?"}
    created = client.post(reverse("survey_new", args=["alpha"]), form)
    survey = Survey.objects.get(name="Reception")
    assert created.status_code == 302 and survey.status == "draft"
    page = client.get(reverse("survey_edit", args=["alpha", survey.pk])).content.decode()
    assert "Як вам у нас?" in page and "Что должно измениться" in page  # preview, 3 languages
    client.post(reverse("survey_publish", args=["alpha", survey.pk]))
    assert Survey.objects.get(pk=survey.pk).status == "draft"  # no purpose, no owner
    client.post(
        reverse("survey_edit", args=["alpha", survey.pk]),
        {**form, "purpose": "Pick the reception script", "owner_user": a["admin"].pk},
    )
    client.post(reverse("survey_publish", args=["alpha", survey.pk]))
    assert Survey.objects.get(pk=survey.pk).status == "published"
    client.post(reverse("survey_close", args=["alpha", survey.pk]))
    assert Survey.objects.get(pk=survey.pk).status == "closed"


def test_the_editor_offers_only_own_workspace_choices(client, published):
    a, b = published["a"], published["b"]
    client.force_login(a["admin"])
    sa = published["sa"]
    response = client.post(
        reverse("survey_edit", args=["alpha", sa.pk]),
        {"name": "x", "type": "nps", "purpose": "p", "owner_employee": b["bob"].pk},
    )
    assert response.status_code == 200  # the form refuses beta's employee
    assert Survey.objects.get(pk=sa.pk).owner_employee is None


def test_viewer_cannot_edit_or_publish(client, published):
    a, sa = published["a"], published["sa"]
    viewer = get_user_model().objects.create_user(username="v", password="pw-12345-xyz")
    membership_set(user=viewer, workspace=a["ws"], role=Role.VIEWER)
    client.force_login(viewer)
    assert client.get(reverse("surveys", args=["alpha"])).status_code == 200
    assert client.get(reverse("survey_new", args=["alpha"])).status_code == 403
    assert client.post(reverse("survey_close", args=["alpha", sa.pk])).status_code == 403
    assert client.get(reverse("survey_responses_csv", args=["alpha", sa.pk])).status_code == 403
    assert Survey.objects.get(pk=sa.pk).status == "published"


def test_responses_are_filtered_and_scoped(client, published):
    a, sa = published["a"], published["sa"]
    ctx_alice = context_resolve(survey=sa, employee=a["alice"].code, unit=a["dept"].code)
    response_submit(survey=sa, score=2, comment="rude", language="uk", context=ctx_alice)
    response_submit(survey=sa, score=9, comment="fine", language="en")
    client.force_login(a["admin"])
    page = reverse("survey_responses", args=["alpha", sa.pk])
    html = client.get(page, {"score_max": "6"}).content.decode()
    assert "rude" in html and "fine" not in html
    html = client.get(page, {"language": "en"}).content.decode()
    assert "fine" in html and "rude" not in html
    frontline = get_user_model().objects.create_user(username="f", password="pw-12345-xyz")
    membership_set(user=frontline, workspace=a["ws"], role=Role.FRONTLINE, employee=a["bob"])
    client.force_login(frontline)
    html = client.get(page).content.decode()
    assert "rude" not in html and "fine" not in html  # only answers about Bob


def test_csv_export_neutralises_formulas(client, published):
    a, sa = published["a"], published["sa"]
    response_submit(survey=sa, score=3, comment="=cmd|' /C calc'!A0", follow_up="+SUM(1)")
    client.force_login(a["admin"])
    response = client.get(reverse("survey_responses_csv", args=["alpha", sa.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["answered", "score", "comment", "follow_up"]
    assert rows[1][2] == "'=cmd|' /C calc'!A0" and rows[1][3] == "'+SUM(1)"
    assert len(rows) == 2


def test_xlsx_export_has_the_same_rows_and_no_formulas(client, published):
    from openpyxl import load_workbook

    a, sa = published["a"], published["sa"]
    response_submit(survey=sa, score=3, comment='=HYPERLINK("x")', follow_up="Быстрее")
    response_submit(survey=sa, score=9, comment="Всё хорошо")
    client.force_login(a["admin"])
    response = client.get(reverse("survey_responses_xlsx", args=["alpha", sa.pk]))
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][:4] == ["answered", "score", "comment", "follow_up"]
    assert sorted(r[1] for r in rows[1:]) == [3, 9]
    cells = [c for r in sheet.iter_rows() for c in r]
    assert all(c.data_type != "f" for c in cells)  # stored as text, never run as a formula
    assert '\'=HYPERLINK("x")' in [r[2] for r in rows]
    assert client.get(reverse("survey_responses_xlsx", args=["beta", sa.pk])).status_code == 404


def test_qr_codes(client, published):
    a, sa = published["a"], published["sa"]
    client.force_login(a["admin"])
    svg = client.get(reverse("survey_qr_svg", args=["alpha", sa.pk]))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    png = client.get(reverse("survey_qr_png", args=["alpha", sa.pk]))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert SurveyResponse.objects.count() == 0
