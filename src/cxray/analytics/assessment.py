"""Scoring of self-assessments: the customer-orientation test and the CX audit (seed 000, 001).

Every item is answered on a 0-4 scale (0 = not at all, 1 = rarely / in words only,
2 = partly, 3 = mostly, 4 = fully and systematically) or left out as "not applicable".

- A section's score is ``100 * mean(answers) / 4`` over its answered items.
- The total is the plain mean of the section scores (sections with no answer are left
  out), so a long section weighs no more than a short one.
- A gap is an answered item scored 0-2 (at best "partly"); gaps are listed lowest first,
  ties in questionnaire order.

These are self-reports by one team, not a sample of customers: no interval is attached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxray.errors import InvalidInputError

SCALE_MAX = 4
GAP_AT_MOST = 2


@dataclass(frozen=True, slots=True)
class SectionScore:
    section: str
    score: float | None  # 0-100; None when no item of the section is answered
    answered: int
    items: int


@dataclass(frozen=True, slots=True)
class Gap:
    section: str
    item: str
    answer: int


@dataclass(frozen=True, slots=True)
class AssessmentScore:
    total: float | None  # 0-100, mean of the answered sections
    sections: tuple[SectionScore, ...]
    gaps: tuple[Gap, ...]
    answered: int
    items: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "answered": self.answered,
            "items": self.items,
            "sections": [
                {"section": s.section, "score": s.score, "answered": s.answered, "items": s.items}
                for s in self.sections
            ],
            "gaps": [{"section": g.section, "item": g.item, "answer": g.answer} for g in self.gaps],
        }


def check_answers(
    sections: Sequence[tuple[str, Sequence[str]]], answers: Mapping[str, Any]
) -> dict[str, int]:
    """The answers as ``{item: 0..4}``; ``None`` / "" / "na" mean not applicable.

    Raises :class:`InvalidInputError` naming the item for an unknown item or a value off
    the scale.
    """
    known = {item for _s, items in sections for item in items}
    out: dict[str, int] = {}
    for item, value in answers.items():
        if item not in known:
            raise InvalidInputError(
                f"item {item!r} is not in this questionnaire; known items: {sorted(known)}"
            )
        if value is None or value == "" or value == "na":
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
        if str(value).strip() not in {str(number)} or not 0 <= number <= SCALE_MAX:
            raise InvalidInputError(
                f"item {item!r}: {value!r} is not an answer; use a whole number from 0 "
                f"(not at all) to {SCALE_MAX} (fully), or 'na' for not applicable"
            )
        out[item] = number
    return out


def score_assessment(
    sections: Sequence[tuple[str, Sequence[str]]], answers: Mapping[str, Any]
) -> AssessmentScore:
    """Section scores, the total and the gaps of one assessment (see the module doc)."""
    given = check_answers(sections, answers)
    scored = []
    gaps = []
    position = 0
    for section, items in sections:
        values = []
        for item in items:
            position += 1
            if item in given:
                values.append(given[item])
                if given[item] <= GAP_AT_MOST:
                    gaps.append((given[item], position, Gap(section, item, given[item])))
        score = 100.0 * sum(values) / (SCALE_MAX * len(values)) if values else None
        scored.append(SectionScore(section, score, len(values), len(items)))
    answered_sections = [s.score for s in scored if s.score is not None]
    total = sum(answered_sections) / len(answered_sections) if answered_sections else None
    return AssessmentScore(
        total=total,
        sections=tuple(scored),
        gaps=tuple(g for _a, _p, g in sorted(gaps, key=lambda t: (t[0], t[1]))),
        answered=len(given),
        items=sum(len(items) for _s, items in sections),
    )


def score_change(before: AssessmentScore, after: AssessmentScore) -> dict[str, float | None]:
    """Points of change per section and for the total (``"total"``), after minus before;
    None where either side has no score."""
    prev = {s.section: s.score for s in before.sections}
    out: dict[str, float | None] = {}
    for s in after.sections:
        p = prev.get(s.section)
        out[s.section] = None if s.score is None or p is None else s.score - p
    out["total"] = (
        None if after.total is None or before.total is None else after.total - before.total
    )
    return out
