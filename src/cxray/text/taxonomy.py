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
from functools import cached_property, lru_cache
from pathlib import Path

# The regex parser of the standard library (private, but the same from 3.11 to 3.13): the
# matcher reads the literal each rule starts with from the parsed rule.
from re import _parser as _sre_parse  # type: ignore[attr-defined]
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
_TRANSLATED = re.compile("[" + re.escape("".join(map(chr, _TRANSLATE))) + "]")


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
    # The regex of every rule, per kind ("phrase", "stem", "regex", "negative"), in the order
    # of the alternations above. The matcher uses them to run only the rules that can fire on
    # a text; without them (rules built by hand) it runs the whole alternation.
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)


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

    @cached_property
    def _matcher(self) -> _Matcher:
        # Built on first use and kept on the object: a frozen dataclass still has a __dict__.
        return _Matcher(self)

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
    # str.lower() lowers char by char except for a capital sigma (final form at a word end);
    # when no char grew (İ -> i̇), it equals the char-by-char form below, only faster.
    low = text.lower()
    if len(low) != len(text) or "Σ" in text:
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return low.translate(_TRANSLATE) if _TRANSLATED.search(low) else low


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
    sources = {k: tuple(v) for k, v in kinds.items() if v}
    if negative:
        sources["negative"] = tuple(negative)
    return LanguageRules(lemmas=lemmas, patterns=patterns, negative=neg, sources=sources)


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


@lru_cache(maxsize=65536)
def _bare_lemma(lemma: str) -> str:
    return normalize(_strip_negation(lemma))


def _lemma_span(lemma: str, tokens: list[tuple[str, int, int]]) -> tuple[int, int] | None:
    """Where a lemma sits in the text: the token (word, start, end) sharing the longest
    prefix with it."""
    best, best_len = None, 0
    first = lemma[:1]
    for word, start, end in tokens:
        if not first or not word.startswith(first):  # shares nothing: never the best
            continue
        n, most = 1, min(len(word), len(lemma))
        while n < most and word[n] == lemma[n]:
            n += 1
        if n > best_len and (n >= 3 or n == len(word)):
            best, best_len = (start, end), n
    return best


def _overlaps(span: tuple[int, int], vetoes: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in vetoes)


# ---------- the matcher: each text runs only the rules it can fire ----------
#
# A language's rules are ~900 regexes; run as alternations over every text they cost ~8 ms a
# comment. Nearly all of them start with a literal at a word start ("очеред", "колл", "по"),
# so the matcher indexes each rule by the word characters of that literal and by the longest
# literal it must contain. A text then looks up the starts of its own words and runs only
# the rules found there, in their original order. Dropping an alternative that cannot match
# anywhere in the text leaves ``finditer``'s leftmost-first, non-overlapping matches
# unchanged, so the result is exactly that of the whole alternation. The rules left run one
# by one, walked the way the alternation walks (:func:`_alternation_spans`). A rule the index
# cannot read (no leading literal, flags, a slot with capturing groups that other rules could
# refer to) always runs.

_KINDS = ("phrase", "stem", "regex")
_NEGATIVE = "negative"
_NOT_AFTER_WORD = list(next(iter(_sre_parse.parse(r"(?<!\w)")))[1][1])  # [(IN, [\w])]
_NON_WORD = list(_sre_parse.parse(r"\W"))  # [(IN, [\W])]
_IS_WORD = re.compile(r"\w")
_WHOLE = -1  # a candidate rule that stands for its slot's whole alternation
_RuleIndex = tuple[str, frozenset[str], str, frozenset[str]]  # see _index_rule
_SlotInfo = tuple[re.Pattern[str], int, int, list[_RuleIndex | None] | None]
_Slot = tuple[int, float, re.Pattern[str], int]  # see _Plan
_WORD_RE = re.compile(r"\w+")
_MAX_WORDS = 100_000  # per plan; past it the word cache starts again


