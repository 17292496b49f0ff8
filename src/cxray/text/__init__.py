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
from cxray.text.lemmas import lemma_stream, lemmas_of_stream, lemmatize
from cxray.text.pii import mask_pii
from cxray.text.sentiment import (
    DEFAULT_MODEL,
    Model,
    Sentiment,
    check_model,
    finish_sentiments,
    own_copy,
    sentiment,
    stream_sentiment,
)

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
    check_model(model)
    items: Sequence[str] = [t if isinstance(t, str) else "" for t in texts]
    taxonomy_themes, code_text = _rules() if themes else (None, None)
    # Comment sets repeat a lot ("Всё отлично", "Good"): each distinct text is worked on once,
    # and its tokens are read and lemmatised once for the sentiment and the lemmas alike.
    done: dict[str, tuple[str, tuple[Sentiment, float], list[str], list[ThemeHit], list[Code], str]]
    done = {}
    per_text = []
    for text in items:
        parts = done.get(text)
        if parts is None:
            lang = detect_language(text)
            stream = lemma_stream(text, lang)
            lemmas = lemmas_of_stream(stream)
            hits = taxonomy_themes(text, lang, lemmas) if taxonomy_themes else []
            codes = code_text(text, lang, lemmas, themes=hits) if code_text else []
            mood = stream_sentiment(stream)
            parts = done[text] = (lang, mood, lemmas, hits, codes, mask_pii(text))
            per_text.append((parts, mood))
        else:
            # A Sentiment of its own for each comment, as before (its carriers are a list).
            per_text.append((parts, (own_copy(parts[1][0]), parts[1][1])))
    moods = finish_sentiments(items, [mood for _, mood in per_text], model)
    out = []
    for text, (parts, _), mood in zip(items, per_text, moods, strict=True):
        lang, _, lemmas, hits, codes, masked = parts
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
