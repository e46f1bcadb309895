"""Lineage use cases: edit edges by hand, read the graph, analyse impact.

Writers run in one unit of work, audit, and emit ``LINEAGE_CHANGED`` naming the
columns whose labels must be recomputed downstream (propagation runs as a job).
Readers first ask the store for the whole bounded walk in one statement
(``uow.lineage.walk``: PostgreSQL); where it has none (SQLite), or that statement
hit the timeout, they walk with :func:`~racine.domain.lineage.graph.traverse`, one
indexed query per hop. Both run under a node cap, a deadline and the statement
timeout, and answer ``truncated`` instead of timing out.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.catalog.editable import editable
from racine.domain.catalog.model import Asset, AssetKind
from racine.domain.errors import LimitExceeded, NotFound, ValidationFailed
from racine.domain.lineage.columns import AssetSummaries, EdgeArrays, EdgeColumns, NodeColumns
from racine.domain.lineage.edges import EdgeLevel, LineageEdge, merge_edges
from racine.domain.lineage.events import lineage_changed
from racine.domain.lineage.graph import (
    MAX_DEPTH,
    Direction,
    Edge,
    NodeFacts,
    Traversal,
    TruncationReason,
    impact,
    traverse,
)
from racine.domain.lineage.model import (
    Provenance,
    Transformation,
    TransformationSubtype,
)
from racine.domain.lineage.ports import LineageUnitOfWork

__all__ = [
    "MAX_EDGES_PER_CALL",
    "AddEdges",
    "EdgeSpec",
    "ImpactReport",
    "LineageGraph",
    "LineageQuery",
    "RemoveEdges",
    "add_lineage_edges",
    "level_of",
    "lineage_impact",
    "read_lineage",
    "remove_lineage_edges",
    "set_edge_propagation",
]

MAX_EDGES_PER_CALL = 100
MAX_NODES = 10_000
READ_DEADLINE_S = 5.0
STATEMENT_TIMEOUT_MS = 5_000
TABLE_KINDS = frozenset({AssetKind.TABLE, AssetKind.VIEW, AssetKind.EXTERNAL})


def level_of(asset: Asset) -> EdgeLevel:
    return EdgeLevel.COLUMN if asset.kind is AssetKind.COLUMN else EdgeLevel.TABLE


# -- writing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EdgeSpec:
    """One edge to add. Both ends are columns (column level) or both are tables,
    views or external placeholders (table level). No transformation means a
    DIRECT IDENTITY copy."""

    source_id: uuid.UUID
    target_id: uuid.UUID
    transformation: Transformation | None = None


@dataclass(frozen=True)
class AddEdges:
    edges: tuple[EdgeSpec, ...]


@dataclass(frozen=True)
class RemoveEdges:
    """Edges by id, or every MANUAL edge between the given (source, target) pairs."""

    edge_ids: tuple[uuid.UUID, ...] = ()
    pairs: tuple[tuple[uuid.UUID, uuid.UUID], ...] = ()


def _check_count(count: int, field_name: str) -> None:
    if count == 0:
        raise ValidationFailed("give at least one edge", field=field_name)
    if count > MAX_EDGES_PER_CALL:
        raise LimitExceeded(f"at most {MAX_EDGES_PER_CALL} edges per call", field=field_name)


def _level(source: Asset, target: Asset, index: int) -> EdgeLevel:
    if source.kind is AssetKind.COLUMN and target.kind is AssetKind.COLUMN:
        return EdgeLevel.COLUMN
    if source.kind in TABLE_KINDS and target.kind in TABLE_KINDS:
        return EdgeLevel.TABLE
    raise ValidationFailed(
        "an edge joins two columns, or two tables/views/external assets",
        field=f"edges[{index}]",
    )


async def _origins(uow: LineageUnitOfWork, sources: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Sources whose copies may change when edges leaving ``sources`` change."""
    copies = await uow.lineage.propagated(assets=list(sources))
    return {*sources, *(c.source_asset for c in copies)}


