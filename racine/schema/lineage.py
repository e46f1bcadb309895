"""Lineage area: edges between assets at table and column level, graph reads,
impact analysis, SQL ingestion and label propagation control.

Reads answer ``truncated`` (with a reason) instead of timing out: a walk stops
at 10,000 nodes, at its deadline or at the database statement timeout. The
mutations' inputs and payloads are in ``lineage_inputs``.
"""

from __future__ import annotations

import uuid
from base64 import b64encode
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import Enum
from typing import Self, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from racine.domain.catalog import model as catalog
from racine.domain.lineage import edges as edge_model
from racine.domain.lineage import use_cases as reads
from racine.domain.lineage.columns import EdgeColumns, NodeColumns
from racine.schema.catalog import Asset, AssetKind

__all__ = [
    "CompactLineageGraph",
    "LineageDirection",
    "LineageEdge",
    "LineageGraph",
    "LineageImpact",
    "LineageLevel",
    "LineageNode",
]


@strawberry.enum(description="Which way to walk: towards sources, towards consumers, or both.")
class LineageDirection(Enum):
    UPSTREAM = "UPSTREAM"
    DOWNSTREAM = "DOWNSTREAM"
    BOTH = "BOTH"


@strawberry.enum(description="TABLE: tables, views and external assets. COLUMN: columns.")
class LineageLevel(Enum):
    TABLE = "TABLE"
    COLUMN = "COLUMN"


@strawberry.enum(description="Where an edge came from.")
class LineageProvenance(Enum):
    MANUAL = "MANUAL"
    SQL = "SQL"
    OPENLINEAGE = "OPENLINEAGE"
    VIEW = "VIEW"
    SCAN = "SCAN"


@strawberry.enum(
    description="OpenLineage transformation type: DIRECT carries the value, "
    "INDIRECT only influences it (join, filter, grouping...)."
)
class TransformationType(Enum):
    DIRECT = "DIRECT"
    INDIRECT = "INDIRECT"


@strawberry.enum(
    description="OpenLineage transformation subtype. DIRECT: IDENTITY, "
    "TRANSFORMATION, AGGREGATION. INDIRECT: JOIN, GROUP_BY, FILTER, SORT, WINDOW, "
    "CONDITIONAL."
)
class TransformationSubtype(Enum):
    IDENTITY = "IDENTITY"
    TRANSFORMATION = "TRANSFORMATION"
    AGGREGATION = "AGGREGATION"
    JOIN = "JOIN"
    GROUP_BY = "GROUP_BY"
    FILTER = "FILTER"
    SORT = "SORT"
    WINDOW = "WINDOW"
    CONDITIONAL = "CONDITIONAL"


@strawberry.enum(description="Why a lineage walk stopped early.")
class LineageTruncation(Enum):
    MAX_NODES = "MAX_NODES"
    MAX_EDGES = "MAX_EDGES"
    DEADLINE = "DEADLINE"


