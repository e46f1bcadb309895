"""The shipped ML model: a multinomial logistic regression as plain numpy arrays.

Stored as ``model.npz`` (weights, bias, class names, feature count) next to this
module; no pickle, nothing downloaded. Regenerate with
``python -m racine.domain.classification.train``.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
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
        if len(features) > 1:
            with _one_blas_thread():
                scores = features @ self.weights + self.bias
        else:  # a matrix-vector product: single-threaded anyway
            scores = features @ self.weights + self.bias
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def save(self, path: Path = MODEL_PATH) -> None:
        np.savez_compressed(
            path,
            weights=self.weights.astype(np.float16),
            bias=self.bias,
            classes=np.array(self.classes),
            layout=np.array(FEATURE_LAYOUT),
        )


@lru_cache(maxsize=1)
def _blas_controller() -> object | None:
    try:
        from threadpoolctl import ThreadpoolController  # scikit-learn's own dependency
    except ImportError:  # pragma: no cover - scikit-learn requires it
        return None
    return ThreadpoolController()


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Run the batch product on one BLAS thread.

    OpenBLAS' worker threads spin after a product; for a product this size (columns x
    ~6,200 x 48) they cost more CPU than they save wall time: on the 1,472 bench
    columns, 1,730 columns per CPU-second with two BLAS threads, 2,030 with one (and
    no slower on the wall clock). Scans already run one classifier per worker process.
    """
    controller = _blas_controller()
    if controller is None:
        yield
        return
    with controller.limit(limits=1, user_api="blas"):  # type: ignore[attr-defined]
        yield


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> Model | None:
    """The shipped model, or ``None`` if absent or stale (the rule tier still works)."""
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as data:
        try:
            layout = str(data["layout"]) if "layout" in data.files else "none"
            if layout != FEATURE_LAYOUT:
                raise ValueError(
                    f"trained on feature layout {layout!r}, features are {FEATURE_LAYOUT!r}"
                )
            return Model(
                data["weights"].astype(np.float32), data["bias"], [str(c) for c in data["classes"]]
            )
        except ValueError as exc:
            warnings.warn(f"classification model ignored: {exc}", stacklevel=2)
            return None
