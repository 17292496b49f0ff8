"""Tokens and lemmas for ru/uk/en comments, with stop words removed and negation attached.

Speed trick: pymorphy3 is fast at loading (<0.2 s for both dictionaries) but ~20k parses/s;
customer comments repeat the same few thousand word forms, so a per-(word, language) LRU
cache in front of ``parse()`` makes lemmatisation several times faster on real volumes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from cxray.text.stopwords import NEGATIONS, STOPWORDS

if TYPE_CHECKING:
    import pymorphy3

# A word: letters, optionally joined by hyphens or apostrophes (п'ять, мʼякий, кол-центр,
# don't). Digits and punctuation are not lemmas.
# Latin (with accents) and Cyrillic letters only: other scripts are no language we analyse,
# and pymorphy3 can fail on characters without a Unicode name.
_LETTERS = "[a-zà-öø-ÿ\u0400-\u04ff]"
_WORD = _LETTERS + r"+(?:[-'’ʼ`]" + _LETTERS + "+)*"
_TOKEN_RE = re.compile(_WORD)
# Clause punctuation ends the reach of a negation: "Нет, всё понравилось" is not negative.
_TOKEN_OR_BREAK_RE = re.compile(_WORD + r"|[.,!?;:()\n]")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})
_APOSTROPHE_RE = re.compile("[’ʼ`]")
_LATIN_RE = re.compile(r"[a-z]")
_HOMOGLYPHS = str.maketrans("aceiopxy", "асеіорху")
# A word with both Cyrillic and Latin letters.
_MIXED_SCRIPT_RE = re.compile(r"\b(?=\w*[а-яёіїєґ])(?=\w*[a-z])[\w']+")
_UK_ONLY = frozenset("іїєґ'")
_RU_ONLY = frozenset("ыэъё")

_ALL_NEGATIONS = NEGATIONS["ru"] | NEGATIONS["uk"] | NEGATIONS["en"]

# English has no analyser in the stack; a handful of irregular forms plus plural stripping is
# enough for stop-word removal and lexicon look-ups (the lexicon also lists common inflections).
_EN_IRREGULAR = {
    "was": "be", "were": "be", "is": "be", "are": "be", "been": "be", "am": "be",
    "did": "do", "does": "do", "done": "do", "had": "have", "has": "have",
    "went": "go", "gone": "go", "came": "come", "got": "get", "made": "make",
    "took": "take", "felt": "feel", "left": "leave", "paid": "pay", "told": "tell",
    "said": "say", "kept": "keep", "waited": "wait", "waiting": "wait", "helped": "help",
    "children": "child", "people": "people", "better": "better", "best": "best",
}  # fmt: skip
# Chat words pymorphy3 mis-reads ("ок" -> "около").
_OVERRIDES = {"ок": "ок", "окей": "окей", "норм": "норм", "спс": "спасибо"}
_EN_NEGATED_AUX = re.compile(r"^(?:do|does|did|is|are|was|were|have|has|had|could|would|"
                             r"should|ca|wo|must|need)n't$|^can't$|^won't$|^ain't$")  # fmt: skip
_EN_CONTRACTION = re.compile(r"'(?:s|re|ve|ll|d|m)$")


@lru_cache(maxsize=2)
def morph(language: str) -> pymorphy3.MorphAnalyzer:
    """The pymorphy3 analyser for "ru" or "uk", created once per process."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=language)


