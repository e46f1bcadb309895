"""The shipped ML model: a multinomial logistic regression as plain numpy arrays.

Stored as ``model.npz`` (weights, bias, class names, feature count) next to this
module; no pickle, nothing downloaded. Regenerate with
``python -m racine.domain.classification.train``.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from racine.domain.classification.features import FEATURE_LAYOUT, N_FEATURES

__all__ = ["MODEL_PATH", "NONE_CLASS", "Model", "load_model"]

MODEL_PATH = Path(__file__).with_name("model.npz")
NONE_CLASS = "NONE"


class Model:
    """Linear scores + softmax; ``classes`` includes ``NONE`` for non-sensitive columns."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, classes: list[str]) -> None:
        if weights.shape != (N_FEATURES, len(classes)):
            raise ValueError("model does not match the feature layout; retrain it")
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.classes = classes

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        scores = features @ self.weights + self.bias
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def save(self, path: Path = MODEL_PATH) -> None:
        np.savez_compressed(path, weights=self.weights.astype(np.float16), bias=self.bias,
                            classes=np.array(self.classes), layout=np.array(FEATURE_LAYOUT))


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> Model | None:
    """The shipped model, or ``None`` if absent or stale (the rule tier still works)."""
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as data:
        try:
            layout = str(data["layout"]) if "layout" in data.files else "none"
            if layout != FEATURE_LAYOUT:
                raise ValueError(f"trained on feature layout {layout!r}, "
                                 f"features are {FEATURE_LAYOUT!r}")
            return Model(data["weights"].astype(np.float32), data["bias"],
                         [str(c) for c in data["classes"]])
        except ValueError as exc:
            warnings.warn(f"classification model ignored: {exc}", stacklevel=2)
            return None