async def add_lineage_edges(
    uow: LineageUnitOfWork, actor: Principal, cmd: AddEdges
) -> list[LineageEdge]:
    """Add MANUAL edges (idempotent: the same pair again updates its transformation)."""
    actor.require(Role.STEWARD)
    _check_count(len(cmd.edges), "edges")
    async with uow:
        ids = {i for spec in cmd.edges for i in (spec.source_id, spec.target_id)}
        assets: dict[uuid.UUID, Asset] = await uow.catalog.get_many(list(ids))
        edges: list[LineageEdge] = []
        for index, spec in enumerate(cmd.edges):
            source = editable(assets.get(spec.source_id), field=f"edges[{index}].sourceId")
            target = editable(assets.get(spec.target_id), field=f"edges[{index}].targetId")
            if source.id == target.id:
                raise ValidationFailed("an edge needs two assets", field=f"edges[{index}]")
            way = spec.transformation or Transformation.of(TransformationSubtype.IDENTITY)
            edges.append(
                LineageEdge(
                    source.id, target.id, _level(source, target, index), Provenance.MANUAL, way
                )
            )
        stored = await uow.lineage.upsert_edges(merge_edges(edges))
        columns = [e.source_id for e in stored if e.level is EdgeLevel.COLUMN]
        await record(
            uow,
            actor,
            "lineage.add_edges",
            "LineageEdge",
            None,
            {"edges": [_diff(e) for e in stored]},
        )
        uow.emit(lineage_changed([e.id for e in stored], await _origins(uow, columns), assets))
        await uow.commit()
    return stored


async def remove_lineage_edges(
    uow: LineageUnitOfWork, actor: Principal, cmd: RemoveEdges
) -> list[LineageEdge]:
    """Remove edges of any provenance by id, or MANUAL ones by pair; returns them.
    A missing id raises NOT_FOUND and removes nothing."""
    actor.require(Role.STEWARD)
    _check_count(len(cmd.edge_ids) + len(cmd.pairs), "edgeIds")
    async with uow:
        found: dict[uuid.UUID, LineageEdge] = await uow.lineage.get_many(list(cmd.edge_ids))
        for index, edge_id in enumerate(cmd.edge_ids):
            if edge_id not in found:
                raise NotFound("LineageEdge", field=f"edgeIds[{index}]")
        if cmd.pairs:
            manual = await uow.lineage.between(list(cmd.pairs), Provenance.MANUAL)
            if not manual:
                raise NotFound("LineageEdge", field="pairs")
            found.update({e.id: e for e in manual})
        removed = list(found.values())
        await uow.lineage.delete([e.id for e in removed])
        columns = [e.source_id for e in removed if e.level is EdgeLevel.COLUMN]
        await record(
            uow,
            actor,
            "lineage.remove_edges",
            "LineageEdge",
            None,
            {"edges": [_diff(e) for e in removed]},
        )
        ends = await uow.catalog.lean([i for e in removed for i in (e.source_id, e.target_id)])
        uow.emit(lineage_changed([e.id for e in removed], await _origins(uow, columns), ends))
        await uow.commit()
    return removed


async def set_edge_propagation(
    uow: LineageUnitOfWork, actor: Principal, edge_id: uuid.UUID, blocked: bool
) -> LineageEdge:
    """Block (or unblock) label propagation across one edge."""
    actor.require(Role.STEWARD)
    async with uow:
        edge = (await uow.lineage.get_many([edge_id])).get(edge_id)
        if edge is None:
            raise NotFound("LineageEdge", field="edgeId")
        if edge.blocked != blocked:
            await uow.lineage.set_blocked(edge_id, blocked)
            await record(
                uow,
                actor,
                "lineage.set_propagation",
                "LineageEdge",
                edge_id,
                {"blocked": {"before": edge.blocked, "after": blocked}},
            )
            ends = await uow.catalog.lean([edge.source_id, edge.target_id])
            uow.emit(lineage_changed([edge_id], await _origins(uow, [edge.source_id]), ends))
            edge = replace(edge, blocked=blocked)
        await uow.commit()
    return edge


def _diff(edge: LineageEdge) -> dict[str, object]:
    way = edge.transformation
    return {
        "id": edge.id, "sourceId": edge.source_id, "targetId": edge.target_id,
        "level": edge.level, "provenance": edge.provenance, "type": way.type,
        "subtype": way.subtype, "masking": way.masking,
    }  # fmt: skip


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineageQuery:
    """``level`` None follows the asset: COLUMN for a column, TABLE otherwise."""

    asset_id: uuid.UUID
    direction: Direction = Direction.BOTH
    depth: int = 3
    level: EdgeLevel | None = None
    max_nodes: int = MAX_NODES
    deadline_s: float = READ_DEADLINE_S
    summary: bool = False
    """Reached assets need only id, kind and names (no description, properties,
    detail, profile or timestamps): the reader asked for nothing more."""
    edge_details: bool = True
    """Read each edge's provenance, transformation, job and stamps. False: the
    reader needs only edge ids, ends and hops, and ``LineageGraph.edges`` is
    unavailable (``edge_columns`` has what was read)."""

    def __post_init__(self) -> None:
        if not 0 <= self.depth <= MAX_DEPTH:
            raise LimitExceeded(f"depth must be between 0 and {MAX_DEPTH}", field="depth")
        if not 1 <= self.max_nodes <= MAX_NODES:
            raise LimitExceeded(f"maxNodes must be between 1 and {MAX_NODES}", field="maxNodes")


