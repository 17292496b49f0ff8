"""The internal-service matrix from protected cells, with n, intervals and the worst seams."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from cxray.analytics.anonymity import protect_answers
from cxray.analytics.internal_nps import internal_matrix

UNITS = pd.DataFrame(
    {"unit_id": ["C", "SALES", "IT", "HR", "TINY"], "parent_id": [None, "C", "C", "C", "C"]}
)


def test_matrix_cells_received_scores_and_seams() -> None:
    staff = {"SALES": 6, "IT": 5, "TINY": 2}
    employees = pd.DataFrame(
        [{"employee_id": f"{u}{i}", "unit_id": u} for u, k in staff.items() for i in range(k)]
    )
    rows = []

    def rate(rater: str, rated: str, scores: list[float]) -> None:
        for i, s in enumerate(scores):
            rows.append(
                {"metric": "internal_nps", "unit_id": rated, "score": s,
                 "at": datetime(2025, 2, 1), "respondent_employee_id": f"{rater}{i}"}
            )  # fmt: skip

    rate("SALES", "IT", [0, 2, 5, 6, 9, 10])  # NPS (2 - 4) / 6 = -33.3
    rate("SALES", "HR", [9, 9, 10, 8, 7, 6])  # (3 - 1) / 6 = +33.3
    rate("IT", "HR", [9, 9, 9, 9, 9])  # +100
    rate("IT", "IT", [10] * 5)  # rating itself: left out
    rate("TINY", "IT", [0, 0])  # two raters: pooled up to C, still two, dropped
    p = protect_answers(pd.DataFrame(rows), employees=employees, units=UNITS,
                        as_of=date(2025, 6, 30))  # fmt: skip
    m = internal_matrix(p.rows, min_n=5)
    assert m.raters == ["IT", "SALES"] and m.rated == ["HR", "IT"]
    assert m.cell("SALES", "IT").score.value == pytest.approx(-100 / 3)
    assert m.cell("SALES", "IT").score.n == 6
    assert m.cell("SALES", "HR").score.value == pytest.approx(100 / 3)
    assert m.cell("IT", "HR").score.value == pytest.approx(100.0)
    assert m.cell("IT", "IT") is None and m.cell("TINY", "IT") is None
    assert m.received["HR"].n == 11
    assert m.received["HR"].value == pytest.approx(100 * (8 - 1) / 11)
    assert next((c.rater_unit_id, c.rated_unit_id) for c in m.seams) == ("SALES", "IT")
    c = m.cell("SALES", "IT").score
    assert c.low < c.value < c.high
    assert internal_matrix(p.rows.iloc[0:0]).cells == []


def test_the_demo_internal_seam_is_found() -> None:
    import datetime as dt

    from cxray.demo import PLANTED, generate

    demo = generate(seed=7, n_patients=1_000, end=dt.date(2025, 6, 30))
    p = protect_answers(demo.responses, employees=demo.employees, units=demo.units, as_of=demo.end)
    m = internal_matrix(p.rows)
    seam = PLANTED["internal_seam"]["rated_unit_id"]
    worst = min(m.received, key=lambda u: m.received[u].value)
    assert worst == seam
    assert m.received[seam].high < 0 and m.received[seam].n >= 30
    # Every cell rests on at least the minimum group of raters' answers.
    assert min(c.score.n for c in m.cells) >= 5
