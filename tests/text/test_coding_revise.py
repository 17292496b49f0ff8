"""CodingMemory.revise: stored codes of an analysed text brought in line with the verdicts."""

from __future__ import annotations

from cxray.text.coding import Code, CodingMemory, Review, normalise

PRICE = Code("churn_reason", "price", 0.85, "Цены выросли")
FINANCIAL = Code("purchase_factor", "financial", 0.675, "цены")
PERSON = Code("churn_reason", "person", 0.8, "мой доктор уволился")
STORED = [("churn_reason", "price"), ("purchase_factor", "financial")]


def test_a_rejected_span_drops_only_that_code():
    memory = CodingMemory([Review("churn_reason", "price", "цены  выросли", "rejected")])
    assert memory.spans() == {"цены выросли"}
    assert memory.revise(STORED, [PRICE, FINANCIAL]) == [("purchase_factor", "financial")]
    # The same code on other evidence ("дорого") is not the reviewed phrase: kept.
    other = Code("churn_reason", "price", 0.75, "дорого")
    assert memory.revise(STORED, [other, FINANCIAL]) == STORED


def test_a_correction_replaces_the_code_in_place_and_repeats_to_nothing():
    memory = CodingMemory(
        [Review("churn_reason", "person", "мой доктор уволился", "corrected", "not_needed")]
    )
    stored = [("churn_reason", "person"), ("purchase_factor", "service")]
    once = memory.revise(stored, [PERSON])
    assert once == [("churn_reason", "not_needed"), ("purchase_factor", "service")]
    assert memory.revise(once, [PERSON]) == once


def test_codes_judged_on_the_text_itself_are_left_to_that_review():
    memory = CodingMemory([Review("churn_reason", "price", "цены выросли", "rejected")])
    fixed = {("churn_reason", "price")}
    assert memory.revise(STORED, [PRICE, FINANCIAL], fixed=fixed) == STORED


def test_a_confirmed_span_brings_back_a_code_the_text_lost():
    memory = CodingMemory([Review("churn_reason", "price", "цены выросли", "confirmed")])
    assert memory.revise([("purchase_factor", "financial")], [PRICE, FINANCIAL]) == [
        ("purchase_factor", "financial"),
        ("churn_reason", "price"),
    ]


def test_a_tie_between_verdicts_changes_nothing():
    memory = CodingMemory(
        [
            Review("churn_reason", "price", "цены выросли", "rejected"),
            Review("churn_reason", "price", "цены выросли", "confirmed"),
        ]
    )
    assert len(memory) == 0 and memory.revise(STORED, [PRICE, FINANCIAL]) == STORED


def test_normalise_matches_the_evidence_form():
    assert normalise("  Ещё   ЦЕНЫ\nвыросли ") == "еще цены выросли"
