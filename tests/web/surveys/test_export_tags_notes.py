"""The responses export carries each answer's themes and codes (text analysis) and the
notes of the case opened from it, with formulas neutralised, in CSV, XLSX, the API and the CLI."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from cxray.web.analytics_store import analytics
from cxray.web.cases.services import case_note, case_open_for_response
from cxray.web.surveys.export import HEADER
from cxray.web.surveys.services import response_submit

from ..conftest import facts

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged(published):
    """A detractor with a complaint (its case has two notes, one starting with "-") and a
    promoter without texts or case."""
    a, sa = published["a"], published["sa"]
    low, _ = response_submit(
        survey=sa,
        score=2,
        comment='=HYPERLINK("x") waited an hour',
        follow_up="shorter queue",
        customer_id="c-1",
    )
    high, _ = response_submit(survey=sa, score=9, comment="fine")
    texts = [
        {"workspace": "alpha", "row_key": f"{low.row_key}:comment", "response_key": low.row_key,
         "field": "comment", "themes": "waiting,rudeness", "codes": "churn:service"},
        {"workspace": "alpha", "row_key": f"{low.row_key}:follow_up",
         "response_key": low.row_key, "field": "follow_up", "themes": "waiting,queue",
         "codes": None},
    ]  # fmt: skip
    with analytics() as store:
        store.write("response_texts", facts("response_texts", texts))
    case = case_open_for_response(response=low)
    assert case is not None
    case_note(case=case, by=a["admin"], text="-called back, apologised")
    case_note(case=case, by=a["admin"], text="Offered a  free\nvisit")
    return {**published, "low": low, "high": high, "case": case}


def _expected_low(case_id: int) -> dict:
    return {
        "score": 2,
        "comment": '\'=HYPERLINK("x") waited an hour',
        "themes": "queue,rudeness,waiting",
        "codes": "churn:service",
        "case": case_id,
        # Notes oldest first, whitespace collapsed, joined; the leading "-" neutralised.
        "case_notes": "'-called back, apologised | Offered a free visit",
    }


def test_csv_has_themes_codes_and_case_notes(client, tagged):
    a, sa, case = tagged["a"], tagged["sa"], tagged["case"]
    client.force_login(a["admin"])
    response = client.get(reverse("survey_responses_csv", args=["alpha", sa.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(HEADER)
    by = {int(r[1]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    low = by[2]
    want = _expected_low(case.pk)
    assert {k: low[k] for k in want} == {k: str(v) for k, v in want.items()}
    assert (by[9]["themes"], by[9]["codes"], by[9]["case"], by[9]["case_notes"]) == ("",) * 4


def test_xlsx_api_and_cli_carry_the_same(client, tagged, tmp_path):
    from openpyxl import load_workbook

    a, sa, case = tagged["a"], tagged["sa"], tagged["case"]
    client.force_login(a["admin"])
    response = client.get(reverse("survey_responses_xlsx", args=["alpha", sa.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == list(HEADER)
    low = dict(zip(rows[0], next(r for r in rows[1:] if r[1] == 2), strict=True))
    want = _expected_low(case.pk)
    assert {k: low[k] for k in want} == want
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)

    api = client.get(
        f"/api/v1/surveys/{sa.public_token}/responses?score_max=6",
        HTTP_AUTHORIZATION=f"Bearer {a['token']}",
    )
    assert api.status_code == 200
    body = api.json()
    assert len(body) == 1 and {k: body[0][k] for k in want} == want

    from cxray.web.surveys.export import export_file

    out = tmp_path / "responses.csv"
    n = export_file(workspace=a["ws"], survey_id=sa.pk, path=out)
    assert n == 2
    text = out.read_text(encoding="utf-8-sig")
    assert "'-called back, apologised | Offered a free visit" in text
    assert "queue,rudeness,waiting" in text
