"""Organisation-defined classification types and rules, as stored, and the engine
settings of a scan rule set built from them.

The engine validates what users type (``CustomType``/``CustomRule`` raise
``ValidationFailed`` naming the field); this module adds identity, ownership and
time, and decides which rules a rule set gets: the global ones (``rule_set_id``
None) plus its own, oldest first, so ``custom:N`` evidence indexes are stable for
one configuration (see ``custom_rule_ids``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from racine.domain.catalog.model import utcnow
from racine.domain.classification.config import (
    CLASSIFIED_CELLS,
    ClassifierConfig,
    CustomRule,
    CustomType,
)
from racine.domain.classification.labels import Label
from racine.domain.classification.ports import ClassificationUnitOfWork
from racine.domain.classification.types import (
    BUILTIN_TYPES,
    Category,
    ClassificationType,
    Sensitivity,
)
from racine.domain.scanning.model import ScanRuleSet

__all__ = [
    "MAX_CUSTOM_RULES",
    "MAX_CUSTOM_TYPES",
    "StoredRule",
    "StoredType",
    "classifier_config",
    "custom_levels",
    "custom_rule_ids",
    "name_custom_rules",
    "type_catalogue",
]

MAX_CUSTOM_TYPES = 500
MAX_CUSTOM_RULES = 1000


@dataclass
class StoredType:
    """A custom type as stored (built-ins live in ``BUILTIN_TYPES``)."""

    key: str
    name: str
    category: Category = Category.PERSONAL
    sensitivity: Sensitivity = Sensitivity.CONFIDENTIAL
    description: str = ""
    created_by: uuid.UUID | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)

    def to_engine(self) -> CustomType:
        """Validated engine form (raises ``ValidationFailed`` with the field)."""
        return CustomType(self.key, self.name, self.category, self.sensitivity, self.description)

    def as_type(self) -> ClassificationType:
        return ClassificationType(
            self.key, self.name, self.category, self.sensitivity, self.description
        )


@dataclass
class StoredRule:
    """A custom rule as stored. ``rule_set_id`` None: every rule set uses it."""

    type_key: str
    name_pattern: str | None = None
    value_pattern: str | None = None
    dictionary: list[str] | None = None
    min_match_ratio: float | None = None
    confidence: float = 0.9
    case_sensitive: bool = False
    rule_set_id: uuid.UUID | None = None
    description: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_by: uuid.UUID | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)

    def to_engine(self) -> CustomRule:
        """Validated engine form (raises ``ValidationFailed`` with the field)."""
        return CustomRule(
            type_key=self.type_key,
            name_pattern=self.name_pattern,
            value_pattern=self.value_pattern,
            dictionary=None if self.dictionary is None else frozenset(self.dictionary),
            min_match_ratio=self.min_match_ratio,
            confidence=self.confidence,
            case_sensitive=self.case_sensitive,
        )


async def type_catalogue(uow: ClassificationUnitOfWork) -> list[ClassificationType | StoredType]:
    """Built-in types (in catalogue order), then custom ones by key. Call inside an
    open unit of work."""
    custom: list[StoredType] = await uow.classification.types()
    return [*BUILTIN_TYPES.values(), *sorted(custom, key=lambda t: t.key)]


async def custom_levels(uow: ClassificationUnitOfWork) -> dict[str, Sensitivity]:
    """Sensitivity of every custom type, for ``sensitivity_for(overrides=...)``."""
    custom: list[StoredType] = await uow.classification.types()
    return {t.key: t.sensitivity for t in custom}


async def _rules_for(
    uow: ClassificationUnitOfWork, rule_set_id: uuid.UUID | None
) -> list[StoredRule]:
    rules: list[StoredRule] = await uow.classification.rules_for(rule_set_id)
    return sorted(rules, key=lambda r: (r.created_at, str(r.id)))


async def classifier_config(
    uow: ClassificationUnitOfWork, rule_set: ScanRuleSet
) -> ClassifierConfig:
    """The engine settings of a scan rule set (``racine.domain.scanning.model.ScanRuleSet``):
    its thresholds, enabled types and sample size (at most ``CLASSIFIED_CELLS`` cells
    per column are classified), plus every custom type and the
    custom rules that apply to it (global ones and its own, oldest first).

    Call inside an open unit of work (only reads). Raises ``ValidationFailed`` if
    the rule set's settings are out of range.
    """
    types = await uow.classification.types()
    rules = await _rules_for(uow, rule_set.id)
    enabled = rule_set.enabled_types
    return ClassifierConfig(
        enabled_types=None if enabled is None else frozenset(enabled),
        min_match_ratio=rule_set.min_match_ratio,
        auto_confirm_threshold=rule_set.auto_confirm_threshold,
        min_confidence=rule_set.min_confidence,
        use_ml=rule_set.use_ml,
        max_samples=max(1, min(rule_set.sample_size, CLASSIFIED_CELLS)),
        custom_types=tuple(t.to_engine() for t in sorted(types, key=lambda t: t.key)),
        custom_rules=tuple(r.to_engine() for r in rules),
    )


async def custom_rule_ids(uow: ClassificationUnitOfWork, rule_set: ScanRuleSet) -> list[uuid.UUID]:
    """Ids of the custom rules of ``classifier_config(uow, rule_set)``, in its order:
    ``custom_rule_ids(...)[N]`` is the rule the engine reports as ``custom:N``."""
    return [r.id for r in await _rules_for(uow, rule_set.id)]


def name_custom_rules(labels: Sequence[Label], rule_ids: Sequence[uuid.UUID]) -> list[Label]:
    """Labels whose evidence names custom rules by id (``custom:<uuid>``) instead of
    by position, so the evidence stays meaningful after rules are added or removed."""
    out: list[Label] = []
    for label in labels:
        fired = label.evidence.get("rules")
        if not isinstance(fired, list):
            out.append(label)
            continue
        named: list[object] = []
        for rule in fired:
            if isinstance(rule, str) and rule.startswith("custom:"):
                index = rule.removeprefix("custom:")
                if index.isdigit() and int(index) < len(rule_ids):
                    rule = f"custom:{rule_ids[int(index)]}"
            named.append(rule)
        evidence = {**label.evidence, "rules": named}
        out.append(Label(label.type_key, label.confidence, label.state, label.source, evidence))
    return out