@dataclass
class LineageGraph:
    """Reached assets with their hop distance (0 for the start), nearest first (by
    hop, then qualified name), as columns; the edges between them, each with the
    hop at which it was found (the larger hop of its two ends), as columns;
    ``details`` holds each edge in full when the query asked for them, ``assets``
    each reached asset in full unless the query asked for summaries."""

    root: Asset
    level: EdgeLevel
    node_columns: NodeColumns
    edge_columns: EdgeColumns
    truncated: bool = False
    reason: TruncationReason | None = None
    details: Mapping[uuid.UUID, LineageEdge] | None = None
    assets: Mapping[uuid.UUID, Asset] | None = None

    @cached_property
    def nodes(self) -> list[tuple[Asset, int]]:
        """Each node as an ``Asset`` (a summary one unless read in full) with its hop:
        built on first access, for readers that want objects."""
        columns = self.node_columns
        if self.assets is not None:
            full = self.assets
            return [(full[i], hop) for i, hop in zip(columns.ids, columns.hops, strict=True)]
        summaries = columns.assets
        return [(summaries.asset(k), hop) for k, hop in enumerate(columns.hops)]

    @property
    def edges(self) -> list[tuple[LineageEdge, int]]:
        """Each edge in full with its hop (needs ``LineageQuery.edge_details``)."""
        if self.details is None:
            raise ValueError("edge details were not read (LineageQuery.edge_details)")
        found = self.details
        columns = self.edge_columns
        return [
            (found[i], hop) for i, hop in zip(columns.ids, columns.hops, strict=True) if i in found
        ]


async def _walk(
    uow: LineageUnitOfWork,
    starts: Sequence[uuid.UUID],
    direction: Direction,
    depth: int,
    level: EdgeLevel,
    max_nodes: int,
    deadline_s: float,
    summaries: AssetSummaries | None = None,
) -> Traversal[uuid.UUID]:
    """``summaries``: see ``uow.lineage.walk`` (filled by the one-statement walk only)."""

    async def neighbours(frontier: frozenset[uuid.UUID], way: Direction) -> list[Edge[uuid.UUID]]:
        found = await uow.lineage.neighbours(frontier, way, level)
        return [Edge(e.source_id, e.target_id, e) for e in found]

    deadline = time.monotonic() + deadline_s
    await uow.lineage.limit_statement_time(STATEMENT_TIMEOUT_MS)
    if len(starts) == 1 and deadline_s > 0:
        one = await _walk_at_once(
            uow, starts[0], direction, depth, level, max_nodes, deadline, summaries
        )
        if one is not None and one.reason is not TruncationReason.DEADLINE:
            return one
        if one is not None:  # timed out: the transaction is aborted; walk hop by hop
            await uow.rollback()
            await uow.lineage.limit_statement_time(STATEMENT_TIMEOUT_MS)
    walked = await traverse(
        starts,
        direction,
        depth,
        neighbours,
        max_nodes=max_nodes,
        max_edges=max_nodes * 5,
        deadline=deadline,
    )
    if walked.reason is TruncationReason.DEADLINE:
        await uow.rollback()  # a cancelled or timed-out statement may have aborted it
    return walked


async def _walk_at_once(
    uow: LineageUnitOfWork,
    start: uuid.UUID,
    direction: Direction,
    depth: int,
    level: EdgeLevel,
    max_nodes: int,
    deadline: float,
    summaries: AssetSummaries | None,
) -> Traversal[uuid.UUID] | None:
    """The store's one-statement walk, or None where it has none. Past the
    deadline it answers like a statement timeout (truncated, DEADLINE)."""
    try:
        async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
            found: Traversal[uuid.UUID] | None = await uow.lineage.walk(
                start, direction, depth, level, max_nodes, max_nodes * 5, summaries=summaries
            )
    except TimeoutError:
        return Traversal({start: 0}, (), True, TruncationReason.DEADLINE)
    return found