def _leading_literals(items: list[Any], acc: str = "") -> set[str]:
    """Literals one of which starts every match of the parsed sequence; empty: none known."""
    for op, av in items:
        if op == _sre_parse.LITERAL:
            acc += chr(av)
            continue
        if op == _sre_parse.BRANCH:  # (?:довго|довше): each branch its own literal
            out: set[str] = set()
            for branch in av[1]:
                sub = _leading_literals(list(branch), acc)
                if not sub:
                    return {acc} if acc else set()
                out |= sub
            return out
        break
    return {acc} if acc else set()


def _longest_literal(items: list[Any]) -> str:
    """The longest run of literal characters at the top level: every match contains it."""
    best, run = "", ""
    for op, av in items:
        if op == _sre_parse.LITERAL:
            run += chr(av)
            best = max(best, run, key=len)
        else:
            run = ""
    return best


def _required(items: list[Any]) -> frozenset[str]:
    """Literals one of which every match contains ("мин" or "час" or ...); empty: unknown.
    Of the candidates, the set whose shortest literal is longest."""
    best: frozenset[str] = frozenset()

    def consider(found: frozenset[str]) -> None:
        nonlocal best
        if found and (not best or min(map(len, found)) > min(map(len, best))):
            best = found

    run = ""
    for op, av in items:
        if op == _sre_parse.LITERAL:
            run += chr(av)
            continue
        consider(frozenset({run}) if run else frozenset())
        run = ""
        if op == _sre_parse.BRANCH:
            branches = [_required(list(b)) for b in av[1]]
            if all(branches):
                consider(frozenset().union(*branches))
        elif op == _sre_parse.IN and all(o == _sre_parse.LITERAL for o, _ in av):
            consider(frozenset(chr(c) for _, c in av))  # "£|\$|€" is parsed as a set
        elif op in (_sre_parse.MAX_REPEAT, _sre_parse.MIN_REPEAT) and av[0] >= 1:
            consider(_required(list(av[2])))
        elif op == _sre_parse.SUBPATTERN and not av[1] & re.IGNORECASE:
            consider(_required(list(av[3])))
    consider(frozenset({run}) if run else frozenset())
    return best


def _word_runs(items: list[Any], after_non_word: bool) -> list[str]:
    """Runs of literal word characters that every match has at a word start: the first word
    after ``(?<!\\w)``, and each word after ``\\W+`` or a literal space ("не ... дозвон*")."""
    runs: list[str] = []
    run: str | None = None
    non_word = after_non_word  # is the character before this item surely not a word char?
    for op, av in items:
        if op == _sre_parse.LITERAL and _IS_WORD.match(chr(av)):
            if run is not None:
                run += chr(av)
            elif non_word:
                run = chr(av)
            non_word = False
            continue
        if run:
            runs.append(run)
        run = None
        if op == _sre_parse.LITERAL or _is_non_word_run(op, av):
            non_word = True
        else:  # (?:\w+\W+){0,3} after \W+ still ends on a non-word char (or repeats 0 times)
            non_word = non_word and op == _sre_parse.MAX_REPEAT and _ends_non_word(list(av[2]))
    if run:
        runs.append(run)
    return runs


def _is_non_word_run(op: Any, av: Any) -> bool:
    """Is the parsed item ``\\W+``?"""
    return bool(op == _sre_parse.MAX_REPEAT and av[0] >= 1 and list(av[2]) == _NON_WORD)


def _ends_non_word(items: list[Any]) -> bool:
    if not items:
        return False
    op, av = items[-1]
    if op == _sre_parse.LITERAL:
        return not _IS_WORD.match(chr(av))
    return _is_non_word_run(op, av)


