"""The CX taxonomy: editable per-language rules that tag a comment with themes.

The rules are data, not code, so a CX team can copy the shipped folder
(``taxonomy_rules/themes/``), add their own words and load it with
``load_taxonomy(path)``. A rule folder holds ``themes.json`` (theme ids, display names in
ru/uk/en, any extra fields such as ``scheme``) and one ``<language>.json`` per language::

    {"waiting_time": {
        "lemmas":  ["очередь", "ждать"],          # exact lemmas from cxray.text.lemmas
        "phrases": ["в очеред*", "на линии"],     # words; "*" = any ending; "..." = 0-3 words
        "stems":   ["очеред", "ожидани"],         # regex fragment at a word start, any ending
        "regex":   ["\\\\d+ ?мин"],                 # any regex on the lower-cased text
        "negative": ["долго хож*"],              # phrase syntax; vetoes overlapping matches
        "negative_regex": []}}                    # the same, as regexes

A single ``.json`` file with ``{"themes": {id: {"names": {...}, "rules": {lang: {...}}}}}``
works too. Matching runs on the original text lower-cased (``ё`` read as ``е``, apostrophes
unified), so stems and phrases still fire when the lemmatiser misses a word or the customer
makes a typo in the ending; lemmas catch irregular forms a stem cannot (жду/ждал → ждать).
The evidence of a hit is the matched span of the original text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cxray.errors import InvalidInputError

RULES_DIR = Path(__file__).with_name("taxonomy_rules")
DEFAULT_THEMES_DIR = RULES_DIR / "themes"

# How much one match of each kind says about a theme; several matches combine as
# 1 - prod(1 - w). A phrase is the most specific, a bare stem the least.
KIND_WEIGHT = {"phrase": 0.85, "regex": 0.8, "lemma": 0.75, "stem": 0.7}
# Russian and Ukrainian speakers borrow each other's words in one comment, so the sibling
# language's rules also run, trusted a little less.
SIBLINGS = {"ru": ("uk",), "uk": ("ru",)}
SIBLING_FACTOR = 0.8
NEGATION_PREFIXES = ("не_", "ні_", "нет_", "без_", "нету_", "немає_", "нема_", "not_", "no_")

_TRANSLATE = str.maketrans({"ё": "е", "’": "'", "ʼ": "'", "`": "'", "´": "'", "‐": "-", "‑": "-"})
_TOKEN_RE = re.compile(r"\w+(?:'\w+)*")


@dataclass(frozen=True)
class ThemeHit:
    """One theme found in a text: its id, the matched span and a confidence in [0, 1]."""

    theme: str
    evidence: str
    confidence: float


@dataclass(frozen=True)
class LanguageRules:
    lemmas: frozenset[str]
    patterns: tuple[tuple[str, re.Pattern[str]], ...]  # (kind, compiled alternation)
    negative: re.Pattern[str] | None


@dataclass(frozen=True)
class Theme:
    id: str
    names: dict[str, str]
    rules: dict[str, LanguageRules]
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Taxonomy:
    """A compiled rule set; ``source`` says where it was loaded from."""

    themes: tuple[Theme, ...]
    source: str

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    @property
    def languages(self) -> list[str]:
        return sorted({lang for t in self.themes for lang in t.rules})

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)

    def name(self, theme_id: str, language: str = "en") -> str:
        """The display name of a theme in ``language`` (English, then the id, if missing)."""
        names = self.theme(theme_id).names
        return names.get(language) or names.get("en") or theme_id


def normalize(text: str) -> str:
    """Lower-cased text of the same length, so a match's offsets index the original."""
    low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return low.translate(_TRANSLATE)


def _word(token: str) -> str:
    # A hyphen in a rule also matches a space or nothing: колл-центр, колл центр, коллцентр.
    star = token.endswith("*")
    parts = [re.escape(p) for p in token.rstrip("*").split("-")]
    return "[-\\s]?".join(parts) + (r"\w*" if star else "")


def phrase_regex(phrase: str) -> str:
    """The regex for one rule phrase ("лич* кабинет*", "не ... дозвон*")."""
    out, gap = "", False
    for token in normalize(phrase).split():
        if token == "...":
            gap = True
            continue
        if out:
            out += r"\W+(?:\w+\W+){0,3}" if gap else r"\W+"
        out += _word(token)
        gap = False
    return r"(?<!\w)" + out + r"(?!\w)"


