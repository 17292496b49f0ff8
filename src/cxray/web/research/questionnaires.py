"""The self-test questionnaires shipped as data (``questionnaires/*.json``), in ru/uk/en.

A questionnaire file: ``id``, ``version``, ``title`` and ``about`` per language, and
``sections``, each with an ``id``, a ``title`` per language and ``items`` (``id`` and
``text`` per language). Item ids are unique across the file: answers are stored by item id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cxray.errors import NotFoundError

DIR = Path(__file__).parent / "questionnaires"
LANGUAGES = ("en", "ru", "uk")


@dataclass(frozen=True)
class Item:
    id: str
    text: dict[str, str]

    def label(self, language: str) -> str:
        return self.text.get(language) or self.text["en"]


@dataclass(frozen=True)
class Section:
    id: str
    title: dict[str, str]
    items: tuple[Item, ...]

    def label(self, language: str) -> str:
        return self.title.get(language) or self.title["en"]


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: int
    title: dict[str, str]
    about: dict[str, str]
    sections: tuple[Section, ...]

    def label(self, language: str) -> str:
        return self.title.get(language) or self.title["en"]

    def intro(self, language: str) -> str:
        return self.about.get(language) or self.about.get("en", "")

    @property
    def structure(self) -> list[tuple[str, list[str]]]:
        """``[(section id, [item ids])]``, what :mod:`cxray.analytics.assessment` scores."""
        return [(s.id, [i.id for i in s.items]) for s in self.sections]

    def item(self, item_id: str) -> tuple[Section, Item]:
        for s in self.sections:
            for i in s.items:
                if i.id == item_id:
                    return s, i
        raise KeyError(item_id)

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)


@cache
def questionnaire_all() -> dict[str, Questionnaire]:
    out = {}
    for path in sorted(DIR.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        q = Questionnaire(
            id=raw["id"],
            version=int(raw["version"]),
            title=raw["title"],
            about=raw.get("about", {}),
            sections=tuple(
                Section(
                    s["id"],
                    s["title"],
                    tuple(Item(i["id"], i["text"]) for i in s["items"]),
                )
                for s in raw["sections"]
            ),
        )
        out[q.id] = q
    # The customer-orientation test first: it is the one seed 000 asks every company to take.
    return dict(sorted(out.items(), key=lambda kv: kv[0] != "customer_orientation"))


def questionnaire_get(code: str) -> Questionnaire:
    found = questionnaire_all().get(code)
    if found is None:
        raise NotFoundError(f"no questionnaire {code!r}; known: {', '.join(questionnaire_all())}")
    return found
