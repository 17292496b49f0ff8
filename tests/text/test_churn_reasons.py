"""Suggested churn reasons for interview answers: the seed's three patterns and the others,
in ru/uk/en, with negation respected."""

from __future__ import annotations

import pytest

from cxray.text.churn_reasons import REASON_CODES, reason_name, suggest_reasons


def codes(text: str, language: str | None = None) -> list[str]:
    return [s.code for s in suggest_reasons({"what_changed": text}, language=language)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ходили по привычке, клиника рядом с домом", "habit"),
        ("Ходили только к доктору Ивановой, она уволилась", "person"),
        ("Честно, нам это давно было не особо нужно", "not_needed"),
        ("Стало дорого", "price"),
        ("Качество стало хуже", "quality"),
        ("Мы переехали в другой город", "moved_away"),
        ("Ми переїхали до іншого міста", "moved_away"),
        ("Якість погіршилася", "quality"),
        ("We never really needed it", "not_needed"),
        ("We moved to another city", "moved_away"),
        ("The quality dropped a lot", "quality"),
    ],
)
def test_reason_is_suggested(text, expected):
    assert expected in codes(text)


def test_a_move_is_not_taken_for_a_competitor():
    assert codes("We moved to another city", "en") == ["moved_away"]


def test_negated_move_does_not_fire():
    assert "moved_away" not in codes("Мы не переехали, просто стало дорого", "ru")


def test_suggestions_carry_evidence_and_question_most_confident_first():
    found = suggest_reasons(
        {"value_before": "Ходили по привычке", "replaced_by": "Перешли к конкурентам, там дешевле"},
        language="ru",
    )
    by_code = {s.code: s for s in found}
    assert by_code["habit"].question == "value_before"
    assert "привычке" in by_code["habit"].evidence
    assert by_code["competitor"].question == "replaced_by"
    assert [s.confidence for s in found] == sorted((s.confidence for s in found), reverse=True)


def test_empty_answers_suggest_nothing():
    assert suggest_reasons({"what_changed": "", "notes": "   "}) == []


def test_every_code_has_a_name_in_three_languages():
    for code in REASON_CODES:
        assert {reason_name(code, lang) for lang in ("ru", "uk", "en")} != {code}
    assert reason_name("person", "uk") == "Прив'язаність до людини, а не до бренду"
