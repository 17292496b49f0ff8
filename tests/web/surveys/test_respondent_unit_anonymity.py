"""protect_answers reads "unit:<code>" in respondent_employee_id as the respondent's unit
(an internal NPS answer whose respondent chose only their department)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from cxray.analytics.anonymity import protect_answers


def _rows(respondents: list[str | None], rated: str = "it") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": ["internal_nps"] * len(respondents),
            "unit_id": [rated] * len(respondents),
            "respondent_employee_id": respondents,
            "at": [datetime(2026, 2, 10)] * len(respondents),
            "score": [9.0] * len(respondents),
        }
    )


def test_unit_prefix_names_the_rater_and_employees_still_resolve_through_their_unit():
    units = pd.DataFrame({"unit_id": ["hq", "sales", "it"], "parent_id": [None, "hq", "hq"]})
    employees = pd.DataFrame({"employee_id": ["e1"], "unit_id": ["sales"]})
    # 4 answers that name only "sales" and 1 from employee e1 (in sales): a cell of 5.
    # One "unit:hq" and one "unit:" with no code: hq alone is below 5 and is dropped; the
    # empty one has no rater unit at all and is dropped as well.
    df = _rows(["unit:sales"] * 4 + ["e1", "unit:hq", "unit:"])
    out = protect_answers(df, employees=employees, units=units, min_group=5, as_of=date(2026, 5, 1))
    assert list(out.rows["respondent_unit_id"]) == ["sales"] * 5
    assert set(out.rows["cell_unit_id"]) == {"sales"} and set(out.rows["unit_id"]) == {"it"}
    assert out.rows["respondent_employee_id"].isna().all()  # who answered is removed
    assert out.dropped == 2
