"""Sensitive-data classification engine (pure domain code).

Three tiers: manual labels (owned by callers, protected by ``merge``), rules
(column-name patterns, value validators, thresholds) and a small shipped
model. Entry points: ``classify_column`` / ``classify_columns``.
"""

from racine.domain.classification.config import (
    DEFAULT,
    ClassifierConfig,
    CustomRule,
    CustomType,
)
from racine.domain.classification.engine import ColumnInput, classify_column, classify_columns
from racine.domain.classification.labels import ColumnVerdict, Label, LabelSource, LabelState
from racine.domain.classification.masking import mask_value, mask_values
from racine.domain.classification.merge import merge
from racine.domain.classification.sensitivity import roll_up, sensitivity_for
from racine.domain.classification.types import (
    BUILTIN_TYPES,
    Category,
    ClassificationType,
    Sensitivity,
)

__all__ = [
    "BUILTIN_TYPES",
    "DEFAULT",
    "Category",
    "ClassificationType",
    "ClassifierConfig",
    "ColumnInput",
    "ColumnVerdict",
    "CustomRule",
    "CustomType",
    "Label",
    "LabelSource",
    "LabelState",
    "Sensitivity",
    "classify_column",
    "classify_columns",
    "mask_value",
    "mask_values",
    "merge",
    "roll_up",
    "sensitivity_for",
]
