"""Sentiment of a customer comment: a lexicon scorer, optionally blended with a classifier.

``model="lexicon"`` (the fast path, ~thousands of comments/s): hand-written ru/uk/en
lexicons with negation flip, intensifiers, diminishers, "but"-clauses weighted up and
multi-word phrases; it names the words that carried the sentiment.
``model="full"`` adds a logistic regression on multilingual USE v3 sentence embeddings
(numpy weights in ``models/sentiment_use.npz``, built by ``scripts/build_sentiment_model.py``
from Apache-2.0 data only), which reads comments the lexicon has no word for; it is about
ten times slower because of the encoder. See docs/decisions/0005-text-sentiment.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from cxray.text.lemmas import is_negation, is_stopword, lemma_stream
from cxray.text.lexicon import Lexicon, lexicon
from cxray.text.stopwords import DIMINISHERS, INTENSIFIERS

Model = Literal["lexicon", "full"]
DEFAULT_MODEL: Model = "lexicon"

# Customers put the point after the "but": "Дорого, но качественно" is praise.
_CONTRAST = frozenset({"но", "однако", "зато", "але", "проте", "однак", "зате", "but",
                       "however", "though", "although"})  # fmt: skip
_NEGATED_POSITIVE = -1.0  # "не понравилось" is as negative as "понравилось" is positive
_NEGATED_NEGATIVE = -0.5  # "не плохо", "без очереди" are mild praise
_CONTRAST_WEIGHT = 1.5
_SCALE = 2.0  # raw lexicon sum -> tanh(raw / _SCALE); one strong word gives ~0.76
THRESHOLD = 0.2  # |score| below this is neutral


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: str  # "positive" | "neutral" | "negative"
    score: float  # in [-1, 1]
    carriers: list[str] = field(default_factory=list)  # the words that carried it


def label_for(score: float) -> str:
    if score >= THRESHOLD:
        return "positive"
    if score <= -THRESHOLD:
        return "negative"
    return "neutral"


def _phrase_at(lex: Lexicon, lemmas: list[str | None], i: int) -> tuple[int, float]:
    if lemmas[i] not in lex.phrase_heads:  # every phrase starts with one of these lemmas
        return 0, 0.0
    for size in range(min(lex.longest_phrase, len(lemmas) - i), 1, -1):
        key = lemmas[i : i + size]
        if None not in key and (w := lex.phrases.get(tuple(key))):  # type: ignore[arg-type]
            return size, w
    return 0, 0.0


def lexicon_score(text: str, language: str | None = None) -> tuple[float, list[str]]:
    """The raw lexicon sum (unbounded, signed) and the carrier words of ``text``."""
    return stream_score(lemma_stream(text, language))


def stream_score(items: list[tuple[str, str, str] | None]) -> tuple[float, list[str]]:
    """:func:`lexicon_score` on a :func:`cxray.text.lemmas.lemma_stream` already at hand."""
    lemmas = [it[1] if it else None for it in items]
    total, carriers = 0.0, []
    negation: str | None = None
    boost, clause = 1.0, 1.0
    negated_intensifier = False
    i = 0

    def close_pending() -> None:
        nonlocal total, negated_intensifier
        if negated_intensifier:  # "не очень." / "not very." with nothing after it
            total -= 0.7 * clause
            carriers.append(f"{negation}_{pending}")
        negated_intensifier = False

    pending = ""
    while i < len(items):
        item = items[i]
        if item is None:
            close_pending()
            negation, boost = None, 1.0
            i += 1
            continue
        token, lemma, lang = item
        lex = lexicon(lang)
        size, w = _phrase_at(lex, lemmas, i)
        if size:
            words = " ".join(it[0] for it in items[i : i + size] if it)
            if negation:
                w = w * (_NEGATED_POSITIVE if w > 0 else _NEGATED_NEGATIVE)
            total += w * boost * clause
            carriers.append(words)
            negation, boost, negated_intensifier = None, 1.0, False
            i += size
            continue
        i += 1
        if lemma in _CONTRAST:
            close_pending()
            clause, negation, boost = _CONTRAST_WEIGHT, None, 1.0
        elif is_negation(token):
            negation = negation or ("not" if lang == "en" else lemma)
        elif lemma in INTENSIFIERS and lex.weight(lemma, token) == 0:
            boost *= INTENSIFIERS[lemma]
            if negation:
                negated_intensifier, pending = True, lemma
        elif lemma in DIMINISHERS:
            boost *= DIMINISHERS[lemma]
        elif not is_stopword(token, lemma, lang):
            w = lex.weight(lemma, token)
            if w:
                if negated_intensifier:  # "не очень вкусно": mildly negative
                    w, boost = (-0.6 * w if w > 0 else 0.5 * w), 1.0
                elif negation:
                    w *= _NEGATED_POSITIVE if w > 0 else _NEGATED_NEGATIVE
                total += w * boost * clause
                carriers.append(f"{negation}_{lemma}" if negation else lemma)
            negated_intensifier = False
            negation, boost = None, 1.0
    close_pending()
    return total, carriers


def stream_sentiment(items: list[tuple[str, str, str] | None]) -> tuple[Sentiment, float]:
    """The lexicon sentiment and its raw sum, from a lemma stream already at hand."""
    raw, carriers = stream_score(items)
    score = math.tanh(raw / _SCALE)
    return Sentiment(label_for(score), round(score, 4), carriers), raw


def check_model(model: str) -> None:
    if model not in ("lexicon", "full"):
        raise ValueError(f'model must be "lexicon" or "full", not {model!r}')


def sentiment_many(
    texts: Sequence[str],
    languages: Sequence[str | None] | None = None,
    model: Model = DEFAULT_MODEL,
) -> list[Sentiment]:
    """Sentiment of many comments; with ``model="full"`` the encoder runs once per batch."""
    check_model(model)
    languages = languages if languages is not None else [None] * len(texts)
    # Comment sets repeat a lot: the lexicon scores each distinct (text, language) once.
    done: dict[tuple[str, str | None], tuple[Sentiment, float]] = {}
    lex = []
    for t, lang in zip(texts, languages, strict=True):
        got = done.get((t, lang))
        if got is None:
            got = done[(t, lang)] = stream_sentiment(lemma_stream(t, lang))
        else:
            got = (own_copy(got[0]), got[1])
        lex.append(got)
    return finish_sentiments(texts, lex, model)


def own_copy(mood: Sentiment) -> Sentiment:
    """The same sentiment with a carriers list of its own (callers may change their list)."""
    return Sentiment(mood.label, mood.score, list(mood.carriers))


def finish_sentiments(
    texts: Sequence[str], lex: list[tuple[Sentiment, float]], model: Model
) -> list[Sentiment]:
    """The lexicon results as they are, or blended with the classifier on ``texts``."""
    if model == "lexicon":
        return [s for s, _ in lex]
    from cxray.text.classifier import predict_scores

    model_scores = predict_scores(list(texts))
    return [_blend(s, raw, m) for (s, raw), m in zip(lex, model_scores, strict=True)]


# The lexicon is right when it has clear evidence; the classifier fills in where it has
# little or none, damped there, because on customer comments with no polar word it reads
# plain facts ("Записалась на вторник") as polar more often than not. Settings chosen by
# mean macro-F1 over all seven evaluation sets, not one file (benchmarks/sentiment_eval.py).
_STRONG_RAW = 1.0
_STRONG_LEXICON_SHARE = 0.7
_WEAK_LEXICON_SHARE = 0.5
_MODEL_ALONE_DAMPING = 0.6


def _blend(lex: Sentiment, raw: float, model_score: float) -> Sentiment:
    if abs(raw) >= _STRONG_RAW:
        share = _STRONG_LEXICON_SHARE
    elif raw:
        share = _WEAK_LEXICON_SHARE
    else:
        share, model_score = 0.0, _MODEL_ALONE_DAMPING * model_score
    score = share * lex.score + (1 - share) * model_score
    return Sentiment(label_for(score), round(score, 4), lex.carriers)


def sentiment(text: str, language: str | None = None, model: Model = DEFAULT_MODEL) -> Sentiment:
    """Positive/neutral/negative for one comment, its score in [-1, 1] and carrier words.

    ``language`` as from :func:`cxray.text.detect_language` (None: detected).
    """
    return sentiment_many([text], [language], model)[0]
