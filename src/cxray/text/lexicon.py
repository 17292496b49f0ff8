"""The shipped polarity lexicons, normalised to the lemmatiser's forms on first use.

Entries are written as people write them; each is run through the same ``normal_form`` the
comments go through, so a lexicon entry always meets its comment (pymorphy3 sometimes
lemmatises an adverb to its adjective, or a Ukrainian adverb to an odd noun).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from cxray.text.lemmas import normal_form, tokenize


@dataclass(frozen=True, slots=True)
class Lexicon:
    words: dict[str, float]
    # lemma tuple -> weight; longest first when matching
    phrases: dict[tuple[str, ...], float] = field(default_factory=dict)
    longest_phrase: int = 0
    # a prefix that negates an unlisted word: "не" + "приветливый", "un" + "helpful"
    negative_prefixes: tuple[str, ...] = ()
    # the first lemma of every phrase: a token that is none of them starts no phrase
    phrase_heads: frozenset[str] = frozenset()

    def weight(self, lemma: str, token: str) -> float:
        """Polarity of one word; 0.0 when neutral or unknown."""
        # The surface form first: "лучший" is listed at 2.0 but lemmatises to "хороший" (1.0).
        w = self.words.get(token) or self.words.get(lemma)
        if w:
            return w
        for prefix in self.negative_prefixes:
            if lemma.startswith(prefix) and len(lemma) > len(prefix) + 3:
                base = self.words.get(lemma[len(prefix) :])
                if base:
                    return -base if base > 0 else -0.5 * base
        return 0.0


def _lemmas(text: str, language: str) -> tuple[str, ...]:
    return tuple(normal_form(t, language) for t in tokenize(text))


@lru_cache(maxsize=3)
def lexicon(language: str) -> Lexicon:
    """The lexicon for "ru", "uk" or "en" (built once per process, a few milliseconds)."""
    from importlib import import_module

    module = import_module(f"cxray.text.sentiment_lexicon_{language}")
    words: dict[str, float] = {}
    phrases: dict[tuple[str, ...], float] = {}
    entries = [(e, w) for w, block in module.WEIGHTS.items() for e in block.split()]
    for entry, weight in entries:
        if ("-" in entry and language != "en") or entry.count("-") > 1:
            # "огромное-спасибо" is a phrase written as one entry
            phrases[_lemmas(entry.replace("-", " "), language)] = weight
        else:
            words.setdefault(entry, weight)
    # Normalised forms second, so that they never override a word listed as itself.
    for entry, weight in entries:
        if "-" not in entry or language == "en":
            words.setdefault(normal_form(entry, language), weight)
    for text, weight in module.PHRASES.items():
        key = _lemmas(text, language)
        if len(key) == 1:
            words[key[0]] = weight
        else:
            phrases[key] = weight
    prefixes = {"ru": ("не",), "uk": ("не",), "en": ("un", "in")}[language]
    longest = max((len(k) for k in phrases), default=0)
    heads = frozenset(k[0] for k in phrases if k)
    return Lexicon(words, phrases, longest, prefixes, heads)
