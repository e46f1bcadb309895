"""Per-scan classifier settings and user-defined types and rules.

Everything a user can type (keys, regexes, thresholds) is validated here and
raises ``ValidationFailed`` naming the offending field, so the API can report
it as a ``UserError``. User regexes are compiled with the ``regex`` package and
always matched with a timeout (see ``patterns.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import regex

from racine.domain.classification.types import BUILTIN_TYPES, Category, Sensitivity
from racine.domain.errors import ValidationFailed

__all__ = ["CLASSIFIED_CELLS", "DEFAULT", "ClassifierConfig", "CustomRule", "CustomType"]

CLASSIFIED_CELLS = 128
"""Cells per column a scan classifies, of however many rows it samples: the model was
trained on columns of 16-128 values and benchmarked at 128 (``bench/classification``),
and a column's verdict is settled well before that. Profiles use the whole sample."""

_KEY = re.compile(r"[A-Z][A-Z0-9_]{1,63}")
_MAX_PATTERN = 1000
_MAX_DICTIONARY = 10_000


@dataclass(frozen=True, slots=True)
class CustomType:
    """A type defined by an organisation (e.g. ``EMPLOYEE_ID``)."""

    key: str
    name: str
    category: Category = Category.PERSONAL
    sensitivity: Sensitivity = Sensitivity.CONFIDENTIAL
    description: str = ""

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key):
            raise ValidationFailed(
                "key must be 2-64 upper-case letters, digits or underscores", field="key"
            )
        if self.key in BUILTIN_TYPES:
            raise ValidationFailed(f"{self.key} is a built-in type", field="key")
        if not self.name.strip() or len(self.name) > 200:
            raise ValidationFailed("name must be 1-200 characters", field="name")


@dataclass(frozen=True, slots=True)
class CustomRule:
    """A user rule for a built-in or custom type.

    At least one of ``name_pattern``, ``value_pattern`` or ``dictionary`` is set.
    A rule with value evidence fires when the match ratio reaches
    ``min_match_ratio``; a name-only rule fires on the name alone at
    ``confidence``. When both are given, both must agree.
    """

    type_key: str
    name_pattern: str | None = None
    value_pattern: str | None = None
    dictionary: frozenset[str] | None = None
    min_match_ratio: float | None = None
    confidence: float = 0.9
    case_sensitive: bool = False

    def __post_init__(self) -> None:
        if not (self.name_pattern or self.value_pattern or self.dictionary):
            raise ValidationFailed(
                "a rule needs a name pattern, a value pattern or a dictionary",
                field="valuePattern",
            )
        for fname, pattern in (
            ("namePattern", self.name_pattern),
            ("valuePattern", self.value_pattern),
        ):
            if pattern is None:
                continue
            if len(pattern) > _MAX_PATTERN:
                raise ValidationFailed(
                    f"pattern longer than {_MAX_PATTERN} characters", field=fname
                )
            try:
                regex.compile(pattern)
            except (regex.error, OverflowError, RecursionError) as exc:
                raise ValidationFailed(f"invalid regular expression: {exc}", field=fname) from None
        if self.dictionary is not None and not 0 < len(self.dictionary) <= _MAX_DICTIONARY:
            raise ValidationFailed(
                f"dictionary must hold 1-{_MAX_DICTIONARY} entries", field="dictionary"
            )
        if self.min_match_ratio is not None and not 0 < self.min_match_ratio <= 1:
            raise ValidationFailed("minMatchRatio must be in (0, 1]", field="minMatchRatio")
        if not 0 < self.confidence <= 1:
            raise ValidationFailed("confidence must be in (0, 1]", field="confidence")


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """Settings of one scan rule set. Defaults suit a 100-1,000 row sample.

    ``enabled_types``: ``None`` means every built-in and custom type.
    ``min_distinct``: fewer distinct non-null values is insufficient evidence
    (types with tiny domains such as GENDER have their own, lower floor).
    ``min_match_ratio``: share of sampled non-null values a value rule must match.
    ``auto_confirm_threshold``: labels at or above it are CONFIRMED, others SUGGESTED.
    ``min_confidence``: labels below it are dropped.
    ``max_samples`` / ``max_cell_chars``: caps applied before any matching.
    ``regex_timeout``: seconds one user regex may run on one value.
    """

    enabled_types: frozenset[str] | None = None
    min_distinct: int = 3
    min_match_ratio: float = 0.8
    auto_confirm_threshold: float = 0.9
    min_confidence: float = 0.3
    max_samples: int = 1000
    max_cell_chars: int = 256
    use_ml: bool = True
    detect_sparse: bool = True
    regex_timeout: float = 0.05
    custom_types: tuple[CustomType, ...] = ()
    custom_rules: tuple[CustomRule, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        known = set(BUILTIN_TYPES) | {t.key for t in self.custom_types}
        if len(known) != len(BUILTIN_TYPES) + len(self.custom_types):
            raise ValidationFailed("custom type keys must be unique", field="customTypes")
        if self.enabled_types is not None:
            unknown = sorted(set(self.enabled_types) - known)
            if unknown:
                raise ValidationFailed(
                    f"unknown types: {', '.join(unknown[:5])}", field="enabledTypes"
                )
        for rule in self.custom_rules:
            if rule.type_key not in known:
                raise ValidationFailed(f"unknown type {rule.type_key}", field="customRules")
        checks = (
            ("minDistinct", 1 <= self.min_distinct <= 1000),
            ("minMatchRatio", 0 < self.min_match_ratio <= 1),
            ("autoConfirmThreshold", 0 < self.auto_confirm_threshold <= 1),
            ("minConfidence", 0 <= self.min_confidence < 1),
            ("maxSamples", 1 <= self.max_samples <= 100_000),
            ("maxCellChars", 16 <= self.max_cell_chars <= 100_000),
            ("regexTimeout", 0 < self.regex_timeout <= 5),
        )
        for fname, ok in checks:
            if not ok:
                raise ValidationFailed(f"{fname} is out of range", field=fname)

    def is_enabled(self, type_key: str) -> bool:
        return self.enabled_types is None or type_key in self.enabled_types


DEFAULT = ClassifierConfig()
