"""Employee answers become cells of at least the minimum group size; no figure built from the
cells can isolate a smaller group, whatever filters narrow it down."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from cxray.analytics.anonymity import protect_answers, suppressed_cells, wave_start
from cxray.analytics.scores import enps, enps_by
from cxray.errors import InvalidInputError

UNITS = pd.DataFrame(
    {
        "unit_id": ["C", "B", "D1", "D2", "B2"],
        "parent_id": [None, "C", "B", "B", "C"],
    }
)
Q1 = datetime(2025, 2, 10)
AS_OF = date(2025, 6, 30)  # Q1 closed, Q2 open


def answers(groups: dict[str, list[float]], at: datetime = Q1, metric: str = "enps") -> list:
    rows = []
    for unit, scores in groups.items():
        for s in scores:
            rows.append(
                {"metric": metric, "unit_id": unit, "at": at, "score": s, "comment": f"{unit}",
                 "respondent_employee_id": f"{unit}-{len(rows)}", "customer_id": None,
                 "employee_id": None, "language": "uk", "channel": "web"}
            )  # fmt: skip
    return rows


def protect(rows: list, **kw) -> pd.DataFrame:
    return protect_answers(pd.DataFrame(rows), units=UNITS, as_of=AS_OF, **kw).rows


def test_a_small_department_is_pooled_and_dropped_when_its_parent_stays_small() -> None:
    # D1: 5 answers, D2: 2 answers (both 0: they would drag the branch down), B2: 6 answers.
    rows = answers({"D1": [10, 10, 9, 7, 3], "D2": [0, 0], "B2": [9, 9, 9, 8, 8, 1]})
    p = protect_answers(pd.DataFrame(rows), units=UNITS, as_of=AS_OF)
    cells = p.rows.groupby("unit_id").size().to_dict()
    assert cells == {"D1": 5, "B2": 6}
    assert p.dropped == 2
    # The branch B as a unit manager sees it (its subtree) is D1 alone: the same 5 answers,
    # so "B minus D1" is empty and D2's two answers are nowhere.
    b_subtree = p.rows[p.rows.unit_id.isin(["B", "D1", "D2"])]
    assert len(b_subtree) == 5
    assert enps(b_subtree, min_n=1).value == pytest.approx(100 * (3 - 1) / 5)
    # The company total: 11 answers, 5 promoters (10, 10, 9, 9, 9, 9 -> 6) ...
    total = enps(p.rows, min_n=1)
    assert total.n == 11
    assert total.promoters == 6 and total.detractors == 2


def test_a_pooled_cell_holds_the_parents_own_answers_and_its_small_children() -> None:
    rows = answers({"D1": [10] * 5, "D2": [0, 0], "B": [9, 9, 8, 8], "B2": [7] * 5})
    r = protect(rows)
    by_unit = r.groupby("unit_id").size().to_dict()
    assert by_unit == {"D1": 5, "B": 6, "B2": 5}
    assert set(r.loc[r.unit_id == "B", "pooled"]) == {True, False}
    # Every difference of two nested figures is a union of cells of at least 5.
    b_subtree = enps_by(r[r.unit_id.isin(["B", "D1", "D2"])], "unit_id", min_n=1)
    assert {k: s.n for k, s in b_subtree.items()} == {"B": 6, "D1": 5}
    assert min(r.groupby("unit_id").size()) >= 5


def test_identity_is_removed_and_time_becomes_the_wave() -> None:
    r = protect(answers({"B2": [9, 9, 9, 9, 9]}))
    assert r["respondent_employee_id"].isna().all()
    assert r["language"].isna().all() and r["channel"].isna().all()
    assert set(pd.to_datetime(r["at"])) == {pd.Timestamp(2025, 1, 1)}
    assert wave_start(date(2025, 12, 31)) == date(2025, 10, 1)


def test_the_open_wave_is_not_shown() -> None:
    rows = answers({"B2": [9] * 5}) + answers({"B2": [0] * 6}, at=datetime(2025, 5, 1))
    p = protect_answers(pd.DataFrame(rows), units=UNITS, as_of=AS_OF)
    assert len(p.rows) == 5 and p.open == 6


def test_cells_are_per_wave_so_a_later_wave_cannot_be_subtracted() -> None:
    # D2 has 5 answers in Q1 but 2 in Q4 of the year before: the Q4 pair is pooled upward.
    rows = answers({"D2": [10] * 5}) + answers(
        {"D2": [0, 0], "B": [5] * 4}, at=datetime(2024, 11, 5)
    )
    r = protect(rows)
    sizes = r.groupby(["at", "unit_id"]).size().to_dict()
    assert sizes == {(pd.Timestamp(2024, 10, 1), "B"): 6, (pd.Timestamp(2025, 1, 1), "D2"): 5}


def test_internal_nps_cells_are_per_rated_unit_and_respondent_unit() -> None:
    employees = pd.DataFrame(
        {"employee_id": [f"e{i}" for i in range(9)], "unit_id": ["D1"] * 6 + ["D2"] * 3}
    )
    rows = [
        {"metric": "internal_nps", "unit_id": "B2", "at": Q1, "score": 8.0,
         "respondent_employee_id": f"e{i}"}
        for i in range(9)
    ]  # fmt: skip
    p = protect_answers(pd.DataFrame(rows), employees=employees, units=UNITS, as_of=AS_OF)
    r = p.rows
    # D1's six raters form a cell; D2's three go up to B, still three, then to C and out.
    assert r.groupby("cell_unit_id").size().to_dict() == {"D1": 6}
    assert set(r["unit_id"]) == {"B2"} and p.dropped == 3


def test_min_group_must_be_at_least_two() -> None:
    with pytest.raises(InvalidInputError, match="at least 2"):
        protect_answers(pd.DataFrame(answers({"B2": [9]})), as_of=AS_OF, min_group=1)


def test_complementary_suppression_of_a_one_way_table() -> None:
    # 7 in a unit: subunits of 5 and 2. Hiding only the 2 leaves it as 7 - 5.
    assert suppressed_cells({"a": 5, "b": 2}, 5) == {"a", "b"}
    assert suppressed_cells({"a": 5, "b": 2, "c": 4}, 5) == {"b", "c"}
    assert suppressed_cells({"a": 5, "b": 6}, 5) == set()