def _alternation(parts: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


def _compile_language(spec: dict[str, Any], where: str) -> LanguageRules:
    unknown = set(spec) - {"lemmas", "phrases", "stems", "regex", "negative", "negative_regex"}
    if unknown:
        raise InvalidInputError(
            f"{where}: unknown rule keys {sorted(unknown)}; use lemmas, "
            "phrases, stems, regex, negative, negative_regex"
        )
    # Regex text is only translated (ё -> е), never lower-cased: that would turn \W into \w.
    stems = [
        r"(?<!\w)(?:" + s.translate(_TRANSLATE).replace("-", "[-\\s]?") + r")\w*"
        for s in spec.get("stems", [])
    ]
    kinds = {
        "phrase": [phrase_regex(p) for p in spec.get("phrases", [])],
        "stem": stems,
        "regex": [r.translate(_TRANSLATE) for r in spec.get("regex", [])],
    }
    negative = [phrase_regex(p) for p in spec.get("negative", [])]
    negative += [r.translate(_TRANSLATE) for r in spec.get("negative_regex", [])]
    try:
        patterns = tuple((k, p) for k, v in kinds.items() if (p := _alternation(v)) is not None)
        neg = _alternation(negative)
    except re.error as exc:
        raise InvalidInputError(
            f"{where}: a rule is not a valid pattern ({exc}); "
            "escape regex characters or use the phrase syntax"
        ) from exc
    lemmas = frozenset(normalize(x) for x in spec.get("lemmas", []))
    return LanguageRules(lemmas=lemmas, patterns=patterns, negative=neg)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"{path}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})"
        ) from exc


def _raw_from_dir(path: Path) -> dict[str, dict[str, Any]]:
    index = path / "themes.json"
    if not index.is_file():
        raise InvalidInputError(
            f"{path}: a taxonomy folder needs themes.json (theme ids and "
            "names) and one <language>.json of rules per language"
        )
    themes = read_json(index)["themes"]
    for theme in themes.values():
        theme.setdefault("rules", {})
    for lang_file in sorted(path.glob("*.json")):
        if lang_file.name == "themes.json":
            continue
        for theme_id, spec in read_json(lang_file).items():
            if theme_id.startswith("_"):  # "_about" and other notes for the editor
                continue
            if theme_id not in themes:
                raise InvalidInputError(
                    f"{lang_file}: theme {theme_id!r} is not declared in "
                    f"themes.json; add it there first"
                )
            themes[theme_id]["rules"][lang_file.stem] = spec
    return themes


def load_taxonomy(path_or_none: str | Path | None = None) -> Taxonomy:
    """The shipped default taxonomy, or a user-edited copy (a folder or a single JSON file)."""
    if path_or_none is None:
        return _default_taxonomy()
    path = Path(path_or_none)
    if path.is_dir():
        raw = _raw_from_dir(path)
    elif path.is_file():
        raw = read_json(path).get("themes", {})
    else:
        raise InvalidInputError(
            f"{path}: no such taxonomy file or folder; copy "
            f"{DEFAULT_THEMES_DIR} and point to the copy"
        )
    return compile_taxonomy(raw, source=str(path))


def compile_taxonomy(raw: dict[str, dict[str, Any]], source: str = "<dict>") -> Taxonomy:
    """A Taxonomy from the plain structure ``{id: {"names": ..., "rules": {lang: ...}}}``."""
    themes = []
    for theme_id, spec in raw.items():
        rules = {
            lang: _compile_language(r, f"{source}: {theme_id}/{lang}")
            for lang, r in spec.get("rules", {}).items()
        }
        meta = {k: v for k, v in spec.items() if k not in ("names", "rules")}
        themes.append(Theme(theme_id, dict(spec.get("names", {})), rules, meta))
    if not themes:
        raise InvalidInputError(f"{source}: the taxonomy declares no themes")
    return Taxonomy(tuple(themes), source)


@lru_cache(maxsize=1)
def _default_taxonomy() -> Taxonomy:
    return load_taxonomy(DEFAULT_THEMES_DIR)


