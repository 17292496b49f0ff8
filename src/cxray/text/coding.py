"""Reason codes from the seeds: purchase factors and churn reasons, in ru/uk/en.

Purchase factors (seed 001, "service sales"): technical (the job to be done), service,
emotional, financial. They are coded whatever the polarity: "too expensive" is the financial
factor speaking. A factor fires from its own rules or from the taxonomy themes listed in its
``from_themes`` (waiting time, staff attitude, booking ... are the service factor).

Churn reasons (seed 001, deep interviews): habit, person (attachment to a doctor, a manager,
not to the brand), not_needed, price, competitor, service_failure. The same words ("дорого")
also appear in comments of customers who stay, so a churn reason found in a text with no
leaving cue ("ушла", "перестали", "switched", ...) keeps only ``no_cue_factor`` of its
confidence: callers that code churn interviews can keep them all, callers that code survey
comments can filter on confidence.

Rules: ``taxonomy_rules/coding/`` in the format of the taxonomy (see cxray.text.taxonomy).

:func:`group_follow_ups` groups the answers to "what must change for you to give us the top
score?" (seed 001): taxonomy themes first, then discovered themes for the rest.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cxray.text.taxonomy import (
    RULES_DIR,
    Taxonomy,
    load_taxonomy,
    match_rules,
    read_json,
    taxonomy_themes,
)

CODING_DIR = RULES_DIR / "coding"
FACTOR_CODES = ("technical", "service", "emotional", "financial")
CHURN_CODES = ("habit", "person", "not_needed", "price", "competitor", "service_failure")
FROM_THEME_FACTOR = 0.9  # a factor read off a taxonomy theme is one step removed


@dataclass(frozen=True)
class Code:
    """One code: its scheme ("purchase_factor" | "churn_reason"), evidence span, confidence."""

    scheme: str
    code: str
    confidence: float
    evidence: str


@dataclass(frozen=True)
class _Coding:
    rules: Taxonomy
    leaving: dict[str, re.Pattern[str]]
    no_cue_factor: float


@lru_cache(maxsize=1)
def _coding() -> _Coding:
    index = read_json(CODING_DIR / "themes.json")
    leaving = {lang: re.compile("|".join(rx)) for lang, rx in index["leaving_cues"].items()}
    return _Coding(load_taxonomy(CODING_DIR), leaving, float(index["no_cue_factor"]))


def _has_leaving_cue(coding: _Coding, text: str, language: str) -> bool:
    low = text.lower().replace("ё", "е").replace("’", "'").replace("ʼ", "'")
    langs = [language] if language in coding.leaving else list(coding.leaving)
    if language in ("ru", "uk"):
        langs = ["ru", "uk"]  # borrowed words again
    return any(coding.leaving[lg].search(low) for lg in langs)


def code_text(text: str, language: str, lemmas: list[str]) -> list[Code]:
    """Purchase factors and churn reasons in one text, most confident first."""
    if not text.strip():
        return []
    coding = _coding()
    best: dict[tuple[str, str], Code] = {}

    def keep(code: Code) -> None:
        key = (code.scheme, code.code)
        if key not in best or code.confidence > best[key].confidence:
            best[key] = code

    cue = None
    for theme, evidence, conf in match_rules(coding.rules, text, language, lemmas):
        scheme = theme.meta["scheme"]
        if scheme == "churn_reason":
            cue = _has_leaving_cue(coding, text, language) if cue is None else cue
            conf = conf if cue else conf * coding.no_cue_factor
        keep(Code(scheme, theme.id, round(conf, 3), evidence))
    themes = {h.theme: h for h in taxonomy_themes(text, language, lemmas)}
    for theme in coding.rules.themes:
        for source in theme.meta.get("from_themes", []):
            if source in themes:
                hit = themes[source]
                conf = round(hit.confidence * FROM_THEME_FACTOR, 3)
                keep(Code(theme.meta["scheme"], theme.id, conf, hit.evidence))
    return sorted(best.values(), key=lambda c: (-c.confidence, c.scheme, c.code))


# ---------- follow-up answers ----------


@dataclass(frozen=True)
class Group:
    """A group of follow-up answers: a taxonomy theme, a discovered theme or the rest."""

    kind: str  # "taxonomy" | "discovered" | "other"
    theme: str
    label: str
    count: int
    share: float  # of all answers; an answer can sit in several taxonomy groups
    quotes: tuple[str, ...]
    members: tuple[int, ...] = field(repr=False)
    by_segment: dict[str, int] = field(default_factory=dict)
    by_touchpoint: dict[str, int] = field(default_factory=dict)


def _rows(data: Any) -> list[Mapping[str, Any]]:
    if hasattr(data, "to_dict"):  # a pandas DataFrame
        return list(data.to_dict("records"))
    return list(data)


def _counts(rows: list[Mapping[str, Any]], members: Iterable[int], column: str) -> dict[str, int]:
    values = [rows[i].get(column) for i in members]
    return dict(Counter(str(v) for v in values if v is not None and v == v))  # v == v: not NaN


def group_follow_ups(
    data: Any,
    *,
    ui_language: str = "en",
    min_cluster: int = 5,
    seed: int = 0,
    taxonomy: Taxonomy | None = None,
) -> list[Group]:
    """Group answers (DataFrame or dicts: text, language, optional segment, touchpoint).

    Taxonomy themes first (biggest first), then themes discovered among the answers no rule
    caught, then "other" for what is left. Quotes stay in the language they were written in.
    """
    from cxray.text.discover import discover_themes
    from cxray.text.language import detect_language
    from cxray.text.lemmas import lemmatize

    rows = [r for r in _rows(data) if isinstance(r.get("text"), str) and r["text"].strip()]
    if not rows:
        return []
    tax = taxonomy or load_taxonomy()
    n = len(rows)
    hits: dict[str, list[tuple[float, int]]] = {}
    rest: list[int] = []
    for i, row in enumerate(rows):
        text = row["text"]
        lang = row.get("language") if isinstance(row.get("language"), str) else None
        lang = lang or detect_language(text)
        found = taxonomy_themes(text, lang, lemmatize(text, lang), taxonomy=tax)
        for h in found:
            hits.setdefault(h.theme, []).append((h.confidence, i))
        if not found:
            rest.append(i)

    def group(kind: str, theme: str, label: str, members: list[int], quotes: list[str]) -> Group:
        return Group(
            kind,
            theme,
            label,
            len(members),
            round(len(members) / n, 4),
            tuple(quotes),
            tuple(members),
            _counts(rows, members, "segment"),
            _counts(rows, members, "touchpoint"),
        )

    out = []
    for theme_id, found in sorted(hits.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        members = sorted(i for _, i in found)
        quotes: list[str] = []
        for _, i in sorted(found, key=lambda ci: (-ci[0], ci[1])):
            if rows[i]["text"] not in quotes and len(quotes) < 3:
                quotes.append(rows[i]["text"])
        out.append(group("taxonomy", theme_id, tax.name(theme_id, ui_language), members, quotes))
    left = rest
    if len(rest) >= 2 * min_cluster:
        texts = [rows[i]["text"] for i in rest]
        langs = [
            r if isinstance(r := rows[i].get("language"), str) else detect_language(t)
            for i, t in zip(rest, texts, strict=True)
        ]
        found_themes = discover_themes(texts, min_cluster=min_cluster, seed=seed, language=langs)
        for t in found_themes.themes:
            members = [rest[j] for j in t.members]
            out.append(group("discovered", t.id, t.label, members, list(t.quotes)))
        left = []
    if left:
        quotes = list(dict.fromkeys(rows[i]["text"] for i in left))[:3]
        out.append(group("other", "other", "other", left, quotes))
    return out
