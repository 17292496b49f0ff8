"""Hand-computed figures of the research pure modules: interview reasons by segment, the
self-assessment score, and own scores against competitors."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cxray.analytics.assessment import check_answers, score_assessment, score_change
from cxray.analytics.competitors import competitor_comparison
from cxray.analytics.interview_reasons import reasons_as_dict, reasons_by_segment
from cxray.errors import InvalidInputError

Z = 1.959963984540054


# --- interview reasons -----------------------------------------------------------------------
INTERVIEWS = [
    {"segment": "A", "reasons": ["habit", "price"], "quotes": {"habit": ["ходили по привычке"]}},
    {"segment": "A", "reasons": ["habit"]},
    {"segment": "A", "reasons": []},  # not coded yet: not in n
    {"segment": "B", "reasons": ["person"], "quotes": {"person": ["к доктору Ивановой"]}},
    {"segment": "B", "reasons": ["person", "habit"]},
]


def test_reason_shares_counts_and_wilson_intervals():
    report = reasons_by_segment(INTERVIEWS, order=("habit", "person", "price"))
    assert [s.segment for s in report] == ["all", "A", "B"]
    everyone = report[0]
    assert (everyone.n, everyone.uncoded) == (4, 1)
    assert [(r.reason, r.count) for r in everyone.reasons] == [
        ("habit", 3),
        ("person", 2),
        ("price", 1),
    ]
    habit = everyone.reasons[0].share
    assert habit.value == pytest.approx(75.0)
    # Wilson 95% for 3 of 4: (0.3006, 0.9544), by hand from Wilson 1927 eq.
    assert habit.low == pytest.approx(30.06, abs=0.01)
    assert habit.high == pytest.approx(95.44, abs=0.01)
    assert not habit.reliable  # 4 coded interviews < 10
    assert everyone.reasons[1].quotes == ("к доктору Ивановой",)
    a = report[1]
    assert (a.n, a.uncoded) == (2, 1)
    assert [(r.reason, r.share.value) for r in a.reasons] == [("habit", 100.0), ("price", 50.0)]
    b = report[2]
    assert [(r.reason, r.share.value) for r in b.reasons] == [("person", 100.0), ("habit", 50.0)]


def test_reasons_json_form():
    data = reasons_as_dict(reasons_by_segment(INTERVIEWS))
    assert data[0]["segment"] == "all"
    assert data[0]["reasons"][0] == {
        "reason": "habit",
        "count": 3,
        "share": 75.0,
        "low": pytest.approx(30.06, abs=0.01),
        "high": pytest.approx(95.44, abs=0.01),
        "reliable": False,
        "quotes": ["ходили по привычке"],
    }


# --- self-assessment -------------------------------------------------------------------------
SECTIONS = [("s1", ["a", "b", "c"]), ("s2", ["d", "e", "f"])]


def test_assessment_scores_sections_total_and_gaps():
    s = score_assessment(SECTIONS, {"a": 4, "b": "2", "c": "na", "d": 0, "e": 1, "f": 2})
    # s1: (4 + 2) / 2 = 3 of 4 -> 75; c is not applicable. s2: (0 + 1 + 2) / 3 = 1 -> 25.
    assert [(x.section, x.score, x.answered, x.items) for x in s.sections] == [
        ("s1", 75.0, 2, 3),
        ("s2", 25.0, 3, 3),
    ]
    # Mean of sections (75 + 25) / 2 = 50, not the item mean 9/5/4 = 45.
    assert s.total == 50.0
    assert (s.answered, s.items) == (5, 6)
    # Lowest first; the two 2s in questionnaire order (b before f); a 3 or 4 is no gap.
    assert [(g.item, g.answer) for g in s.gaps] == [("d", 0), ("e", 1), ("b", 2), ("f", 2)]


def test_assessment_change_against_the_previous_one():
    before = score_assessment(SECTIONS, {"a": 2, "b": 2, "d": 1, "e": 1, "f": 1})  # 50, 25
    after = score_assessment(SECTIONS, {"a": 4, "b": 2, "d": 0, "e": 1, "f": 2})  # 75, 25
    assert before.total == 37.5
    assert score_change(before, after) == {"s1": 25.0, "s2": 0.0, "total": 12.5}


def test_unanswered_section_is_left_out_of_the_total():
    s = score_assessment(SECTIONS, {"a": 3})
    assert s.sections[1].score is None
    assert s.total == 75.0


@pytest.mark.parametrize(
    ("answers", "message"),
    [({"a": 5}, "item 'a': 5 is not an answer"), ({"zz": 1}, "item 'zz' is not in")],
)
def test_bad_answers_name_the_item(answers, message):
    with pytest.raises(InvalidInputError, match=message):
        check_answers(SECTIONS, answers)


# --- competitors -----------------------------------------------------------------------------
def _own() -> pd.DataFrame:
    scores = [10] * 6 + [8] * 2 + [3] * 2  # NPS on T: (6 - 2) / 10 = +40
    rows = [{"touchpoint_id": "T", "metric": "nps", "score": float(s)} for s in scores]
    rows += [{"touchpoint_id": "U", "metric": "nps", "score": 10.0}] * 2
    rows += [{"touchpoint_id": "T", "metric": "csat", "score": 5.0}]  # another metric: ignored
    return pd.DataFrame(rows)


def _bench() -> pd.DataFrame:
    x = [10] * 3 + [7] * 3 + [5] * 4  # NPS (3 - 4) / 10 = -10
    rows = [
        {"touchpoint_id": "T", "subject": "Rival", "metric": "nps", "score": float(s)} for s in x
    ]
    rows += [{"touchpoint_id": "T", "subject": "best_anywhere", "metric": "nps", "score": 10.0}] * 5
    rows += [{"touchpoint_id": "T", "subject": "Rival", "metric": "csat", "score": 1.0}]
    return pd.DataFrame(rows)


def test_own_against_competitor_and_best_anywhere_with_intervals():
    rows = competitor_comparison(_own(), _bench(), metric="nps")
    keys = [(r.touchpoint, r.subject) for r in rows]
    assert keys == [
        (None, "Rival"),
        (None, "best_anywhere"),
        ("T", "Rival"),
        ("T", "best_anywhere"),
    ]
    overall, _best_all, rival, best = rows
    # Overall own: 12 answers, 8 promoters, 2 detractors -> +50; Rival -10 -> +60.
    assert overall.own.n == 12 and overall.own.value == pytest.approx(50.0)
    assert overall.gap.difference == pytest.approx(60.0)
    # On T: +40 against -10. Var of an NPS (as a share) = [p+ + p- - (p+ - p-)^2] / n:
    # own (0.6 + 0.2 - 0.16) / 10 = 0.064, Rival (0.3 + 0.4 - 0.01) / 10 = 0.069.
    assert (rival.own.n, rival.other.n) == (10, 10)
    assert rival.own.value == pytest.approx(40.0) and rival.other.value == pytest.approx(-10.0)
    assert rival.gap.difference == pytest.approx(50.0)
    half = Z * 100 * math.sqrt(0.064 + 0.069)  # 71.478
    assert rival.gap.low == pytest.approx(50.0 - half, abs=1e-6)
    assert rival.gap.high == pytest.approx(50.0 + half, abs=1e-6)
    assert not rival.gap.significant
    # Best anywhere: five 10s (NPS 100, no spread of its own): interval -60 +- 1.96 * 25.30.
    assert best.gap.difference == pytest.approx(-60.0)
    assert best.gap.high == pytest.approx(-60.0 + Z * 100 * math.sqrt(0.064), abs=1e-6)
    # The test pools both samples under "no difference": p+ = 11/15, p- = 2/15,
    # var = (13/15 - (9/15)^2) * (1/10 + 1/5) = 0.152, z = 0.60 / sqrt(0.152) = 1.539.
    assert best.gap.p_value == pytest.approx(math.erfc(0.6 / math.sqrt(0.152) / math.sqrt(2)))
    assert best.gap.p_value == pytest.approx(0.1238, abs=1e-4)
    assert not best.other.reliable  # n = 5 < 30


def test_own_rows_in_the_benchmark_file_count_as_own():
    bench = pd.concat(
        [
            _bench(),
            pd.DataFrame([{"touchpoint_id": "T", "subject": "own", "metric": "nps", "score": 0.0}]),
        ]
    )
    rows = competitor_comparison(_own(), bench, metric="nps")
    rival = next(r for r in rows if r.touchpoint == "T" and r.subject == "Rival")
    assert rival.own.n == 11  # 10 responses + 1 "own" rating; (6 - 3) / 11 = 27.27
    assert rival.own.value == pytest.approx(300 / 11)
    assert all(r.subject != "own" for r in rows)
