"""Transformation composition rules."""

from __future__ import annotations

import pytest

from racine.domain.errors import ValidationFailed
from racine.domain.lineage.model import (
    Transformation,
)
from racine.domain.lineage.model import (
    TransformationSubtype as S,
)
from racine.domain.lineage.model import (
    TransformationType as T,
)


def test_subtypes_know_their_type() -> None:
    assert S.AGGREGATION.type is T.DIRECT
    assert S.CONDITIONAL.type is T.INDIRECT


def test_mismatched_subtype_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Transformation(T.DIRECT, S.JOIN)
    assert caught.value.field == "subtype"


def test_composition_keeps_the_strongest_direct_step_and_any_masking() -> None:
    masked = Transformation.of(S.TRANSFORMATION, masking=True)
    assert masked.then(Transformation.of(S.IDENTITY)) == masked
    assert Transformation.of(S.IDENTITY).then(Transformation.of(S.AGGREGATION)).subtype is (
        S.AGGREGATION
    )
    composed = masked.then(Transformation.of(S.AGGREGATION))
    assert (composed.subtype, composed.masking) == (S.AGGREGATION, True)


def test_an_indirect_step_makes_the_chain_indirect() -> None:
    assert Transformation.of(S.IDENTITY).then(Transformation.of(S.FILTER)).subtype is S.FILTER
    assert Transformation.of(S.WINDOW).then(Transformation.of(S.IDENTITY)).subtype is S.WINDOW