@strawberry.type(description="A lineage edge: data of `source` flows into `target`.")
class LineageEdge(relay.Node):
    id: relay.NodeID[str]
    source_id: strawberry.ID = strawberry.field(description="Global id of the source asset.")
    target_id: strawberry.ID = strawberry.field(description="Global id of the target asset.")
    level: LineageLevel = strawberry.field(description="TABLE or COLUMN.")
    provenance: LineageProvenance = strawberry.field(description="Where the edge came from.")
    transformation_type: TransformationType = strawberry.field(description="DIRECT or INDIRECT.")
    transformation_subtype: TransformationSubtype | None = strawberry.field(
        description="How the value is derived; null when a producer did not say."
    )
    masking: bool = strawberry.field(
        description="The value passed through a hash or mask function."
    )
    description: str | None = strawberry.field(
        description="Producer's words on the transformation."
    )
    blocked: bool = strawberry.field(
        description="Labels do not propagate across this edge (set by a steward)."
    )
    propagates: bool = strawberry.field(
        description="Whether classifications and terms flow across this edge: DIRECT, not "
        "masked, not an aggregation, not blocked."
    )
    job_id: strawberry.ID | None = strawberry.field(
        description="Global id of the JOB asset that produced the edge, if any."
    )
    run_id: strawberry.ID | None = strawberry.field(
        description="Global id of the RUN asset that last wrote the edge, if any."
    )
    hop: int | None = strawberry.field(
        description="In a lineage graph: hops from the start at which it was found."
    )
    created_at: datetime = strawberry.field(description="First recorded (UTC).")
    updated_at: datetime = strawberry.field(description="Last rewritten (UTC).")

    @classmethod
    def from_domain(cls, e: edge_model.LineageEdge, hop: int | None = None) -> Self:
        return cls.many([(e, hop)])[0]

    @classmethod
    def many(cls, edges: Iterable[tuple[edge_model.LineageEdge, int | None]]) -> list[Self]:
        """Convert many edges at once: asset ids are encoded once each and enum
        members looked up in dicts (a graph has up to 50,000 edges)."""
        from racine.domain.lineage.propagation import (
            PropagationEdge,
            PropagationPolicy,
            edge_allows,
        )

        policy = PropagationPolicy()
        ids: dict[uuid.UUID, str] = {}

        def asset(ident: uuid.UUID) -> strawberry.ID:
            found = ids.get(ident)
            if found is None:
                found = ids[ident] = _global_id("Asset", ident)
            return strawberry.ID(found)

        out: list[Self] = []
        for e, hop in edges:
            way = e.transformation
            out.append(cls(
                id=str(e.id), source_id=asset(e.source_id), target_id=asset(e.target_id),
                level=_LEVELS[e.level.value], provenance=_PROVENANCES[e.provenance.value],
                transformation_type=_TYPES[way.type.value],
                transformation_subtype=_SUBTYPES[way.subtype.value] if way.subtype else None,
                masking=way.masking, description=way.description, blocked=e.blocked,
                propagates=edge_allows(
                    PropagationEdge(e.source_id, e.target_id, way, e.blocked), policy),
                job_id=asset(e.job_id) if e.job_id else None,
                run_id=asset(e.run_id) if e.run_id else None,
                hop=hop, created_at=e.created_at, updated_at=e.updated_at,
            ))  # fmt: skip
        return out

    @classmethod
    def ends(cls, columns: EdgeColumns, nodes: Sequence[uuid.UUID]) -> list[Self]:
        """Edges carrying only id, ends and hop: for a selection of no other field
        (the resolver checks, see ``racine.resolvers.lineage``). Built without
        ``__init__``: a 10-hop graph has ~20,000 edges and the other 12 fields
        would be placeholders nobody reads. ``nodes``: the graph's node ids (every
        edge end is one), encoded once each in one pass."""
        gid = dict(zip(nodes, _global_ids("Asset", nodes), strict=True))
        out: list[Self] = []
        new = object.__new__
        for ident, source, target, hop in zip(
            columns.ids,
            map(gid.__getitem__, columns.sources),
            map(gid.__getitem__, columns.targets),
            columns.hops,
            strict=True,
        ):
            edge = new(cls)
            edge.__dict__.update(id=str(ident), source_id=source, target_id=target, hop=hop)
            out.append(edge)
        return out


_LEVELS = {m.value: m for m in LineageLevel}
_ASSET_KINDS = {m.value: m for m in AssetKind}
_DOMAIN_KINDS = {m.value: m for m in catalog.AssetKind}
_PROVENANCES = {m.value: m for m in LineageProvenance}
_TYPES = {m.value: m for m in TransformationType}
_SUBTYPES = {m.value: m for m in TransformationSubtype}


@strawberry.type(description="An asset reached by a lineage walk.")
class LineageNode:
    asset: Asset = strawberry.field(description="The asset.")
    hop: int = strawberry.field(description="Hops from the start (0 for the start itself).")

    @classmethod
    def summaries(cls, nodes: NodeColumns) -> list[Self]:
        """Nodes whose assets were read as summaries, for a selection of nothing on
        ``asset`` beyond id, kind and names (the resolver checks, see
        ``racine.resolvers.lineage``). The first node is built through
        ``Asset.from_domain``; the others copy its attributes and change the ones a
        summary sets, without ``__init__`` (a node and its asset through the
        dataclass constructors cost ~6 µs, more than GraphQL then spends on them)."""
        if not len(nodes):
            return []
        summaries = nodes.assets
        first = summaries.asset(0)
        asset_of, node_of = Asset.from_domain(first).__dict__, first.__dict__
        new = object.__new__
        out: list[Self] = []
        for k, (ident, kind, name, qualified, source, parent, position, hop) in enumerate(
            zip(
                summaries.ids,
                summaries.kinds,
                summaries.names,
                summaries.qualified_names,
                summaries.source_ids,
                summaries.parent_ids,
                summaries.positions,
                nodes.hops,
                strict=True,
            )
        ):
            raw = first if k == 0 else new(catalog.Asset)
            if k:
                raw.__dict__.update(
                    node_of,
                    id=ident,
                    kind=_DOMAIN_KINDS[kind],
                    name=name,
                    qualified_name=qualified,
                    source_id=source,
                    parent_id=parent,
                    position=position,
                )
            asset = new(Asset)
            asset.__dict__.update(
                asset_of,
                id=str(ident),
                kind=_ASSET_KINDS[kind],
                name=name,
                qualified_name=qualified,
                raw=raw,
            )
            node = new(cls)
            node.__dict__.update(asset=asset, hop=hop)
            out.append(node)
        return out


