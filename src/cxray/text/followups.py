"""Follow-up answers grouped: taxonomy themes first, then discovered themes, then the rest.

The answers to "what must change for you to give us the top score?" (seed 001) are short and
repeat a lot. :func:`group_follow_ups` puts each answer in every taxonomy theme its rules find
(:mod:`cxray.text.taxonomy`), clusters the answers no rule caught
(:func:`cxray.text.discover.discover_themes`) and leaves what is still left in "other".
Quotes stay in the language they were written in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cxray.text.taxonomy import Taxonomy, ThemeHit, load_taxonomy, taxonomy_themes

__all__ = ["Group", "group_follow_ups"]


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
    seen: dict[tuple[str, str], list[ThemeHit]] = {}  # short answers repeat a lot
    for i, row in enumerate(rows):
        text = row["text"]
        lang = row.get("language") if isinstance(row.get("language"), str) else None
        lang = lang or detect_language(text)
        found = seen.get((text, lang))
        if found is None:
            found = taxonomy_themes(text, lang, lemmatize(text, lang), taxonomy=tax)
            seen[(text, lang)] = found
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
