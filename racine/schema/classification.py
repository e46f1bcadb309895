"""Classification area: types (built-in and custom), custom rules, a steward's
decision on a column, sensitivity labels and a dry run of the classifier.

Enums here are also used by the catalog's ``Asset``, ``ColumnClassification``
and ``AssetFilter``; this module imports the catalog types lazily so the two
modules do not import each other at load time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Self, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from racine.domain.classification import custom as custom_model
from racine.domain.classification import labels as label_model
from racine.domain.classification import types as type_model
from racine.schema.errors import UserError
from racine.schema.relay import encode_id

if TYPE_CHECKING:
    from racine.schema.catalog import Asset, ColumnClassification

__all__ = [
    "ClassificationCategory",
    "ClassificationEvidence",
    "ClassificationRule",
    "ClassificationRulePayload",
    "ClassificationSource",
    "ClassificationState",
    "ClassificationSuggestion",
    "ClassificationType",
    "ClassificationTypePayload",
    "ClassificationVerdict",
    "ClassifyValuesInput",
    "CreateClassificationRuleInput",
    "CreateClassificationTypeInput",
    "DeleteClassificationRuleInput",
    "DeleteClassificationTypeInput",
    "RecomputeSensitivityInput",
    "RecomputeSensitivityPayload",
    "Sensitivity",
    "SetColumnClassificationInput",
    "SetColumnClassificationPayload",
    "StewardDecision",
    "UpdateClassificationRuleInput",
    "UpdateClassificationTypeInput",
]


@strawberry.enum(
    description="How carefully data must be handled, lowest first. Derived from "
    "classifications: a column takes the highest default sensitivity of its live "
    "(not REJECTED) labels; a table, schema, database and data source the highest "
    "of their columns."
)
class Sensitivity(Enum):
    PUBLIC = "PUBLIC"
    INTERNAL = "INTERNAL"
    CONFIDENTIAL = "CONFIDENTIAL"
    RESTRICTED = "RESTRICTED"

    @classmethod
    def of(cls, level: int | type_model.Sensitivity | None) -> Sensitivity | None:
        return None if level is None else cls(type_model.Sensitivity(level).name)

    def domain(self) -> type_model.Sensitivity:
        return type_model.Sensitivity[self.value]


@strawberry.enum(description="Broad family of a classification type.")
class ClassificationCategory(Enum):
    PERSONAL = "PERSONAL"
    FINANCIAL = "FINANCIAL"
    HEALTH = "HEALTH"
    CREDENTIALS = "CREDENTIALS"
    TECHNICAL = "TECHNICAL"


@strawberry.enum(
    description="Review state of a label: SUGGESTED (automatic, below the rule "
    "set's auto-confirm threshold), CONFIRMED, REJECTED (never suggested again by a scan)."
)
class ClassificationState(Enum):
    SUGGESTED = "SUGGESTED"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"


@strawberry.enum(
    description="Who set a label: MANUAL (a steward; a scan never overrides it), "
    "RULE (name patterns, validators, custom rules), ML (the shipped model alone), "
    "PROPAGATED (copied along column lineage)."
)
class ClassificationSource(Enum):
    MANUAL = "MANUAL"
    RULE = "RULE"
    ML = "ML"
    PROPAGATED = "PROPAGATED"


@strawberry.enum(description="A steward's decision on a type for a column.")
class StewardDecision(Enum):
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"


@strawberry.type(description="A kind of sensitive data a column can hold.")
class ClassificationType:
    key: str = strawberry.field(description="Stable key, e.g. `EMAIL`, `CREDIT_CARD`.")
    name: str = strawberry.field(description="Display name.")
    description: str = strawberry.field(description="What it covers.")
    category: ClassificationCategory = strawberry.field(description="Family of the type.")
    sensitivity: Sensitivity = strawberry.field(
        description="Default sensitivity of a column labelled with it."
    )
    built_in: bool = strawberry.field(
        description="Shipped with Racine (read-only) rather than defined by the organisation."
    )
    created_at: datetime | None = strawberry.field(
        description="When a custom type was created (UTC); null for built-ins."
    )
    updated_at: datetime | None = strawberry.field(
        description="When a custom type last changed (UTC); null for built-ins."
    )

    @classmethod
    def from_domain(cls, t: type_model.ClassificationType | custom_model.StoredType) -> Self:
        stored = isinstance(t, custom_model.StoredType)
        return cls(
            key=t.key,
            name=t.name,
            description=t.description,
            category=ClassificationCategory(t.category.value),
            sensitivity=cast(Sensitivity, Sensitivity.of(t.sensitivity)),
            built_in=not stored,
            created_at=t.created_at if isinstance(t, custom_model.StoredType) else None,
            updated_at=t.updated_at if isinstance(t, custom_model.StoredType) else None,
        )


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@strawberry.type(
    description="Why a label was set, in typed fields (the raw `evidence` JSON holds the same)."
)
class ClassificationEvidence:
    rules_fired: list[str] = strawberry.field(
        description="Rules that fired: `value:<type>` (values passed the type's validator), "
        "`name:<type>` (the column name matched), `custom:<rule id>` (a custom rule), "
        "`sparse:<type>` (values found inside free text in some rows). Empty for ML "
        "and manual labels."
    )
    strength: str | None = strawberry.field(
        description="Strength of the built-in rule: STRONG (checksum or unambiguous "
        "structure), MEDIUM (distinctive format), WEAK (needs the column name)."
    )
    match_ratio: float | None = strawberry.field(
        description="Share (0-1) of sampled non-null values that passed the rule."
    )
    sample_size: int | None = strawberry.field(
        description="Non-null values sampled when the label was computed."
    )
    distinct_values: int | None = strawberry.field(description="Distinct values among them.")
    model_probability: float | None = strawberry.field(
        description="Probability (0-1) the classification model gave this type; null "
        "when the model did not run."
    )
    name_context: str | None = strawberry.field(
        description="How the column name bore on it: `match`, `none` or `negative` (a "
        "name such as `order_number` that vetoes card numbers)."
    )
    note: str | None = strawberry.field(
        description="Caveat, e.g. `sparse: …` or `time budget exhausted` (a custom regex "
        "hit its timeout)."
    )
    reason: str | None = strawberry.field(description="A steward's reason (MANUAL labels).")
    previous: JSON | None = strawberry.field(
        description="For a MANUAL label: the automatic label it overrode (`state`, "
        "`source`, `confidence`, `evidence`), so the classifier's view stays readable."
    )

    @classmethod
    def from_json(cls, evidence: Mapping[str, Any]) -> Self:
        rules = evidence.get("rules")
        previous = evidence.get("previous")
        return cls(
            rules_fired=[str(r) for r in rules] if isinstance(rules, list) else [],
            strength=_str(evidence.get("strength")),
            match_ratio=_float(evidence.get("match_ratio")),
            sample_size=_int(evidence.get("sample_size")),
            distinct_values=_int(evidence.get("distinct_values")),
            model_probability=_float(evidence.get("model_probability")),
            name_context=_str(evidence.get("name_context")),
            note=_str(evidence.get("note")),
            reason=_str(evidence.get("reason")),
            previous=cast(JSON, previous) if isinstance(previous, dict) else None,
        )


@strawberry.type(
    description="An organisation-defined detection rule for a built-in or custom type. "
    "Name-only rules fire on the column name at `confidence`; rules with a value "
    "pattern or dictionary fire when `minMatchRatio` of sampled values match (and the "
    "name, if given, matches too). Regexes run with a 50 ms per-value timeout."
)
class ClassificationRule(relay.Node):
    id: relay.NodeID[str]
    type_key: str = strawberry.field(description="The type it detects.")
    name_pattern: str | None = strawberry.field(
        description="Regex searched in the column name (case-insensitive unless `caseSensitive`)."
    )
    value_pattern: str | None = strawberry.field(
        description="Regex every matching value must fully match."
    )
    dictionary: list[str] = strawberry.field(
        description="Exact values that count as matches (≤ 10,000 entries)."
    )
    min_match_ratio: float | None = strawberry.field(
        description="Share of values that must match (0-1]; null: the rule set's."
    )
    confidence: float = strawberry.field(description="Confidence (0-1] of a label it sets.")
    case_sensitive: bool = strawberry.field(description="Patterns and dictionary match case.")
    rule_set_id: strawberry.ID | None = strawberry.field(
        description="The ScanRuleSet it belongs to; null: every rule set uses it."
    )
    description: str = strawberry.field(description="Free text.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="Last changed (UTC).")

    @classmethod
    def from_domain(cls, r: custom_model.StoredRule) -> Self:
        return cls(
            id=str(r.id),
            type_key=r.type_key,
            name_pattern=r.name_pattern,
            value_pattern=r.value_pattern,
            dictionary=list(r.dictionary or []),
            min_match_ratio=r.min_match_ratio,
            confidence=r.confidence,
            case_sensitive=r.case_sensitive,
            rule_set_id=None if r.rule_set_id is None else encode_id("ScanRuleSet", r.rule_set_id),
            description=r.description,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


@strawberry.type(description="A label the classifier would set (result of `classifyValues`).")
class ClassificationSuggestion:
    type_key: str = strawberry.field(description="Type key.")
    state: ClassificationState = strawberry.field(description="SUGGESTED or CONFIRMED.")
    source: ClassificationSource = strawberry.field(description="RULE or ML.")
    confidence: float = strawberry.field(description="Confidence, 0-1.")
    sensitivity: Sensitivity = strawberry.field(description="Sensitivity the type carries.")
    evidence: JSON = strawberry.field(description="Raw evidence (as stored by a scan).")
    explanation: ClassificationEvidence = strawberry.field(description="Evidence, typed.")


@strawberry.type(description="What the classifier concludes about a column (nothing is stored).")
class ClassificationVerdict:
    column_name: str = strawberry.field(description="The column name given.")
    labels: list[ClassificationSuggestion] = strawberry.field(
        description="Labels, best first (at most 3)."
    )
    insufficient_evidence: str | None = strawberry.field(
        description="Why the values could not support a label (empty, all null, too few "
        "distinct values…), if so."
    )
    sample_size: int = strawberry.field(description="Values read (nulls included).")
    null_count: int = strawberry.field(description="Null values.")
    distinct_count: int = strawberry.field(description="Distinct non-null values.")


@strawberry.input(
    description="Confirm or reject one type on one column, as a MANUAL label with you "
    "as actor. A later scan never overrides it, and never suggests a rejected type "
    "again. STEWARD or above."
)
class SetColumnClassificationInput:
    column_id: strawberry.ID = strawberry.field(description="The column Asset.")
    type_key: str = strawberry.field(description="A built-in or custom type key.")
    state: StewardDecision = strawberry.field(description="CONFIRMED or REJECTED.")
    reason: str | None = strawberry.field(
        default=None, description="Why (≤ 2,000 characters); shown in the label's evidence."
    )


@strawberry.type(description="Result of setColumnClassification.")
class SetColumnClassificationPayload:
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")
    column: Annotated[Asset, strawberry.lazy("racine.schema.catalog")] | None = strawberry.field(
        default=None, description="The column after the change."
    )
    classification: (
        Annotated[ColumnClassification, strawberry.lazy("racine.schema.catalog")] | None
    ) = strawberry.field(default=None, description="The label that was set.")


@strawberry.input(description="A custom classification type. STEWARD or above.")
class CreateClassificationTypeInput:
    key: str = strawberry.field(
        description="2-64 upper-case letters, digits or underscores, starting with a "
        "letter; not a built-in key."
    )
    name: str = strawberry.field(description="Display name, 1-200 characters.")
    description: str = strawberry.field(default="", description="≤ 2,000 characters.")
    category: ClassificationCategory = strawberry.field(
        default=ClassificationCategory.PERSONAL, description="Family (PERSONAL)."
    )
    sensitivity: Sensitivity = strawberry.field(
        default=Sensitivity.CONFIDENTIAL, description="Default sensitivity (CONFIDENTIAL)."
    )


@strawberry.input(
    description="Change a custom type; omitted fields stay. A new sensitivity re-levels "
    "every column carrying the type. STEWARD or above."
)
class UpdateClassificationTypeInput:
    key: str = strawberry.field(description="The custom type.")
    name: str | None = strawberry.field(default=None, description="New name.")
    description: str | None = strawberry.field(default=None, description="New description.")
    category: ClassificationCategory | None = strawberry.field(
        default=None, description="New category."
    )
    sensitivity: Sensitivity | None = strawberry.field(
        default=None, description="New default sensitivity."
    )


@strawberry.input(
    description="Delete a custom type no rule uses; labels of that type are removed "
    "from columns. STEWARD or above."
)
class DeleteClassificationTypeInput:
    key: str = strawberry.field(description="The custom type.")


@strawberry.type(description="Result of a classification type mutation.")
class ClassificationTypePayload:
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")
    type: ClassificationType | None = strawberry.field(default=None, description="The type.")


@strawberry.input(
    description="A custom rule; give at least one of `namePattern`, `valuePattern`, "
    "`dictionary`. At most 1,000 rules in all. STEWARD or above."
)
class CreateClassificationRuleInput:
    type_key: str = strawberry.field(description="A built-in or existing custom type key.")
    name_pattern: str | None = strawberry.field(
        default=None, description="Regex searched in the column name (≤ 1,000 characters)."
    )
    value_pattern: str | None = strawberry.field(
        default=None, description="Regex values must fully match (≤ 1,000 characters)."
    )
    dictionary: list[str] | None = strawberry.field(
        default=None, description="Values that count as matches (1-10,000, each ≤ 200 characters)."
    )
    min_match_ratio: float | None = strawberry.field(
        default=None,
        description="Share of values that must match, (0, 1]; default: the rule set's.",
    )
    confidence: float = strawberry.field(default=0.9, description="Label confidence, (0, 1].")
    case_sensitive: bool = strawberry.field(default=False, description="Match case.")
    rule_set_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only scans with this ScanRuleSet use it; null: all."
    )
    description: str = strawberry.field(default="", description="≤ 2,000 characters.")


@strawberry.input(
    description="Change a custom rule; omitted fields stay, an empty pattern or "
    "dictionary clears it. STEWARD or above."
)
class UpdateClassificationRuleInput:
    id: strawberry.ID = strawberry.field(description="The ClassificationRule.")
    type_key: str | None = strawberry.field(default=None, description="New type key.")
    name_pattern: str | None = strawberry.field(default=None, description="New name regex.")
    value_pattern: str | None = strawberry.field(default=None, description="New value regex.")
    dictionary: list[str] | None = strawberry.field(default=None, description="New dictionary.")
    min_match_ratio: float | None = strawberry.field(default=None, description="New ratio.")
    confidence: float | None = strawberry.field(default=None, description="New confidence.")
    case_sensitive: bool | None = strawberry.field(default=None, description="Match case.")
    description: str | None = strawberry.field(default=None, description="New description.")


@strawberry.input(description="Delete a custom rule. STEWARD or above.")
class DeleteClassificationRuleInput:
    id: strawberry.ID = strawberry.field(description="The ClassificationRule.")


@strawberry.type(description="Result of a classification rule mutation.")
class ClassificationRulePayload:
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")
    rule: ClassificationRule | None = strawberry.field(default=None, description="The rule.")


@strawberry.input(
    description="Values to classify as a scan would (custom rules included). Nothing "
    "is stored. STEWARD or above."
)
class ClassifyValuesInput:
    column_name: str = strawberry.field(description="Column name, 1-200 characters.")
    values: list[str | None] = strawberry.field(
        description="Sample values (≤ 1,000; each cut to 256 characters by the engine)."
    )
    rule_set_id: strawberry.ID | None = strawberry.field(
        default=None, description="ScanRuleSet whose settings and rules apply (default rule set)."
    )
    data_type: str | None = strawberry.field(
        default=None, description="The column's SQL type, if known (BOOLEAN is never classified)."
    )


@strawberry.input(
    description="Recompute the stored sensitivity of a data source's assets from their "
    "labels (a backfill). STEWARD or above."
)
class RecomputeSensitivityInput:
    data_source_id: strawberry.ID = strawberry.field(description="The DataSource.")


@strawberry.type(description="Result of recomputeSensitivity.")
class RecomputeSensitivityPayload:
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")
    assets_with_sensitivity: int | None = strawberry.field(
        default=None, description="Assets of the source that now have a sensitivity."
    )


def suggestion(label: label_model.Label, level: type_model.Sensitivity) -> ClassificationSuggestion:
    return ClassificationSuggestion(
        type_key=label.type_key,
        state=ClassificationState(label.state.value),
        source=ClassificationSource(label.source.value),
        confidence=label.confidence,
        sensitivity=cast(Sensitivity, Sensitivity.of(level)),
        evidence=cast(JSON, dict(label.evidence)),
        explanation=ClassificationEvidence.from_json(label.evidence),
    )
