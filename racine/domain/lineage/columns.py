"""Lineage graphs as parallel lists: how a large graph is walked, kept and sent.

A 10-hop walk capped at 10,000 nodes finds ~20,000 edges. Building an object per
edge (a ``LineageEdge``, an ``Edge``, a schema object) cost more than the walk
itself, while a graph page needs only each edge's id and two ends. So the store
hands the walk back as arrays (:class:`EdgeArrays`), the read keeps them as
:class:`EdgeColumns`, and objects are built only when a reader asks for edge
details. Nodes likewise: the store reads the reached assets' summaries as
arrays (:class:`AssetSummaries`), the read orders them into :class:`NodeColumns`,
and an ``Asset`` per node is built only when a reader asks for ``nodes``
(10,000 summary ``Asset`` objects and their sort cost ~40 ms of CPU).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, overload

from racine.domain.catalog.model import Asset, AssetKind
from racine.domain.lineage.graph import Edge

__all__ = ["AssetSummaries", "EdgeArrays", "EdgeColumns", "NodeColumns"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # summaries carry no timestamps
_KINDS = {m.value: m for m in AssetKind}


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


class EdgeColumns:
    """A graph's edges: entry j of each list describes edge j (its id, the source
    and target asset ids, the hop at which it was found). ``hops`` is computed on
    first access from the nodes' hops when not given (the larger hop of an
    edge's two ends): most readers never ask for it (~20,000 edges at the cap)."""

    __slots__ = ("_hops", "_node_hops", "ids", "sources", "targets")

    def __init__(
        self,
        ids: list[uuid.UUID],
        sources: list[uuid.UUID],
        targets: list[uuid.UUID],
        hops: list[int] | None = None,
        *,
        node_hops: Mapping[uuid.UUID, int] | None = None,
    ) -> None:
        if hops is None and node_hops is None:
            raise ValueError("give the edges' hops or the nodes' hops")
        self.ids, self.sources, self.targets = ids, sources, targets
        self._hops, self._node_hops = hops, node_hops

    @property
    def hops(self) -> list[int]:
        if self._hops is None:
            assert self._node_hops is not None
            hop = self._node_hops.__getitem__  # C loops over ~20,000 edges
            self._hops = list(map(max, map(hop, self.sources), map(hop, self.targets)))
        return self._hops

    def __len__(self) -> int:
        return len(self.ids)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EdgeColumns):
            return NotImplemented
        return (self.ids, self.sources, self.targets, self.hops) == (
            other.ids,
            other.sources,
            other.targets,
            other.hops,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"EdgeColumns({len(self)} edges)"

    @classmethod
    def empty(cls) -> EdgeColumns:
        return cls([], [], [], [])


_SUMMARY_FIELDS = (
    "ids",
    "kinds",
    "names",
    "qualified_names",
    "source_ids",
    "parent_ids",
    "positions",
)


@dataclass(slots=True)
class AssetSummaries:
    """Id, kind (its value), names, source, parent and position of assets, as
    parallel lists: what a graph page shows per node, read without the JSON
    columns or timestamps. Entry i of each list describes one asset; an id may
    appear once only."""

    ids: list[uuid.UUID] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    qualified_names: list[str] = field(default_factory=list)
    source_ids: list[uuid.UUID | None] = field(default_factory=list)
    parent_ids: list[uuid.UUID | None] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def extend(self, columns: Sequence[Sequence[Any]]) -> None:
        """Append seven parallel sequences, in the order of the fields above."""
        for name, values in zip(_SUMMARY_FIELDS, columns, strict=True):
            getattr(self, name).extend(values)

    def asset(self, i: int) -> Asset:
        """Entry i as an ``Asset``: empty description, properties, detail and
        profile, epoch timestamps (never handed to a field that shows them)."""
        return Asset(
            kind=_KINDS[self.kinds[i]], name=self.names[i],
            qualified_name=self.qualified_names[i], source_id=self.source_ids[i],
            parent_id=self.parent_ids[i], id=self.ids[i], position=self.positions[i],
            created_at=_EPOCH, updated_at=_EPOCH)  # fmt: skip

    def as_dict(self) -> dict[uuid.UUID, Asset]:
        return {i: self.asset(k) for k, i in enumerate(self.ids)}

    @classmethod
    def of(cls, assets: Iterable[Asset]) -> AssetSummaries:
        out = cls()
        for a in assets:
            out.ids.append(a.id)
            out.kinds.append(a.kind.value)
            out.names.append(a.name)
            out.qualified_names.append(a.qualified_name)
            out.source_ids.append(a.source_id)
            out.parent_ids.append(a.parent_id)
            out.positions.append(a.position)
        return out


class NodeColumns:
    """A graph's nodes, nearest first (by hop, then qualified name): entry i of
    ``ids`` and ``hops`` describes node i, and so does entry i of each list of
    ``assets`` (its summary; picked out on first access)."""

    __slots__ = ("_picked", "_read", "_rows", "hops", "ids")

    def __init__(self, read: AssetSummaries, rows: list[int], hops: list[int]) -> None:
        self._read, self._rows, self.hops = read, rows, hops
        self.ids: list[uuid.UUID] = list(map(read.ids.__getitem__, rows))
        self._picked: AssetSummaries | None = None

    @property
    def assets(self) -> AssetSummaries:
        if self._picked is None:
            take = self._rows
            self._picked = AssetSummaries(
                *(
                    list(map(getattr(self._read, name).__getitem__, take))
                    for name in _SUMMARY_FIELDS
                )
            )
        return self._picked

    def __len__(self) -> int:
        return len(self.hops)

    @classmethod
    def ordered(cls, reached: Mapping[uuid.UUID, int], read: AssetSummaries) -> NodeColumns:
        """The reached nodes (id -> hop) that ``read`` describes (an asset gone since
        the walk is left out; ``read`` may hold more), sorted by hop, then qualified
        name. Index arithmetic in C (``map`` over bound methods), no object per node."""
        where = dict(zip(read.ids, range(len(read.ids)), strict=True))
        rows = list(map(where.__getitem__, filter(where.__contains__, reached)))
        hops = list(map(reached.__getitem__, map(read.ids.__getitem__, rows)))
        names = list(map(read.qualified_names.__getitem__, rows))
        order = sorted(range(len(rows)), key=names.__getitem__)
        order.sort(key=hops.__getitem__)  # stable: by hop, then by name
        return cls(read, list(map(rows.__getitem__, order)), list(map(hops.__getitem__, order)))
