"""analyze() against a plain per-comment reference on ~1,000 real-looking comments.

analyze() takes shortcuts for speed (each distinct text once, one token stream shared by
sentiment and lemmas, a cache per token, a phrase-head filter in the lexicon scorer). The
reference below does every comment on its own, the long way, from the public building
blocks; every field of every result must come out the same.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from cxray.text import analyze, detect_language, mask_pii
from cxray.text import lemmas as lm
from cxray.text.coding import code_text
from cxray.text.lexicon import lexicon
from cxray.text.sentiment import _SCALE, Sentiment, _phrase_at, label_for, stream_score
from cxray.text.taxonomy import taxonomy_themes

UK_TEST = Path(__file__).parent / "data" / "uk_comments_test.csv"
EDGE = [
    "",
    "   ",
    "Не понравилось",
    "Дякую, все чудово",
    "Спасибо, всё отлично",
    "не очень.",
    "Нет, всё понравилось",
    "Дорого, но качественно",
    "ПЛОХО!!! звонил 5 раз, +7 999 123-45-67, a@b.ru",
    "Лiкар уважний",  # a Latin "i" inside a Cyrillic word
    "don't like the new app, but staff were great",
    "Σίσυφος İstanbul",
    "ок спс",
]


def _reference_stream(text: str, language: str) -> list[tuple[str, str, str] | None]:
    # lemma_stream as it was before the per-token cache: three look-ups per token.
    default = language if language in ("ru", "uk") else ""
    out: list[tuple[str, str, str] | None] = []
    for token in lm._TOKEN_OR_BREAK_RE.findall(lm.normalize(text)):
        if not token[0].isalpha():
            out.append(None)
            continue
        lang = lm.token_language(token, default) or lm._cyrillic_guess(token)
        out.append((token, lm.normal_form(token, lang), lang))
    return out


def _reference(text: str) -> tuple[str, list[str], Sentiment, list, list, str]:
    lang = detect_language(text)
    stream = _reference_stream(text, lang)
    assert stream == lm.lemma_stream(text, lang)
    lemmas = lm.lemmatize(text, lang)
    raw, carriers = stream_score(_reference_stream(text, lang))
    score = math.tanh(raw / _SCALE)
    mood = Sentiment(label_for(score), round(score, 4), carriers)
    themes = taxonomy_themes(text, lang, lemmas)
    codes = code_text(text, lang, lemmas)  # computes the themes itself
    return lang, lemmas, mood, themes, codes, mask_pii(text)


@pytest.fixture(scope="module")
def sample() -> list[str]:
    from cxray.demo import generate

    demo = generate(seed=7, n_patients=1500).responses.column("comment").to_pylist()
    distinct = list(dict.fromkeys(c for c in demo if c))  # 696 distinct comments
    uk = pd.read_csv(UK_TEST)["text"].tolist()
    texts = distinct + uk + EDGE
    # Repeats, as real comment sets have them ("Всё отлично" a thousand times).
    return texts + texts[:200]


def test_analyze_equals_the_per_comment_reference(sample: list[str]) -> None:
    results = analyze(sample)
    assert len(results) == len(sample) > 1_000
    for text, got in zip(sample, results, strict=True):
        lang, lemmas, mood, themes, codes, masked = _reference(text)
        assert (got.text, got.language, got.lemmas) == (text, lang, lemmas), text
        assert got.sentiment == mood, text
        assert (got.themes, got.codes, got.masked) == (themes, codes, masked), text


def test_repeated_comments_own_their_lists() -> None:
    first, again = analyze(["Спасибо, всё отлично", "Спасибо, всё отлично"])
    assert first == again
    assert first.sentiment.carriers == ["спасибо", "отлично"]
    # спасибо 2.0 + отлично 2.0 = 4.0; tanh(4.0 / 2) = 0.96403
    assert (first.sentiment.label, first.sentiment.score) == ("positive", 0.964)
    assert first.sentiment.carriers is not again.sentiment.carriers
    assert first.lemmas is not again.lemmas and first.themes is not again.themes


def test_phrase_heads_find_every_phrase() -> None:
    # The head filter must never hide a phrase: each one is found at its own start.
    for language in ("ru", "uk", "en"):
        lex = lexicon(language)
        assert lex.phrases, language
        for key, weight in lex.phrases.items():
            if len(key) >= 2:
                assert _phrase_at(lex, [*key, None], 0) == (len(key), weight), key


def test_full_model_matches_per_comment_blend() -> None:
    texts = ["Спасибо, всё отлично", "Записалась на вторник", "Спасибо, всё отлично", "Грубо"]
    full = analyze(texts, model="full", themes=False)
    alone = [analyze([t], model="full", themes=False)[0] for t in texts]
    assert [r.sentiment for r in full] == [r.sentiment for r in alone]
    assert full[0].sentiment.carriers is not full[2].sentiment.carriers