def normalize(text: str) -> str:
    """Lower-cased text with apostrophe variants unified and Latin look-alikes fixed.

    Ukrainians often type a Latin "i" for "і" (and phones mix other look-alikes) inside a
    Cyrillic word; such a word would otherwise read as English.
    """
    text = text.lower()
    # Both checks first: translate() looks up every character in a dict, and the mixed-script
    # regex tries two lookaheads at every word; most comments need neither.
    if _APOSTROPHE_RE.search(text):
        text = text.translate(_APOSTROPHES)
    if _LATIN_RE.search(text) and _MIXED_SCRIPT_RE.search(text):
        text = _MIXED_SCRIPT_RE.sub(lambda m: m.group(0).translate(_HOMOGLYPHS), text)
    return text


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (see :func:`normalize`)."""
    return _TOKEN_RE.findall(normalize(text))


def token_language(token: str, default: str) -> str:
    """The language a single lower-cased token belongs to, by script and letters.

    ``default`` ("ru" or "uk") decides a Cyrillic token that carries no letter evidence.
    """
    if _LATIN_RE.match(token):
        return "en"
    letters = set(token)
    if letters & _UK_ONLY:
        return "uk"
    if letters & _RU_ONLY:
        return "ru"
    return default


@lru_cache(maxsize=1 << 18)
def normal_form(token: str, language: str) -> str:
    """The dictionary form of one lower-cased token (cached per word and language)."""
    if language == "en":
        if token in _EN_IRREGULAR:
            return _EN_IRREGULAR[token]
        token = _EN_CONTRACTION.sub("", token)
        if len(token) > 4 and token.endswith("ies"):
            return token[:-3] + "y"
        if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
            return token[:-1]
        return token
    return _OVERRIDES.get(token) or morph(language).parse(token)[0].normal_form


@lru_cache(maxsize=1 << 16)
def _cyrillic_guess(token: str) -> str:
    # A Cyrillic token without telling letters: the dictionary that knows it wins; Russian
    # when both (or neither) do, because Russian is the larger share of mixed comments.
    in_uk = morph("uk").word_is_known(token)
    if in_uk and not morph("ru").word_is_known(token):
        return "uk"
    return "ru"


def is_negation(token: str) -> bool:
    """Whether a lower-cased token negates the next content word (не, без, not, don't ...)."""
    # Every negated auxiliary has an apostrophe: most tokens skip the regex.
    return token in _ALL_NEGATIONS or ("'" in token and bool(_EN_NEGATED_AUX.match(token)))


def lemma_stream(text: str, language: str | None = None) -> list[tuple[str, str, str] | None]:
    """Every token of ``text`` as (token, lemma, language); None marks clause punctuation.

    Nothing is removed: the sentiment scorer needs stop words for phrases ("так себе") and
    the punctuation to end a negation's reach. ``language`` as in :func:`lemmatize`.
    """
    if language is None:
        from cxray.text.language import detect_language

        language = detect_language(text)
    default = language if language in ("ru", "uk") else ""
    return [_stream_item(token, default) for token in _TOKEN_OR_BREAK_RE.findall(normalize(text))]


@lru_cache(maxsize=1 << 18)
def _stream_item(token: str, default: str) -> tuple[str, str, str] | None:
    # Comments repeat the same few thousand word forms: one cache look-up per token instead of
    # three (language, guess, lemma); the tuple is immutable, so sharing it is safe.
    if not token[0].isalpha():
        return None
    lang = token_language(token, default) or _cyrillic_guess(token)
    return token, normal_form(token, lang), lang


def is_stopword(token: str, lemma: str, language: str) -> bool:
    stop = STOPWORDS[language]
    return lemma in stop or token in stop


def lemmatize(text: str, language: str | None = None) -> list[str]:
    """Content lemmas of ``text``: stop words removed, negation attached to the next word.

    ``language`` is "ru", "uk", "en", "mixed" or "unknown" (None: detected). Each token is
    analysed in its own language, so a Russian word inside a Ukrainian comment still gets its
    Russian lemma. "не понравилось" -> ["не_понравиться"], "not good" -> ["not_good"].
    Clause punctuation ends a negation's reach: "Нет, всё понравилось" -> ["понравиться"].
    """
    return lemmas_of_stream(lemma_stream(text, language))


def lemmas_of_stream(stream: list[tuple[str, str, str] | None]) -> list[str]:
    """:func:`lemmatize` on a :func:`lemma_stream` the caller already has."""
    out: list[str] = []
    negation: str | None = None
    for item in stream:
        if item is None:
            negation = None
            continue
        token, lemma, lang = item
        if is_negation(token):
            # "don't", "wasn't" -> "not"; a second negation before a content word keeps the
            # first ("не, не понравилось" is still one negation).
            negation = negation or ("not" if lang == "en" and "'" in token else lemma)
            continue
        if is_stopword(token, lemma, lang):
            continue
        if negation is not None:
            lemma = f"{negation}_{lemma}"
            negation = None
        out.append(lemma)
    return out