def _global_id(type_name: str, ident: object) -> str:
    """``encode_id`` without building a GlobalID object: a graph encodes thousands."""
    return b64encode(f"{type_name}:{ident}".encode()).decode()


def _global_ids(type_name: str, idents: Iterable[uuid.UUID]) -> list[str]:
    """``_global_id`` of many UUIDs with one base64 pass: ``Asset:`` and
    ``LineageEdge:`` are multiples of 3 bytes long and a UUID's text 36, so each id
    encodes to a fixed-width, unpadded slice of the encoding of their concatenation
    (10,000 ids: one C call instead of 10,000)."""
    prefix = f"{type_name}:"
    size = len(prefix) + 36
    if size % 3:  # a prefix that breaks the alignment: one at a time
        return [_global_id(type_name, i) for i in idents]
    text = b64encode("".join(f"{prefix}{i}" for i in idents).encode()).decode()
    width = size // 3 * 4
    return [text[k : k + width] for k in range(0, len(text), width)]


@strawberry.type(
    description="The same graph as `nodes`/`edges`, as parallel JSON arrays: "
    "entry i of every node array describes node i (in `nodes` order, nearest "
    "first); entry j of every edge array describes edge j (in `edges` order). "
    "Meant for drawing large graphs: a few arrays cost far less to produce and "
    "send than one object per node and edge. Each array is built only when "
    "selected. Same caps as the graph: at most 10,000 nodes and 50,000 edges."
)
class CompactLineageGraph:
    graph: strawberry.Private[reads.LineageGraph]
    index: strawberry.Private[dict[uuid.UUID, int] | None] = None

    @strawberry.field(description="JSON array of strings: Asset global ids, one per node.")
    def node_ids(self) -> JSON:
        return cast(JSON, _global_ids("Asset", self.graph.node_columns.ids))

    @strawberry.field(
        description="JSON array of integers: hops from the start, one per node (0 for the start)."
    )
    def hops(self) -> JSON:
        return cast(JSON, self.graph.node_columns.hops)

    @strawberry.field(
        description="JSON array of strings: asset kinds (COLUMN, TABLE, ...), one per node."
    )
    def kinds(self) -> JSON:
        return cast(JSON, self.graph.node_columns.assets.kinds)

    @strawberry.field(description="JSON array of strings: asset names, one per node.")
    def names(self) -> JSON:
        return cast(JSON, self.graph.node_columns.assets.names)

    @strawberry.field(description="JSON array of strings: qualified names, one per node.")
    def qualified_names(self) -> JSON:
        return cast(JSON, self.graph.node_columns.assets.qualified_names)

    @strawberry.field(description="JSON array of strings: LineageEdge global ids, one per edge.")
    def edge_ids(self) -> JSON:
        return cast(JSON, _global_ids("LineageEdge", self.graph.edge_columns.ids))

    @strawberry.field(
        description="JSON array of integers: index (into the node arrays) of each edge's source."
    )
    def edge_sources(self) -> JSON:
        return cast(JSON, list(map(self._index().__getitem__, self.graph.edge_columns.sources)))

    @strawberry.field(
        description="JSON array of integers: index (into the node arrays) of each edge's target."
    )
    def edge_targets(self) -> JSON:
        return cast(JSON, list(map(self._index().__getitem__, self.graph.edge_columns.targets)))

    @strawberry.field(description="JSON array of integers: hop at which each edge was found.")
    def edge_hops(self) -> JSON:
        return cast(JSON, self.graph.edge_columns.hops)

    @strawberry.field(
        description="JSON array of strings: transformation type of each edge (DIRECT or INDIRECT)."
    )
    def edge_types(self) -> JSON:
        return cast(JSON, [e.transformation.type.value for e, _ in self.graph.edges])

    def _index(self) -> dict[uuid.UUID, int]:
        """Node id -> position in the node arrays (built once per graph)."""
        if self.index is None:
            ids = self.graph.node_columns.ids
            self.index = dict(zip(ids, range(len(ids)), strict=True))
        return self.index


