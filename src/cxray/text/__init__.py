"""Text analytics for ru/uk/en customer comments (pure Python; never imports Django).

    from cxray.text import analyze
    analyze(["Дякую, все чудово", "Спасибо, всё отлично", "Долго ждали, не понравилось"])

Per comment: language, content lemmas (negation attached), sentiment with its carrier words,
themes and reason codes (taxonomy/coding rules) and the PII-masked text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cxray.text.language import detect_language
from cxray.text.lemmas import lemmatize
from cxray.text.pii import mask_pii
from cxray.text.sentiment import DEFAULT_MODEL, Model, Sentiment, sentiment, sentiment_many

if TYPE_CHECKING:
    from cxray.text.coding import Code
    from cxray.text.taxonomy import ThemeHit

__all__ = [
    "Sentiment",
    "TextAnalysis",
    "analyze",
    "detect_language",
    "lemmatize",
    "mask_pii",
    "sentiment",
]


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    text: str
    language: str  # "ru" | "uk" | "en" | "mixed" | "unknown"
    lemmas: list[str]  # stop words removed, negation attached: "не_понравиться"
    sentiment: Sentiment
    themes: list[ThemeHit] = field(default_factory=list)
    codes: list[Code] = field(default_factory=list)
    masked: str = ""  # the text with phones, emails and cards masked


def _rules() -> tuple[Any, Any]:
    # Imported here, not at module level: the rule engines load their rule files on first use,
    # and analyze() is the only caller.
    from cxray.text.coding import code_text
    from cxray.text.taxonomy import taxonomy_themes

    return taxonomy_themes, code_text


def analyze(
    texts: Iterable[str], *, model: Model = DEFAULT_MODEL, themes: bool = True
) -> list[TextAnalysis]:
    """Analyse each comment: language, lemmas, sentiment, themes, reason codes, masked text.

    ``model="lexicon"`` (default) is the fast path; ``"full"`` blends in the embedding
    classifier (about ten times slower). ``themes=False`` skips themes and codes.
    """
    items: Sequence[str] = [t if isinstance(t, str) else "" for t in texts]
    languages = [detect_language(t) for t in items]
    moods = sentiment_many(items, languages, model)
    taxonomy_themes, code_text = _rules() if themes else (None, None)
    # Comment sets repeat a lot ("Всё отлично", "Good"): each distinct text is worked on once.
    done: dict[tuple[str, str], tuple[list[str], list[ThemeHit], list[Code], str]] = {}
    out = []
    for text, lang, mood in zip(items, languages, moods, strict=True):
        parts = done.get((text, lang))
        if parts is None:
            lemmas = lemmatize(text, lang)
            hits = taxonomy_themes(text, lang, lemmas) if taxonomy_themes else []
            codes = code_text(text, lang, lemmas, themes=hits) if code_text else []
            parts = done[(text, lang)] = (lemmas, hits, codes, mask_pii(text))
        lemmas, hits, codes, masked = parts
        out.append(
            TextAnalysis(
                text=text,
                language=lang,
                lemmas=list(lemmas),  # a list of its own for each comment, as before
                sentiment=mood,
                themes=list(hits),
                codes=list(codes),
                masked=masked,
            )
        )
    return out
