"""Benchmark: embedding throughput, discover_themes at 5,000 and 20,000 comments, taxonomy speed.

Data: the demo company ``cxray.demo.generate(seed=7, n_patients=20000)``, the ``comment`` and
``follow_up`` columns of its responses (about 15,000 texts; the 20,000 run cycles them).
Anchor: agglomerative clustering (scipy, average linkage, cosine) on the same 5,000
embeddings, the alternative named in the design. Prints JSON; never part of the test run.

    .venv/bin/python benchmarks/themes_discover.py
"""

from __future__ import annotations

import json
import os
import platform
import time

import numpy as np


def _demo_texts() -> tuple[list[str], list[str]]:
    from cxray.demo import generate

    df = generate(seed=7, n_patients=20_000).responses.to_pandas()
    texts, langs = [], []
    for column in ("comment", "follow_up"):
        part = df.dropna(subset=[column])
        texts += part[column].astype(str).tolist()
        langs += part["language"].astype(str).tolist()
    return texts, langs


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, round(time.perf_counter() - start, 3)


def main() -> dict:
    from scipy.cluster.hierarchy import fcluster, linkage

    from cxray.text.discover import center_languages, discover_themes, embed, encoder
    from cxray.text.lemmas import lemmatize
    from cxray.text.taxonomy import taxonomy_themes

    texts, langs = _demo_texts()
    unique = list(dict.fromkeys(texts))
    _, load_s = _timed(lambda: encoder().encode(["warm-up"]))
    sample = unique[:2000]
    _, enc_s = _timed(encoder().encode, sample)

    runs = {}
    for n in (5_000, 20_000):
        idx = np.arange(n) % len(texts)
        sub, sub_langs = [texts[i] for i in idx], [langs[i] for i in idx]
        found, total_s = _timed(discover_themes, sub, seed=0, language=sub_langs)
        runs[str(n)] = {
            "texts": n,
            "distinct_texts": len(set(sub)),
            "seconds": total_s,
            "k": found.k,
            "silhouette": round(found.silhouette or 0.0, 4),
            "sizes": [t.size for t in found.themes],
            "labels": [t.label for t in found.themes],
        }
        if n == 5_000:
            raw, emb_s = _timed(embed, sub)
            x = center_languages(raw, sub_langs)
            tree, agg_s = _timed(linkage, x, method="average", metric="cosine")
            agg = fcluster(tree, found.k, criterion="maxclust")
            runs[str(n)]["embedding_seconds_with_dedup"] = emb_s
            runs[str(n)]["anchor_agglomerative_average_seconds"] = agg_s
            runs[str(n)]["anchor_agglomerative_sizes"] = sorted(np.bincount(agg)[1:].tolist())[::-1]

    pairs = list(zip(texts, langs, strict=True))[:5000]
    lemma_lists, lem_s = _timed(lambda: [lemmatize(t, lg) for t, lg in pairs])
    _, tax_s = _timed(
        lambda: [taxonomy_themes(t, lg, lm) for (t, lg), lm in zip(pairs, lemma_lists, strict=True)]
    )
    covered = np.mean(
        [bool(taxonomy_themes(t, lg, lm)) for (t, lg), lm in zip(pairs, lemma_lists, strict=True)]
    )
    return {
        "benchmark": "themes_discover",
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "numpy": np.__version__,
            "encoder_threads": encoder().threads,
        },
        "data": {
            "source": "cxray.demo.generate(seed=7, n_patients=20000) comment+follow_up",
            "texts": len(texts),
            "distinct_texts": len(unique),
        },
        "embedding": {
            "model_load_seconds": load_s,
            "texts": len(sample),
            "texts_per_second": round(len(sample) / enc_s, 1),
        },
        "discover_themes": runs,
        "taxonomy": {
            "texts": len(pairs),
            "texts_per_second": round(len(pairs) / tax_s, 1),
            "with_lemmatize_texts_per_second": round(len(pairs) / (tax_s + lem_s), 1),
            "share_with_a_theme": round(float(covered), 4),
        },
    }


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, indent=2))
