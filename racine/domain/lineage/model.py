"""Lineage vocabulary shared by the SQL parser, OpenLineage intake, traversal and
propagation.

The transformation taxonomy is OpenLineage's (column lineage facet, spec 1.x):
DIRECT edges carry the value itself (copied, computed or aggregated), INDIRECT
edges only influence which rows or which value is produced (joins, filters,
grouping, sorting, windows, CASE conditions). Keeping the two apart matters:
propagation of sensitive-data labels follows DIRECT edges only, and impact
analysis may show INDIRECT ones faded.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from racine.domain.errors import ValidationFailed

__all__ = [
    "ColumnEdge",
    "ColumnRef",
    "Provenance",
    "TableEdge",
    "Transformation",
    "TransformationSubtype",
    "TransformationType",
]


class Provenance(StrEnum):
    """Where an edge came from; decides who may overwrite or delete it."""

    MANUAL = "MANUAL"
    SQL = "SQL"
    OPENLINEAGE = "OPENLINEAGE"
    VIEW = "VIEW"
    SCAN = "SCAN"


class TransformationType(StrEnum):
    DIRECT = "DIRECT"
    INDIRECT = "INDIRECT"


class TransformationSubtype(StrEnum):
    # DIRECT
    IDENTITY = "IDENTITY"
    TRANSFORMATION = "TRANSFORMATION"
    AGGREGATION = "AGGREGATION"
    # INDIRECT
    JOIN = "JOIN"
    GROUP_BY = "GROUP_BY"
    FILTER = "FILTER"
    SORT = "SORT"
    WINDOW = "WINDOW"
    CONDITIONAL = "CONDITIONAL"

    @property
    def type(self) -> TransformationType:
        """The type this subtype belongs to."""
        return _SUBTYPE_TYPE[self]


_SUBTYPE_TYPE = {
    TransformationSubtype.IDENTITY: TransformationType.DIRECT,
    TransformationSubtype.TRANSFORMATION: TransformationType.DIRECT,
    TransformationSubtype.AGGREGATION: TransformationType.DIRECT,
    TransformationSubtype.JOIN: TransformationType.INDIRECT,
    TransformationSubtype.GROUP_BY: TransformationType.INDIRECT,
    TransformationSubtype.FILTER: TransformationType.INDIRECT,
    TransformationSubtype.SORT: TransformationType.INDIRECT,
    TransformationSubtype.WINDOW: TransformationType.INDIRECT,
    TransformationSubtype.CONDITIONAL: TransformationType.INDIRECT,
}

# Strength order of DIRECT subtypes when a value flows through several steps:
# md5(x) then SUM(...) is an aggregation; a copy of a computed value is a computation.
_DIRECT_RANK = {
    TransformationSubtype.IDENTITY: 0,
    TransformationSubtype.TRANSFORMATION: 1,
    TransformationSubtype.AGGREGATION: 2,
}


@dataclass(frozen=True, slots=True)
class Transformation:
    """How a source column contributes to a target.

    ``subtype`` is ``None`` only when an OpenLineage producer sent a type without a
    subtype. ``masking`` is True when the value passed through a hash or mask
    function (md5, sha2, mask, regexp_replace, ...), so the target no longer exposes
    the source value as is.
    """

    type: TransformationType
    subtype: TransformationSubtype | None = None
    masking: bool = False
    description: str | None = None

    def __post_init__(self) -> None:
        if self.subtype is not None and self.subtype.type is not self.type:
            raise ValidationFailed(
                f"subtype {self.subtype.value} does not belong to type {self.type.value}",
                field="subtype",
            )

    @classmethod
    def of(cls, subtype: TransformationSubtype, *, masking: bool = False) -> Transformation:
        """Shorthand: the type follows from the subtype."""
        return cls(subtype.type, subtype, masking)

    def then(self, outer: Transformation) -> Transformation:
        """Compose ``self`` (inner step) with ``outer`` (the step applied after it).

        Any INDIRECT step makes the chain INDIRECT (the outer subtype wins, since it
        says how the final target uses the value); for DIRECT chains the strongest
        subtype wins; masking anywhere masks the whole chain.
        """
        masking = self.masking or outer.masking
        if outer.type is TransformationType.INDIRECT:
            return Transformation(outer.type, outer.subtype, masking)
        if self.type is TransformationType.INDIRECT:
            return Transformation(self.type, self.subtype, masking)
        inner_rank = _DIRECT_RANK.get(self.subtype, 1) if self.subtype else 1
        outer_rank = _DIRECT_RANK.get(outer.subtype, 1) if outer.subtype else 1
        subtype = self.subtype if inner_rank >= outer_rank else outer.subtype
        return Transformation(TransformationType.DIRECT, subtype, masking)


@dataclass(frozen=True, slots=True, order=True)
class ColumnRef:
    """A column of a table, by the table's qualified name (as the catalog spells it)."""

    table: str
    column: str


@dataclass(frozen=True, slots=True)
class ColumnEdge:
    """``source`` feeds ``target_column`` of ``target_table``.

    ``target_column`` is ``None`` for dataset-wide INDIRECT influence (a JOIN key,
    WHERE, GROUP BY or ORDER BY column affects every row of the target, not one
    column; OpenLineage models the same thing with the facet's ``dataset`` list).
    ``target_table`` is ``None`` for a plain SELECT, whose target is the result set.
    """

    source: ColumnRef
    target_table: str | None
    target_column: str | None
    transformation: Transformation


@dataclass(frozen=True, slots=True)
class TableEdge:
    """Table-level lineage: data of ``source`` flows into ``target``.

    ``type`` is DIRECT when at least one column value flows, INDIRECT when the
    source only filters or joins (e.g. ``WHERE id IN (SELECT ... FROM source)``).
    """

    source: str
    target: str
    type: TransformationType = TransformationType.DIRECT
