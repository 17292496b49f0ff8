"""Suggested churn reasons for one churn interview (seed 001, deep interviews), in ru/uk/en.

The suggestions are a first pass for the interviewer, never a verdict: a person confirms,
rejects or replaces each one, and only confirmed reasons are counted.

Two sources, the stronger confidence wins per reason:

- the shared reason-code rules of :mod:`cxray.text.coding` (``habit``, ``person``,
  ``not_needed``, ``price``, ``competitor``, ``service_failure``). An interview is a churn
  context by definition, so the "no leaving cue" discount that coding applies to survey
  comments is undone here;
- a few interview-only rules below (``quality``, ``moved_away`` and more ways of saying
  ``not_needed``). They match content lemmas by prefix, so a negated word ("не переехали"
  → ``не_переехать``) never fires, plus phrase regexes where a single lemma is too weak.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from cxray.text.coding import code_text
from cxray.text.language import detect_language
from cxray.text.lemmas import lemmatize

# The three patterns of seed 001 first, then the usual suspects; "other" is never suggested.
REASON_CODES: tuple[str, ...] = (
    "habit",
    "person",
    "not_needed",
    "price",
    "quality",
    "service_failure",
    "competitor",
    "moved_away",
    "other",
)
SEED_PATTERNS: frozenset[str] = frozenset({"habit", "person", "not_needed"})
REASON_NAMES: dict[str, dict[str, str]] = {
    "habit": {
        "en": "Value was only a habit",
        "ru": "Ценность была лишь привычкой",
        "uk": "Цінність була лише звичкою",
    },
    "person": {
        "en": "Attached to a person, not the brand",
        "ru": "Привязанность к человеку, а не к бренду",
        "uk": "Прив'язаність до людини, а не до бренду",
    },
    "not_needed": {
        "en": "Never really needed it",
        "ru": "На самом деле было не нужно",
        "uk": "Насправді було не потрібно",
    },
    "price": {"en": "Price", "ru": "Цена", "uk": "Ціна"},
    "quality": {"en": "Quality", "ru": "Качество", "uk": "Якість"},
    "service_failure": {"en": "Service failure", "ru": "Провал сервиса", "uk": "Провал сервісу"},
    "competitor": {
        "en": "Went to a competitor",
        "ru": "Ушёл к конкуренту",
        "uk": "Пішов до конкурента",
    },
    "moved_away": {"en": "Moved away", "ru": "Переехал", "uk": "Переїхав"},
    "other": {"en": "Other", "ru": "Другое", "uk": "Інше"},
}

# coding.py multiplies a churn reason by no_cue_factor (0.6) when the text has no leaving cue.
_NO_CUE_FACTOR = 0.6


@dataclass(frozen=True, slots=True)
class _Rule:
    code: str
    confidence: float
    stems: tuple[str, ...] = ()  # lemma prefixes, any of them
    with_stems: tuple[str, ...] = ()  # and, when given, one of these too
    phrases: tuple[str, ...] = ()  # regexes on the lower-cased text


_QUALITY_WORDS = ("качеств", "якіст", "якост", "quality")
_WORSE = (
    "хуже", "плох", "упа", "снизи", "ухудш", "испорт", "гірш", "погірш", "впа", "знизи",
    "зіпсува", "worse", "poor", "drop", "declin", "bad",
)  # fmt: skip
_RULES: tuple[_Rule, ...] = (
    _Rule("quality", 0.85, stems=_QUALITY_WORDS, with_stems=_WORSE),
    _Rule("quality", 0.5, stems=_QUALITY_WORDS),
    _Rule(
        "quality",
        0.8,
        stems=(
            "брак",
            "некачествен",
            "неякісн",
            "бракован",
            "поломк",
            "слома",
            "злама",
            "defect",
            "broken",
            "broke",
            "faulty",
        ),
    ),
    _Rule(
        "moved_away",
        0.9,
        stems=(
            "переехать",
            "переезд",
            "уехать",
            "эмигр",
            "релокац",
            "переїхати",
            "переїзд",
            "виїхати",
            "поїхати",
            "relocat",
            "emigrat",
        ),
        phrases=(
            r"moved (?:away|abroad|out|to (?:another|a different|a new) (?:city|town|"
            r"country|region|area))",
        ),
    ),
    _Rule(
        "not_needed",
        0.8,
        phrases=(
            r"не (?:особо|особенно|очень|так уж|сильно)? ?нужн",
            r"(?:нужда|необходимость|потребность) (?:отпала|исчезла)",
            r"без надобности",
            r"не (?:дуже|так вже|особливо)? ?потрібн",
            r"(?:потреба|необхідність) (?:зникла|відпала)",
            r"(?:did ?n[o']t|do ?n[o']t|never|no longer) (?:really |actually )?need",
            r"(?:not|never) (?:really |actually )?(?:necessary|needed|essential)",
            r"nice to have",
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class ReasonSuggestion:
    code: str  # one of REASON_CODES
    confidence: float  # 0..1, rule strength
    evidence: str  # the words that fired
    question: str  # the answer (key of the answers mapping) the evidence was found in


def suggest_reasons(
    answers: Mapping[str, str], *, language: str | None = None
) -> list[ReasonSuggestion]:
    """Churn reasons suggested by the interview's answers, most confident first.

    ``answers``: question key → the customer's answer. ``language``: "ru", "uk" or "en"
    when known; otherwise it is detected per answer.
    """
    best: dict[str, ReasonSuggestion] = {}
    for question, text in answers.items():
        if not text or not text.strip():
            continue
        lang = language if language in ("ru", "uk", "en") else detect_language(text)
        for code, conf, evidence in _suggest_one(text, lang):
            if code not in best or conf > best[code].confidence:
                best[code] = ReasonSuggestion(code, round(conf, 3), evidence, question)
    order = {c: i for i, c in enumerate(REASON_CODES)}
    return sorted(best.values(), key=lambda s: (-s.confidence, order.get(s.code, 99)))


def _suggest_one(text: str, language: str) -> list[tuple[str, float, str]]:
    lemmas = lemmatize(text, language)
    found: list[tuple[str, float, str]] = []
    for c in code_text(text, language, lemmas):
        if c.scheme != "churn_reason":
            continue
        # Undo the survey-comment discount: everyone interviewed here has left.
        conf = c.confidence if c.confidence >= 0.7 else min(1.0, c.confidence / _NO_CUE_FACTOR)
        found.append((c.code, conf, c.evidence))
    low = text.lower().replace("ё", "е").replace("’", "'").replace("ʼ", "'")
    for rule in _RULES:
        hit = _match(rule, lemmas, low)
        if hit:
            found.append((rule.code, rule.confidence, hit))
    # "moved to another city" is also a competitor cue in coding.py; a move explains it.
    moves = [e.lower() for code, _c, e in found if code == "moved_away"]
    return [
        f for f in found if not (f[0] == "competitor" and any(f[2].lower() in m for m in moves))
    ]


def _match(rule: _Rule, lemmas: list[str], low: str) -> str:
    """The evidence when ``rule`` fires on the text, else an empty string."""
    if rule.stems:
        head = [lm for lm in lemmas if lm.startswith(rule.stems)]
        tail = [lm for lm in lemmas if lm.startswith(rule.with_stems)] if rule.with_stems else []
        if head and (tail or not rule.with_stems):
            return " … ".join([head[0], *tail[:1]])
    for rx in rule.phrases:
        m = re.search(rx, low)
        if m:
            return m.group(0).strip()
    return ""


def reason_name(code: str, language: str = "en") -> str:
    names = REASON_NAMES.get(code)
    if names is None:
        return code
    return names.get(language, names["en"])