async def read_lineage(uow: LineageUnitOfWork, actor: Principal, q: LineageQuery) -> LineageGraph:
    actor.require(Role.VIEWER)
    async with uow:
        root: Asset | None = await uow.catalog.get(q.asset_id)
        if root is None:
            raise NotFound("Asset", field="assetId")
        level = q.level or level_of(root)
        read = AssetSummaries()  # what the walk read of the reached assets, if it could
        walked = await _walk(
            uow,
            [root.id],
            q.direction,
            q.depth,
            level,
            q.max_nodes,
            q.deadline_s,
            read if q.summary else None,
        )
        full: dict[uuid.UUID, Asset] | None = None
        if not q.summary:
            full = await uow.lineage.assets(walked.nodes)
            read = AssetSummaries.of(full.values())
        nodes = NodeColumns.ordered(walked.nodes, read)
        if q.summary and len(nodes) < len(walked.nodes):  # the walk read none, or not all
            nodes = NodeColumns.ordered(walked.nodes, await uow.lineage.summaries(walked.nodes))
        columns, details = _edges(walked, nodes)
        if q.edge_details and details is None:
            details = await uow.lineage.edge_details(columns.ids)
    return LineageGraph(
        root,
        level,
        nodes,
        columns,
        walked.truncated,
        walked.reason,
        details if q.edge_details else None,
        full,
    )


def _edges(
    walked: Traversal[uuid.UUID], nodes: NodeColumns
) -> tuple[EdgeColumns, dict[uuid.UUID, LineageEdge] | None]:
    """The walk's edges between assets still there, as columns with their hop; and
    the edges in full when the walk carried them (the hop-by-hop walk does)."""
    hops = walked.nodes
    if isinstance(walked.edges, EdgeArrays):
        ids, sources, targets = walked.edges.ids, walked.edges.sources, walked.edges.targets
        details = None
    else:
        full = [e.data for e in walked.edges if isinstance(e.data, LineageEdge)]
        ids, sources, targets = (
            [e.id for e in full],
            [e.source_id for e in full],
            [e.target_id for e in full],
        )
        details = {e.id: e for e in full}
    if len(nodes) < len(hops):  # some asset went away since the walk: drop its edges
        kept = set(nodes.ids)
        keep = [
            j
            for j, (s, t) in enumerate(zip(sources, targets, strict=True))
            if s in kept and t in kept
        ]
        ids, sources, targets = (
            [ids[j] for j in keep],
            [sources[j] for j in keep],
            [targets[j] for j in keep],
        )
    return EdgeColumns(ids, sources, targets, node_hops=hops), details


@dataclass
class ImpactReport:
    """Downstream assets grouped for a "who is affected" view, and which sensitive
    classifications (on the asset itself or, for a table, on its columns) they hold."""

    root: Asset
    distance: dict[uuid.UUID, int]
    assets: dict[uuid.UUID, Asset]
    by_kind: dict[str, list[uuid.UUID]]
    by_owner: dict[str, list[uuid.UUID]]
    unowned: list[uuid.UUID]
    classifications: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    truncated: bool = False


async def lineage_impact(
    uow: LineageUnitOfWork, actor: Principal, asset_id: uuid.UUID, depth: int = MAX_DEPTH
) -> ImpactReport:
    actor.require(Role.VIEWER)
    if not 1 <= depth <= MAX_DEPTH:
        raise LimitExceeded(f"depth must be between 1 and {MAX_DEPTH}", field="depth")
    async with uow:
        root: Asset | None = await uow.catalog.get(asset_id)
        if root is None:
            raise NotFound("Asset", field="assetId")
        walked = await _walk(
            uow, [root.id], Direction.DOWNSTREAM, depth, level_of(root), MAX_NODES, READ_DEADLINE_S
        )
        ids = list(walked.nodes)
        assets: dict[uuid.UUID, Asset] = await uow.catalog.get_many(ids)
        owners: dict[uuid.UUID, list[uuid.UUID]] = await uow.catalog.owners_for(ids)
        users = await uow.users.get_many(list({u for us in owners.values() for u in us}))
        tables = [i for i, a in assets.items() if a.kind in TABLE_KINDS]
        columns = await uow.lineage.columns_of(tables)
        column_owner = {c.id: t for t, cs in columns.items() for c in cs}
        labels = await uow.catalog.classifications_for([*ids, *column_owner])
    facts = {
        i: NodeFacts(a.kind.value, tuple(users[u].name for u in owners.get(i, []) if u in users))
        for i, a in assets.items()
    }
    grouped = impact(walked, facts)
    reached = set(grouped.distance)
    sensitive: dict[str, list[uuid.UUID]] = {}
    for holder, found in labels.items():
        node = column_owner.get(holder, holder)
        if node not in reached and holder not in reached:
            continue
        node = holder if holder in reached else node
        for label in found:
            if label.state != "REJECTED" and node not in sensitive.get(label.type_key, []):
                sensitive.setdefault(label.type_key, []).append(node)
    return ImpactReport(
        root,
        dict(grouped.distance),
        assets,
        {k: list(v) for k, v in grouped.by_kind.items()},
        {k: list(v) for k, v in grouped.by_owner.items()},
        list(grouped.unowned),
        dict(sorted(sensitive.items())),
        grouped.truncated,
    )