def _index_rule(pattern: str) -> _RuleIndex | None:
    """("word", keys, literal, runs): every match has one of the keys at a word start, and
    all of ``runs`` too ("запис\\w* к врач\\w*": a text without "врач" need not run it);
    ("text", literals, "", {}): every match contains one of the literals; None: always run
    the rule. ``literal`` (maybe ""): a substring every match contains."""
    try:
        parsed = _sre_parse.parse(pattern)
    except Exception:  # the compiled alternation accepted it; stay safe anyway
        return None
    if parsed.state.flags & (re.IGNORECASE | re.ASCII | re.LOCALE):
        return None
    items = list(parsed)
    at_word_start = (
        bool(items)
        and items[0][0] == _sre_parse.ASSERT_NOT
        and items[0][1][0] == -1
        and list(items[0][1][1]) == _NOT_AFTER_WORD
    )
    if at_word_start:
        items = items[1:]
    literal = _longest_literal(items)
    starts = _leading_literals(items)
    # Candidate key sets, scored by their shortest key, then by the literal behind it: a text
    # must have one key of the set at a word start. The longest wins ("доз" over "не").
    options: list[tuple[tuple[int, int], frozenset[str]]] = []
    if at_word_start and starts:
        keys = frozenset(_word_key(x) for x in starts)
        if "" not in keys:
            options.append(((min(map(len, keys)), min(map(len, starts))), keys))
    runs = frozenset(_word_key(run) for run in _word_runs(items, at_word_start))
    options += [((len(run), len(run)), frozenset({run})) for run in runs]
    if options:
        return "word", max(options, key=lambda o: o[0])[1], literal, runs
    required = _required(items)
    return ("text", required, "", frozenset()) if required else None


def _word_key(literal: str) -> str:
    """The word characters ``literal`` starts with (a text word starting there has them)."""
    n = 0
    while n < len(literal) and _IS_WORD.match(literal[n]):
        n += 1
    return literal[:n]


def _has_groups(pattern: str) -> bool:
    try:
        return bool(_sre_parse.parse(pattern).state.groups > 1)
    except Exception:
        return True


class _Plan:
    """The rule slots that run for one ``[(language, factor), ...]``, indexed for lookup.

    A slot is one alternation: (theme index, weight of a match, whole alternation, its rule
    count). A candidate is one rule of one slot; candidates are numbered slot by slot, each
    slot's rules in their order, so sorted candidates give every slot's rules in order.
    ``themes`` holds, per theme, its negative slots and its positive slots by language.
    """

    def __init__(self, matcher: _Matcher, rule_langs: list[tuple[str, float]]) -> None:
        self.rule_langs = rule_langs
        self.slots: list[_Slot] = []
        self.rules: list[tuple[int, int]] = []  # candidate -> (slot, rule id or _WHOLE)
        # key -> (literal, the keys it needs as well, candidate)
        self.by_key: dict[str, list[tuple[str, frozenset[str], int]]] = {}
        self.by_literal: dict[str, list[int]] = {}  # literal anywhere in the text -> candidates
        self.always: list[int] = []
        self.themes: list[tuple[list[int], list[tuple[float, list[int]]]]] = []
        self.by_lemma: dict[str, list[int]] = {}  # lemma -> theme indexes (factor 1 only)
        for ti, theme in enumerate(matcher.themes):
            negative: list[int] = []
            positive: list[tuple[float, list[int]]] = []
            for lang, factor in rule_langs:
                if lang not in theme.rules:
                    continue
                if factor == 1.0:  # the lemmas come from this language's lemmatiser
                    for lemma in sorted(theme.rules[lang].lemmas):
                        self.by_lemma.setdefault(lemma, []).append(ti)
                sids: list[int] = []
                for kind in (_NEGATIVE, *_KINDS):
                    info = matcher.slot_info.get((ti, lang, kind))
                    if info is None:
                        continue
                    whole, first, count, index = info
                    sid = len(self.slots)
                    weight = KIND_WEIGHT[kind] * factor if kind != _NEGATIVE else 0.0
                    self.slots.append((ti, weight, whole, count))
                    (negative if kind == _NEGATIVE else sids).append(sid)
                    self._index(sid, first, index)
                positive.append((factor, sids))
            self.themes.append((negative, positive))
        self.keys = frozenset(self.by_key).union(*(e[1] for v in self.by_key.values() for e in v))
        # word -> the keys it starts with: comments repeat the same few thousand words, so
        # each word's starts are looked up once, not once per comment.
        self.words: dict[str, tuple[str, ...]] = {}

    def _index(self, sid: int, first: int, rules: list[_RuleIndex | None] | None) -> None:
        if rules is None:  # rules that may refer to each other's groups: run them whole
            self.always.append(self._candidate(sid, _WHOLE))
            return
        for ri, found in enumerate(rules):
            candidate = self._candidate(sid, first + ri)
            if found is None:
                self.always.append(candidate)
                continue
            how, keys, literal, runs = found
            for key in sorted(keys):
                if how == "word":
                    self.by_key.setdefault(key, []).append((literal, runs, candidate))
                else:
                    self.by_literal.setdefault(key, []).append(candidate)

    def _keys_of(self, word: str) -> tuple[str, ...]:
        """The keys ``word`` starts with."""
        keys = self.keys
        return tuple(key for n in range(1, len(word) + 1) if (key := word[:n]) in keys)

    def _candidate(self, sid: int, rule: int) -> int:
        self.rules.append((sid, rule))
        return len(self.rules) - 1

    def candidates(self, norm: str) -> dict[int, list[int]]:
        """slot -> the rules of the slot that may match ``norm`` (rule ids, in order)."""
        found = list(self.always)
        for literal, some in self.by_literal.items():
            if literal in norm:
                found += some
        present: set[str] = set()  # the keys at the text's word starts
        words = self.words
        for word in set(_WORD_RE.findall(norm)):
            keys = words.get(word)
            if keys is None:
                if len(words) >= _MAX_WORDS:
                    words.clear()
                keys = words[word] = self._keys_of(word)
            present.update(keys)
        by_key = self.by_key
        for key in present:
            if key in by_key:
                found += [c for lit, runs, c in by_key[key] if lit in norm and runs <= present]
        out: dict[int, list[int]] = {}
        rules = self.rules
        for c in sorted(set(found)):
            sid, rule = rules[c]
            got = out.get(sid)
            if got is None:
                out[sid] = [rule]
            else:
                got.append(rule)
        return out


