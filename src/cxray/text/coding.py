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
People's verdicts on codes teach the coder through :class:`CodingMemory`.
The grouping of follow-up answers lives in :mod:`cxray.text.followups`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from cxray.text.taxonomy import (
    RULES_DIR,
    Taxonomy,
    ThemeHit,
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


def code_text(
    text: str, language: str, lemmas: list[str], *, themes: Sequence[ThemeHit] | None = None
) -> list[Code]:
    """Purchase factors and churn reasons in one text, most confident first.

    ``themes``: the text's :func:`taxonomy_themes` with the default taxonomy, when the caller
    has them already (``analyze`` does); otherwise they are computed here.
    """
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
    if themes is None:
        themes = taxonomy_themes(text, language, lemmas)
    by_theme = {h.theme: h for h in themes}
    for theme in coding.rules.themes:
        for source in theme.meta.get("from_themes", []):
            if source in by_theme:
                hit = by_theme[source]
                conf = round(hit.confidence * FROM_THEME_FACTOR, 3)
                keep(Code(theme.meta["scheme"], theme.id, conf, hit.evidence))
    return sorted(best.values(), key=lambda c: (-c.confidence, c.scheme, c.code))


# --- people's verdicts ---------------------------------------------------------------------
CONFIRMED_CONFIDENCE = 0.95


@dataclass(frozen=True)
class Review:
    """A person's verdict on one code with its evidence: confirmed, rejected or corrected."""

    scheme: str
    code: str
    evidence: str
    verdict: str
    corrected_code: str = ""


class CodingMemory:
    """What people said about the coder's codes, applied to the codes of new texts.

    Verdicts are remembered per (scheme, code, evidence span), so a phrase that was wrongly
    coded once is not coded that way again: rejected evidence is dropped, corrected evidence
    gets the code people chose, confirmed evidence gets full confidence. When people
    disagree on the same span, the most frequent verdict counts (a tie keeps the machine's
    code).
    """

    def __init__(self, reviews: Iterable[Review] = ()) -> None:
        votes: dict[tuple[str, str, str], Counter[tuple[str, str]]] = {}
        for r in reviews:
            key = (r.scheme, r.code, _span(r.evidence))
            votes.setdefault(key, Counter())[(r.verdict, r.corrected_code)] += 1
        self._verdicts: dict[tuple[str, str, str], tuple[str, str]] = {}
        for key, counter in votes.items():
            ranked = counter.most_common(2)
            runner_up = ranked[1][1] if len(ranked) > 1 else 0
            if ranked[0][1] > runner_up:
                self._verdicts[key] = ranked[0][0]

    def __len__(self) -> int:
        return len(self._verdicts)

    def apply(self, codes: Sequence[Code]) -> list[Code]:
        out: dict[tuple[str, str], Code] = {}
        for c in codes:
            verdict, corrected = self._verdicts.get((c.scheme, c.code, _span(c.evidence)), ("", ""))
            if verdict == "rejected":
                continue
            if verdict == "corrected":
                c = replace(c, code=corrected)
            elif verdict == "confirmed":
                c = replace(c, confidence=max(c.confidence, CONFIRMED_CONFIDENCE))
            key = (c.scheme, c.code)
            if key not in out or c.confidence > out[key].confidence:
                out[key] = c
        return sorted(out.values(), key=lambda c: (-c.confidence, c.scheme, c.code))

    def spans(self) -> set[str]:
        """The evidence spans people gave a verdict on (normalised like :func:`normalise`)."""
        return {span for _scheme, _code, span in self._verdicts}

    def revise(
        self,
        stored: Sequence[tuple[str, str]],
        machine: Sequence[Code],
        *,
        fixed: Collection[tuple[str, str]] = (),
    ) -> list[tuple[str, str]]:
        """An analysed text's stored (scheme, code) pairs with today's verdicts applied.

        ``machine``: the coder's codes for the text now, with their evidence; only those
        whose (scheme, code, evidence) carries a verdict change anything, so codes nobody
        reviewed stay as they were stored. ``fixed``: codes a person judged on this very
        text; they are left alone, because the text's own review already decides them and
        dropping them would hide that review. Applying the result again changes nothing.
        """
        out = list(dict.fromkeys(stored))
        for c in machine:
            key = (c.scheme, c.code)
            if key in fixed:
                continue
            verdict, corrected = self._verdicts.get((c.scheme, c.code, _span(c.evidence)), ("", ""))
            if verdict == "rejected" and key in out:
                out.remove(key)
            elif verdict == "corrected":
                target = (c.scheme, corrected)
                if key in out:
                    # In place, so the order (most confident first) is kept.
                    out[out.index(key)] = target
                    out = list(dict.fromkeys(out))
                elif target not in out:
                    out.append(target)
            elif verdict == "confirmed" and key not in out:
                # A code once rejected here and confirmed since comes back.
                out.append(key)
        return out


def normalise(text: str) -> str:
    """Lower case, ё as е, single spaces: the form evidence spans are compared in."""
    return _span(text)


def _span(evidence: str) -> str:
    return " ".join(evidence.lower().replace("ё", "е").split())
