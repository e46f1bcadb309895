"""Results of classification: labels with state, source, confidence, evidence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["ColumnVerdict", "Label", "LabelSource", "LabelState"]


class LabelState(StrEnum):
    SUGGESTED = "SUGGESTED"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"


class LabelSource(StrEnum):
    MANUAL = "MANUAL"
    RULE = "RULE"
    ML = "ML"
    PROPAGATED = "PROPAGATED"


@dataclass(frozen=True, slots=True)
class Label:
    """One type applied to one column.

    ``evidence`` is JSON-serialisable: rules fired, match ratio, sample size,
    model probability, and notes such as ``sparse`` for free text.
    """

    type_key: str
    confidence: float
    state: LabelState
    source: LabelSource
    evidence: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ColumnVerdict:
    """Labels for one column, best first, plus why evidence was lacking if it was."""

    column_name: str
    labels: list[Label]
    insufficient_evidence: str | None = None
    sample_size: int = 0
    null_count: int = 0
    distinct_count: int = 0

    @property
    def top(self) -> Label | None:
        return self.labels[0] if self.labels else None