def _alternation_spans(patterns: list[re.Pattern[str]], text: str) -> list[tuple[int, int]] | None:
    """The spans ``finditer`` gives for ``(?:p1)|(?:p2)|...``, from the patterns one by one.

    The alternation matches at the leftmost place where any of them matches, with the first
    of those that match there, and goes on from the end of that match; a pattern's next match
    is looked for again only once the walk has passed its start. None after an empty match:
    ``finditer`` has rules of its own for those, so the caller runs a real alternation.
    """
    nexts = [p.search(text) for p in patterns]
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        best = None
        for i, m in enumerate(nexts):
            if m is not None and m.start() < pos:
                m = nexts[i] = patterns[i].search(text, pos)
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        if best is None:
            return spans
        start, pos = best.span()
        if start == pos:
            return None
        spans.append((start, pos))


class _Matcher:
    """A taxonomy's rules indexed for :func:`match_rules`; built once per Taxonomy object."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.themes = taxonomy.themes
        self.known = taxonomy.languages
        # (theme index, language, kind) -> (whole alternation, id of its first rule in
        # ``sources``, its rule count, each rule's index)
        self.slot_info: dict[tuple[int, str, str], _SlotInfo] = {}
        self.sources: list[str] = []  # rule id -> the rule's regex
        # rule id -> the rule compiled on its own; on first use, because compiling all ~2,900
        # costs ~0.8 s and a comment set touches a few hundred.
        self.compiled: dict[int, re.Pattern[str]] = {}
        self.plans: dict[str, _Plan] = {}
        for ti, theme in enumerate(taxonomy.themes):
            for lang, rules in theme.rules.items():
                compiled = dict(rules.patterns)
                if rules.negative is not None:
                    compiled[_NEGATIVE] = rules.negative
                for kind, pattern in compiled.items():
                    parts = rules.sources.get(kind, ())
                    index = None
                    if parts and not any(_has_groups(p) for p in parts):
                        index = [_index_rule(p) for p in parts]
                    self.slot_info[(ti, lang, kind)] = (
                        pattern,
                        len(self.sources),
                        len(parts),
                        index,
                    )
                    self.sources += parts

    def rule_languages(self, language: str) -> list[tuple[str, float]]:
        known = self.known
        if language in known:
            return [(language, 1.0)] + [
                (s, SIBLING_FACTOR) for s in SIBLINGS.get(language, ()) if s in known
            ]
        # "mixed", "unknown" or a language without rules: every rule set, trusted a little less.
        return [(lang, SIBLING_FACTOR) for lang in known]

    def plan(self, language: str) -> _Plan:
        plan = self.plans.get(language)
        if plan is None:
            plan = self.plans[language] = _Plan(self, self.rule_languages(language))
        return plan

    def spans(self, slot: _Slot, rules: list[int], norm: str) -> list[tuple[int, int]]:
        """What the slot's alternation finds in ``norm``, running only ``rules`` of it."""
        whole, count = slot[2], slot[3]
        if rules[0] != _WHOLE and len(rules) < count:
            # Compiling an alternation of just these rules costs more than a comment's whole
            # analysis, and the sets differ from text to text: the rules run one by one.
            patterns = [self.rule(r) for r in rules]
            if len(patterns) == 1:
                return [m.span() for m in patterns[0].finditer(norm)]
            spans = _alternation_spans(patterns, norm)
            if spans is not None:
                return spans
        return [m.span() for m in whole.finditer(norm)]

    def clear_caches(self) -> None:
        """Forget the rules compiled and the words looked up so far (for benchmarks)."""
        self.compiled.clear()
        for plan in self.plans.values():
            plan.words.clear()

    def rule(self, rule: int) -> re.Pattern[str]:
        pattern = self.compiled.get(rule)
        if pattern is None:
            pattern = self.compiled[rule] = re.compile(self.sources[rule])
        return pattern


