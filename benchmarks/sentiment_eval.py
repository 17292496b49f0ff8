"""Benchmark: sentiment macro-F1 per language and evaluation set, lexicon vs full model.

Prints JSON. For each set: n, label counts, 3-class macro-F1 and the SentiRuEval-style
macro-F1 over positive and negative only (F1 of each of the two classes, averaged; neutral
still counts as an error when predicted for a polar text), for ``model="lexicon"`` and
``model="full"``. Evaluation only: none of these files is used to build what ships, except
that ru_cedr_emotions train and uk_sentences_gurbich multi_train train the classifier, so
only their *test* splits appear here.

Labels:
- sentirueval2015 restaurants: mean of the user's food/interior/service scores (0 read as
  missing): >= 8 positive, <= 5 negative, otherwise neutral. Also the annotators'
  whole-review sentiment (positive/negative; "both" and "absence" dropped).
- ru_opensentimentcorpus: the expert-validated file (no "mixed").
- nps_verbatims: NPS 0-6 negative, 7-8 neutral, 9-10 positive.
- uk: tests/text/data/uk_comments_test.csv (written for cxray) and gurbich multi_test.

    .venv/bin/python benchmarks/sentiment_eval.py [--model lexicon|full|both]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
LABELS = ("negative", "neutral", "positive")


def _score_label(mean: float) -> str:
    return "positive" if mean >= 8 else "negative" if mean <= 5 else "neutral"


def eval_sets() -> dict[str, tuple[str, pd.DataFrame]]:
    """name -> (language, frame with text and label)."""
    sre = pd.read_csv(DATA / "sentirueval2015_restaurants/sentirueval2015_restaurant_reviews.csv")
    scores = sre[["food_score", "interior_score", "service_score"]].replace(0, np.nan)
    by_score = pd.DataFrame({"text": sre["text"], "label": scores.mean(axis=1).map(_score_label)})
    whole = sre[sre["whole_sentiment"].isin(["positive", "negative"])]
    by_whole = pd.DataFrame({"text": whole["text"], "label": whole["whole_sentiment"]})
    osc = pd.read_csv(
        DATA
        / "ru_opensentimentcorpus"
        / "opensentimentcorpus-final-by-total-agreement-with-expert-validation.csv"
    ).rename(columns={"Sentence": "text", "Sentiment": "label"})
    cedr = pd.read_csv(DATA / "ru_cedr_emotions/cedr_main.csv")
    cedr = cedr[(cedr["split"] == "test") & (cedr["polarity"] != "other")]
    gur = pd.read_csv(DATA / "uk_sentences_gurbich/uk_sentences.csv")
    gur = gur[gur["subset"] == "multi_test"].rename(columns={"sentiment": "label"})
    uk = pd.read_csv(ROOT / "tests/text/data/uk_comments_test.csv")
    nps = pd.read_csv(DATA / "nps_verbatims/nps_verbatims.csv").dropna(subset=["NPS_SCORE"])
    nps_label = pd.cut(nps["NPS_SCORE"], [-1, 6, 8, 10], labels=list(LABELS)).astype(str)
    return {
        "ru_sentirueval2015_by_score": ("ru", by_score),
        "ru_sentirueval2015_whole": ("ru", by_whole),
        "ru_opensentimentcorpus_expert": ("ru", osc[["text", "label"]]),
        "ru_cedr_test": ("ru", cedr.rename(columns={"polarity": "label"})[["text", "label"]]),
        "uk_cxray_comments": ("uk", uk[["text", "label"]]),
        "uk_gurbich_multi_test": ("uk", gur[["text", "label"]]),
        "en_nps_verbatims": ("en", pd.DataFrame({"text": nps["text"], "label": nps_label})),
    }


def f1_scores(truth: list[str], pred: list[str]) -> dict[str, float]:
    """Per-class F1, 3-class macro-F1 and macro-F1 over positive and negative."""
    per = {}
    for c in LABELS:
        tp = sum(t == c and p == c for t, p in zip(truth, pred, strict=True))
        fp = sum(t != c and p == c for t, p in zip(truth, pred, strict=True))
        fn = sum(t == c and p != c for t, p in zip(truth, pred, strict=True))
        per[c] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    present = [c for c in LABELS if c in truth]
    return {
        "macro_f1": round(float(np.mean([per[c] for c in present])), 4),
        "macro_f1_pos_neg": round((per["positive"] + per["negative"]) / 2, 4),
        **{f"f1_{c}": round(per[c], 4) for c in present},
    }


def evaluate(model: str) -> dict[str, dict]:
    from cxray.text.sentiment import sentiment_many

    out = {}
    for name, (lang, frame) in eval_sets().items():
        started = time.perf_counter()
        pred = [s.label for s in sentiment_many(frame["text"].tolist(), None, model)]
        out[name] = {
            "language": lang,
            "n": len(frame),
            "labels": frame["label"].value_counts().to_dict(),
            **f1_scores(frame["label"].tolist(), pred),
            "seconds": round(time.perf_counter() - started, 2),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["lexicon", "full", "both"], default="both")
    args = parser.parse_args()
    models = ["lexicon", "full"] if args.model == "both" else [args.model]
    result = {
        "machine": f"{platform.machine()} {os.cpu_count()} cpus python {platform.python_version()}",
        "models": {m: evaluate(m) for m in models},
    }
    for m in models:
        sets = result["models"][m]
        result.setdefault("mean_macro_f1", {})[m] = round(
            float(np.mean([s["macro_f1"] for s in sets.values()])), 4
        )
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
