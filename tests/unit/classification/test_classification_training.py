"""Training is deterministic, and the shipped artifact fits the feature layout."""

from __future__ import annotations

import numpy as np
import pytest

from racine.domain.classification.features import N_FEATURES
from racine.domain.classification.model import NONE_CLASS, load_model
from racine.domain.classification.train import train
from racine.domain.classification.types import BUILTIN_TYPES


@pytest.mark.filterwarnings("ignore")  # a tiny, under-iterated fit warns by design
def test_training_is_reproducible() -> None:
    only = frozenset({"EMAIL", "IBAN", "DATE_OF_BIRTH", "PERSON_NAME"})
    first, _ = train(seed=3, per_type=3, only=only, max_iter=15)
    second, _ = train(seed=3, per_type=3, only=only, max_iter=15)
    assert first.classes == second.classes
    np.testing.assert_array_equal(first.weights, second.weights)


def test_shipped_model_covers_every_builtin_type() -> None:
    model = load_model()
    assert model is not None
    assert model.weights.shape == (N_FEATURES, len(model.classes))
    assert set(model.classes) == set(BUILTIN_TYPES) | {NONE_CLASS}