def _strip_negation(lemma: str) -> str:
    for prefix in NEGATION_PREFIXES:
        if lemma.startswith(prefix):
            return lemma[len(prefix) :]
    return lemma


def _lemma_span(lemma: str, norm: str, tokens: list[re.Match[str]]) -> tuple[int, int] | None:
    """Where a lemma sits in the text: the token sharing the longest prefix with it."""
    best, best_len = None, 0
    for tok in tokens:
        word = tok.group(0)
        n = 0
        for a, b in zip(word, lemma, strict=False):
            if a != b:
                break
            n += 1
        if n > best_len and (n >= 3 or n == len(word)):
            best, best_len = tok, n
    return (best.start(), best.end()) if best else None


def _overlaps(span: tuple[int, int], vetoes: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in vetoes)


def _rule_languages(taxonomy: Taxonomy, language: str) -> list[tuple[str, float]]:
    known = taxonomy.languages
    if language in known:
        return [(language, 1.0)] + [
            (s, SIBLING_FACTOR) for s in SIBLINGS.get(language, ()) if s in known
        ]
    # "mixed", "unknown" or a language without rules: every rule set, trusted a little less.
    return [(lang, SIBLING_FACTOR) for lang in known]


def match_rules(
    taxonomy: Taxonomy, text: str, language: str, lemmas: list[str]
) -> list[tuple[Theme, str, float]]:
    """(theme, evidence, confidence) for every theme whose rules fire, best first."""
    norm = normalize(text)
    tokens: list[re.Match[str]] | None = None
    bare = {normalize(_strip_negation(x)) for x in lemmas}
    rule_langs = _rule_languages(taxonomy, language)
    out = []
    for theme in taxonomy.themes:
        found: list[tuple[float, int, int]] = []  # (weight, start, end)
        applied = [(theme.rules[lang], f) for lang, f in rule_langs if lang in theme.rules]
        # Every applied language's negatives veto: a borrowed Ukrainian stem must not slip past
        # a Russian exception written for the same words.
        vetoes = [m.span() for r, _ in applied if r.negative for m in r.negative.finditer(norm)]
        for rules, factor in applied:
            for kind, pattern in rules.patterns:
                for m in pattern.finditer(norm):
                    if m.end() > m.start() and not _overlaps(m.span(), vetoes):
                        found.append((KIND_WEIGHT[kind] * factor, m.start(), m.end()))
            if factor == 1.0:  # the lemmas come from this language's lemmatiser
                for lemma in sorted(bare & rules.lemmas):
                    tokens = tokens if tokens is not None else list(_TOKEN_RE.finditer(norm))
                    span = _lemma_span(lemma, norm, tokens)
                    if span is not None and not _overlaps(span, vetoes):
                        found.append((KIND_WEIGHT["lemma"], *span))
        if found:
            out.append((theme, *_combine(text, found)))
    out.sort(key=lambda x: -x[2])
    return out


def _combine(text: str, found: list[tuple[float, int, int]]) -> tuple[str, float]:
    # Overlapping matches are one piece of evidence (a stem and a lemma on the same word);
    # only distinct places in the text add confidence.
    found.sort(key=lambda f: (-f[0], -(f[2] - f[1]), f[1]))
    kept: list[tuple[float, int, int]] = []
    for f in found:
        if not _overlaps((f[1], f[2]), [(s, e) for _, s, e in kept]):
            kept.append(f)
    miss = 1.0
    for w, _, _ in kept:
        miss *= 1.0 - w
    best = kept[0]
    return text[best[1] : best[2]], round(min(0.99, 1.0 - miss), 3)


def taxonomy_themes(
    text: str, language: str, lemmas: list[str], *, taxonomy: Taxonomy | None = None
) -> list[ThemeHit]:
    """The taxonomy themes of one comment, most confident first.

    ``language`` is "ru", "uk", "en" ("mixed"/"unknown" run every rule set); ``lemmas`` are
    from :func:`cxray.text.lemmas.lemmatize` (negated lemmas count: "не_ждать" is still about
    waiting). An empty lemma list still works from stems and phrases.
    """
    tax = taxonomy or _default_taxonomy()
    return [ThemeHit(t.id, ev, c) for t, ev, c in match_rules(tax, text, language, lemmas)]
