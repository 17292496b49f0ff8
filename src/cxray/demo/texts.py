"""Assembles free-text answers from the hand-written fragments in ``texts_ru/uk/en``.

A comment is an optional opener, one or two theme sentences and an optional closer; with a
few dozen fragments per language that gives thousands of distinct comments. Some get a
typo or a lower-case start, and some Russian/Ukrainian ones borrow a phrase from the other
language, as people in Ukraine often write.
"""

from __future__ import annotations

import random
from types import ModuleType

from cxray.demo import texts_en, texts_ru, texts_uk
from cxray.demo.names import translit

LANGS: dict[str, ModuleType] = {"ru": texts_ru, "uk": texts_uk, "en": texts_en}

NEG_THEMES = ["wait", "rude", "booking", "price", "results", "dirty", "doctor_bad", "payment"]
POS_THEMES = ["doctor_good", "kind", "fast", "clean", "booking_easy", "results_ok"]
NEU_THEMES = ["usual", "mixed"]


def sentiment_of(theme: str) -> str:
    if theme in NEG_THEMES:
        return "neg"
    return "pos" if theme in POS_THEMES else "neu"


def _typo(r: random.Random, text: str) -> str:
    """One slip of the kind people make on a phone keyboard."""
    kind = r.randrange(5)
    if kind == 0 and len(text) > 12:  # swapped neighbours
        i = r.randrange(3, len(text) - 3)
        if text[i].isalpha() and text[i + 1].isalpha():
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1 and len(text) > 12:  # a dropped letter
        i = r.randrange(3, len(text) - 2)
        if text[i].isalpha():
            return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[0].lower() + text[1:]
    if kind == 3:
        return text.rstrip(".!")
    return text.replace("ё", "е").replace(", ", " ", 1)


def doctor_label(r: random.Random, full_name: str, lang: str) -> str:
    """How a patient refers to a doctor: "Олена Петрівна", "доктор Ковальчук", "Dr Kovalchuk"."""
    surname, given, patronymic = full_name.split(" ")
    if lang == "en":
        return f"Dr {translit(surname).capitalize()}"
    if r.random() < 0.65:
        return f"{given} {patronymic}"
    return ("доктор " if lang == "ru" else "пані ") + surname


def _sentence(r: random.Random, mod: ModuleType, theme: str, doctor: str | None) -> str:
    options = mod.THEMES[theme]
    if doctor is None:
        options = [s for s in options if "{doc}" not in s]
    s = r.choice(options)
    if "{doc}" in s:
        s = s.replace("{doc}", doctor or "")
    return s[0].upper() + s[1:]


def comment(
    r: random.Random,
    lang: str,
    themes: list[str],
    doctor_name: str | None = None,
) -> str:
    """A customer's comment in ``lang`` about ``themes`` (the first one sets the mood).

    ``doctor_name`` (a female doctor's full name) lets praise mention her by name.
    """
    mod = LANGS[lang]
    mood = sentiment_of(themes[0])
    doctor = doctor_label(r, doctor_name, lang) if doctor_name else None
    parts: list[str] = []
    if r.random() < 0.4:
        parts.append(r.choice(mod.OPENERS[mood]))
    parts.append(_sentence(r, mod, themes[0], doctor))
    if len(themes) > 1 or r.random() < 0.3:
        parts.append(_sentence(r, mod, themes[-1] if len(themes) > 1 else themes[0], doctor))
        if parts[-1] == parts[-2]:
            parts.pop()
    if r.random() < 0.4:
        closer_mod = mod
        if lang != "en" and r.random() < 0.15:  # mixed Russian/Ukrainian
            closer_mod = texts_uk if lang == "ru" else texts_ru
        parts.append(r.choice(closer_mod.CLOSERS[mood]))
    text = " ".join(p for p in parts if p)
    if r.random() < 0.12:
        text = _typo(r, text)
    return text


def follow_up(r: random.Random, lang: str, theme: str) -> str:
    """An answer to "what must change for you to give us the top score?"."""
    options = LANGS[lang].FOLLOW_UP
    return r.choice(options.get(theme, options["general"]))


def staff_comment(r: random.Random, lang: str, themes: list[str]) -> str:
    """An employee's eNPS comment."""
    mod = LANGS[lang]
    text = " ".join(r.choice(mod.STAFF[t]) for t in dict.fromkeys(themes))
    return _typo(r, text) if r.random() < 0.1 else text


def staff_follow_up(r: random.Random, lang: str) -> str:
    return r.choice(LANGS[lang].STAFF_FOLLOW_UP)
