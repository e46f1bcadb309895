"""Stored lineage edges: what persistence keeps for each source → target pair.

An edge joins two catalog assets at one level (TABLE: tables, views and
external placeholders; COLUMN: columns) and says where it came from
(provenance), how the value flows (transformation), whether labels may cross it
(``blocked``) and which job and run produced it. Edges are unique on
(source, target, provenance, job): writing the same edge again updates it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from racine.domain.catalog.model import utcnow
from racine.domain.lineage.model import (
    Provenance,
    Transformation,
    TransformationSubtype,
    TransformationType,
)

__all__ = ["EdgeKey", "EdgeLevel", "LineageEdge", "merge_edges", "stronger"]


class EdgeLevel(StrEnum):
    TABLE = "TABLE"
    COLUMN = "COLUMN"


EdgeKey = tuple[uuid.UUID, uuid.UUID, Provenance, uuid.UUID | None]


@dataclass(frozen=True, slots=True)
class LineageEdge:
    """Data of ``source_id`` flows into ``target_id``. Frozen and hashable, so a
    traversal can carry it as edge data."""

    source_id: uuid.UUID
    target_id: uuid.UUID
    level: EdgeLevel
    provenance: Provenance
    transformation: Transformation = field(
        default_factory=lambda: Transformation(TransformationType.DIRECT)
    )
    job_id: uuid.UUID | None = None
    run_id: uuid.UUID | None = None
    blocked: bool = False
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=utcnow, compare=False)
    updated_at: datetime = field(default_factory=utcnow, compare=False)

    def __hash__(self) -> int:  # by identity: traversal hashes edges a lot
        return hash(self.id)

    @property
    def key(self) -> EdgeKey:
        return (self.source_id, self.target_id, self.provenance, self.job_id)


_RANK = {
    TransformationSubtype.IDENTITY: 0,
    None: 1,
    TransformationSubtype.TRANSFORMATION: 1,
    TransformationSubtype.AGGREGATION: 2,
}


def _order(way: Transformation) -> tuple[int, int, int]:
    return (
        0 if way.type is TransformationType.DIRECT else 1,
        1 if way.masking else 0,
        _RANK.get(way.subtype, 3),
    )


def stronger(a: Transformation, b: Transformation) -> Transformation:
    """Of two ways one source column feeds one target, the one that carries the
    most of the value: DIRECT over INDIRECT, clear over masked, identity over
    computation over aggregation. One stored edge per pair keeps the first that
    would let a label through, so merging never hides a sensitive copy."""
    return a if _order(a) <= _order(b) else b


def merge_edges(edges: Iterable[LineageEdge]) -> list[LineageEdge]:
    """One edge per key, transformations merged with :func:`stronger`."""
    merged: dict[EdgeKey, LineageEdge] = {}
    for edge in edges:
        seen = merged.get(edge.key)
        if seen is None:
            merged[edge.key] = edge
        else:
            way = stronger(seen.transformation, edge.transformation)
            merged[edge.key] = replace(seen, transformation=way)
    return list(merged.values())