@strawberry.type(description="A lineage graph around one asset. At most 10,000 nodes.")
class LineageGraph:
    root: Asset = strawberry.field(description="The asset the walk started from.")
    level: LineageLevel = strawberry.field(description="The level walked.")
    truncated: bool = strawberry.field(
        description="The walk stopped early (node cap, deadline or statement timeout): "
        "the graph is partial."
    )
    truncation_reason: LineageTruncation | None = strawberry.field(
        description="Why the walk stopped early; null when complete."
    )
    graph: strawberry.Private[reads.LineageGraph]

    @strawberry.field(
        description="Reached assets, nearest first (the start included, hop 0). "
        "At most 10,000. For large graphs `compact` is much cheaper."
    )
    def nodes(self) -> list[LineageNode]:
        if self.graph.assets is not None:  # read in full: the selection shows more
            return [LineageNode(asset=Asset.from_domain(a), hop=h) for a, h in self.graph.nodes]
        return LineageNode.summaries(self.graph.node_columns)

    @strawberry.field(
        description="Edges between reached assets. At most 50,000. For large "
        "graphs `compact` is much cheaper."
    )
    def edges(self) -> list[LineageEdge]:
        if self.graph.details is None:  # the query selects only ids, ends and hops
            return LineageEdge.ends(self.graph.edge_columns, self.graph.node_columns.ids)
        return LineageEdge.many(self.graph.edges)

    @strawberry.field(
        description="The same nodes and edges as parallel JSON arrays (ids, "
        "hops, names, edge ends as node indexes): the fast way to fetch a "
        "graph of thousands of nodes."
    )
    def compact(self) -> CompactLineageGraph:
        return CompactLineageGraph(graph=self.graph)

    @classmethod
    def from_domain(cls, g: reads.LineageGraph) -> Self:
        return cls(
            root=Asset.from_domain(g.root),
            level=LineageLevel(g.level.value),
            truncated=g.truncated,
            truncation_reason=LineageTruncation(g.reason.value) if g.reason else None,
            graph=g,
        )


@strawberry.type(description="Downstream assets sharing one key (a kind, an owner, a label).")
class ImpactGroup:
    key: str = strawberry.field(description="The kind, owner name or classification type.")
    assets: list[Asset] = strawberry.field(description="The assets, nearest first.")


@strawberry.type(description="Who and what is affected downstream of an asset.")
class LineageImpact:
    root: Asset = strawberry.field(description="The asset analysed.")
    total: int = strawberry.field(description="Downstream assets reached (start excluded).")
    by_kind: list[ImpactGroup] = strawberry.field(description="Reached assets by kind.")
    by_owner: list[ImpactGroup] = strawberry.field(
        description="Reached assets by owner name (an asset appears under each owner)."
    )
    unowned: list[Asset] = strawberry.field(description="Reached assets without an owner.")
    classifications: list[ImpactGroup] = strawberry.field(
        description="Classification types (not REJECTED) held by reached assets, or by the "
        "columns of reached tables: the sensitive data that flows there."
    )
    truncated: bool = strawberry.field(description="The walk stopped early; counts are partial.")

    @classmethod
    def from_domain(cls, r: reads.ImpactReport) -> Self:
        def group(items: dict[str, list[uuid.UUID]]) -> list[ImpactGroup]:
            return [
                ImpactGroup(
                    key=k, assets=[Asset.from_domain(r.assets[i]) for i in ids if i in r.assets]
                )
                for k, ids in items.items()
            ]

        return cls(
            root=Asset.from_domain(r.root),
            total=len(r.distance),
            by_kind=group(r.by_kind),
            by_owner=group(r.by_owner),
            unowned=[Asset.from_domain(r.assets[i]) for i in r.unowned if i in r.assets],
            classifications=group(r.classifications),
            truncated=r.truncated,
        )
