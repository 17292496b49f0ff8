"""Competitor ratings: import with named errors, the comparison on the page and the API
with hand-computed differences and intervals."""

from __future__ import annotations

import math

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cxray.errors import InvalidInputError
from cxray.web.analytics_store import analytics
from cxray.web.research.services import benchmarks_import

pytestmark = pytest.mark.django_db

Z = 1.959963984540054
# alpha's own answers (conftest): on alpha-tp six 10s and two 2s -> NPS +50, n = 8.
RATINGS = (
    "Конкурент;Оценка;Точка контакта;Клиент;Дата\n"
    "Rival;10;alpha-tp;c1;01.02.2024\n"
    "Rival;10;alpha-tp;c2;01.02.2024\n"
    "Rival;0;alpha-tp;c3;01.02.2024\n"
    "Rival;0;alpha-tp;c4;01.02.2024\n"
    "Rival;8;alpha-tp;c5;01.02.2024\n"
    "Лучший опыт;10;alpha-tp;c1;01.02.2024\n"
    "Лучший опыт;10;alpha-tp;c2;01.02.2024\n"
    "Лучший опыт;10;alpha-tp;c3;01.02.2024\n"
    "Лучший опыт;9;alpha-tp;c4;01.02.2024\n"
)


def test_import_then_compare_on_the_api(client, two_companies, tmp_path):
    a, b = two_companies
    f = tmp_path / "ratings.csv"
    f.write_text(RATINGS, encoding="utf-8")
    assert benchmarks_import(workspace=a["ws"], path=f) == 9
    assert benchmarks_import(workspace=a["ws"], path=f) == 0  # the same file again: no-op
    rows = client.get(
        "/api/v1/research/competitors", HTTP_AUTHORIZATION=f"Bearer {a['token']}"
    ).json()
    assert [(r["touchpoint"], r["subject"]) for r in rows] == [
        (None, "Rival"),
        (None, "best_anywhere"),
        ("alpha-tp", "Rival"),
        ("alpha-tp", "best_anywhere"),
    ]
    rival = rows[2]
    # Rival: 2 promoters, 2 detractors of 5 -> 0. Own +50 -> difference +50.
    assert rival["own"]["value"] == pytest.approx(50.0) and rival["own"]["n"] == 8
    assert rival["other"]["value"] == pytest.approx(0.0) and rival["other"]["n"] == 5
    assert rival["difference"] == pytest.approx(50.0)
    # var own (0.75 + 0.25 - 0.25) / 8 = 0.09375; Rival (0.4 + 0.4 - 0) / 5 = 0.16.
    half = Z * 100 * math.sqrt(0.09375 + 0.16)
    assert rival["low"] == pytest.approx(50.0 - half)
    assert rival["high"] == pytest.approx(50.0 + half)
    best = rows[3]
    assert best["other"]["value"] == pytest.approx(100.0)  # "Лучший опыт" read as best_anywhere
    assert best["difference"] == pytest.approx(-50.0)
    other = client.get(
        "/api/v1/research/competitors", HTTP_AUTHORIZATION=f"Bearer {b['token']}"
    ).json()
    assert other == []
    client.force_login(a["admin"])
    html = client.get(reverse("research_competitors", args=["alpha"]) + "?lang=en").content
    html = html.decode()
    assert "Best experience anywhere" in html and "Reception" in html
    assert "+50.0" in html and "\u221250.0" in html


def test_bad_rows_are_named_and_nothing_is_stored(two_companies, tmp_path):
    a, _b = two_companies
    f = tmp_path / "bad.csv"
    f.write_text(
        "subject,score,metric\nRival,7,nps\nRival,11,nps\n,5,nps\nRival,4,mood\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as err:
        benchmarks_import(workspace=a["ws"], path=f)
    message = str(err.value)
    assert "3 rows have problems, nothing was stored" in message
    assert 'row 3, column "score": "11" is not a number from 0 to 10' in message
    assert 'row 4, column "subject": empty' in message
    assert 'row 5, column "metric": "mood" is not a metric' in message
    with analytics() as store:
        assert store.count("benchmark_ratings", "alpha") == 0


def test_web_upload(client, two_companies):
    a, _b = two_companies
    client.force_login(a["admin"])
    upload = SimpleUploadedFile("r.csv", b"subject,score\nRival,4\nRival,5\n", "text/csv")
    response = client.post(
        reverse("research_competitors", args=["alpha"]), {"file": upload, "metric": "csat"}
    )
    assert response.status_code == 302
    with analytics() as store:
        t = store.table("benchmark_ratings", "alpha")
        assert sorted(t.select("metric", "score").to_pyarrow().to_pylist(), key=str) == [
            {"metric": "csat", "score": 4.0},
            {"metric": "csat", "score": 5.0},
        ]
