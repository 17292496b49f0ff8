from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_scores_page_shows_the_breakdown_with_names_and_exports_csv(client, two_companies):
    a, _ = two_companies
    client.force_login(a["admin"])
    url = reverse("scores", args=["alpha"])
    page = client.get(url, {"metric": "nps", "by": "employee", "period": "all"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "Alice" in html and "Bob" in html
    exported = client.get(url, {"metric": "nps", "by": "unit", "period": "all", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    by_unit = {r["unit"]: (float(r["nps"]), int(r["n"])) for r in rows}
    # Even rows went to the department, odd rows to the other branch: 3 promoters, 1 detractor each.
    assert by_unit == {"alpha-dep": (50.0, 4), "alpha-br2": (50.0, 4)}


def test_scores_page_ignores_unknown_filters(client, two_companies):
    a, _ = two_companies
    client.force_login(a["admin"])
    page = client.get(reverse("scores", args=["alpha"]), {"metric": "drop table", "by": "x"})
    assert page.status_code == 200


def test_scores_breakdown_exports_to_xlsx(client, two_companies):
    import io

    from openpyxl import load_workbook

    a, _ = two_companies
    client.force_login(a["admin"])
    url = reverse("scores", args=["alpha"])
    response = client.get(url, {"metric": "nps", "by": "unit", "period": "all", "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("unit", "name", "nps")
    assert sorted((r[0], r[2], r[5]) for r in rows[1:]) == [
        ("alpha-br2", 50.0, 4),
        ("alpha-dep", 50.0, 4),
    ]
