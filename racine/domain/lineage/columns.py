"""Lineage edges as parallel lists: how a large graph is walked, kept and sent.

A 10-hop walk capped at 10,000 nodes finds ~20,000 edges. Building an object per
edge (a ``LineageEdge``, an ``Edge``, a schema object) cost more than the walk
itself, while a graph page needs only each edge's id and two ends. So the store
hands the walk back as arrays (:class:`EdgeArrays`), the read keeps them as
:class:`EdgeColumns`, and objects are built only when a reader asks for edge
details.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

from racine.domain.lineage.graph import Edge

__all__ = ["EdgeArrays", "EdgeColumns"]


class EdgeArrays(Sequence[Edge[uuid.UUID]]):
    """A walk's edges as three parallel lists (edge id, source, target); behaves as
    a sequence of ``Edge(source, target, data=edge id)`` built on access."""

    __slots__ = ("ids", "sources", "targets")

    def __init__(
        self, ids: list[uuid.UUID], sources: list[uuid.UUID], targets: list[uuid.UUID]
    ) -> None:
        self.ids, self.sources, self.targets = ids, sources, targets

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Edge[uuid.UUID]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Edge[uuid.UUID]]: ...
    def __getitem__(self, index: int | slice) -> Edge[uuid.UUID] | Sequence[Edge[uuid.UUID]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return Edge(self.sources[index], self.targets[index], self.ids[index])


@dataclass(frozen=True, slots=True)
class EdgeColumns:
    """A graph's edges: entry j of each list describes edge j (its id, the source
    and target asset ids, the hop at which it was found)."""

    ids: list[uuid.UUID]
    sources: list[uuid.UUID]
    targets: list[uuid.UUID]
    hops: list[int]

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def empty(cls) -> EdgeColumns:
        return cls([], [], [], [])