def match_rules(
    taxonomy: Taxonomy, text: str, language: str, lemmas: list[str]
) -> list[tuple[Theme, str, float]]:
    """(theme, evidence, confidence) for every theme whose rules fire, best first."""
    matcher = taxonomy._matcher
    plan = matcher.plan(language)
    slots = plan.slots
    norm = normalize(text)
    hits = plan.candidates(norm)
    active = {slots[sid][0] for sid in hits if slots[sid][1]}
    lemma_hits: dict[int, set[str]] = {}
    if lemmas and plan.by_lemma:
        for bare in {_bare_lemma(x) for x in lemmas}:
            for ti in plan.by_lemma.get(bare, ()):
                lemma_hits.setdefault(ti, set()).add(bare)
        active.update(lemma_hits)
    tokens: list[tuple[str, int, int]] | None = None
    out = []
    for ti in sorted(active):
        negative, positive = plan.themes[ti]
        # Every applied language's negatives veto: a borrowed Ukrainian stem must not slip past
        # a Russian exception written for the same words.
        vetoes = []
        for sid in negative:
            if sid in hits:
                vetoes += matcher.spans(slots[sid], hits[sid], norm)
        found: list[tuple[float, int, int]] = []  # (weight, start, end)
        for factor, sids in positive:
            for sid in sids:
                if sid not in hits:
                    continue
                weight = slots[sid][1]
                for start, end in matcher.spans(slots[sid], hits[sid], norm):
                    if end > start and not (vetoes and _overlaps((start, end), vetoes)):
                        found.append((weight, start, end))
            if factor == 1.0:
                for lemma in sorted(lemma_hits.get(ti, ())):
                    if tokens is None:
                        tokens = [(m.group(), *m.span()) for m in _TOKEN_RE.finditer(norm)]
                    span = _lemma_span(lemma, tokens)
                    if span is not None and not _overlaps(span, vetoes):
                        found.append((KIND_WEIGHT["lemma"], *span))
        if found:
            out.append((matcher.themes[ti], *_combine(text, found)))
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
