"""Lineage repository (``uow.lineage``): edges, raw OpenLineage events, propagated
labels, and the few catalog reads lineage needs in bulk.

Traversal calls :meth:`LineageRepository.neighbours` once per hop: one indexed
query (on PostgreSQL a join with ``unnest(frontier)`` as driver-level SQL,
elsewhere ``IN frontier`` in Core) selecting plain columns, no ORM identity map,
so a 5,000-node hop stays cheap.

On PostgreSQL :meth:`LineageRepository.walk` does the whole bounded walk in one
statement instead (see ``_walk_sql``); SQLite keeps the hop-by-hop path.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.catalog.model import Asset, AssetKind, utcnow
from racine.domain.lineage.columns import AssetSummaries, EdgeArrays
from racine.domain.lineage.edges import EdgeLevel, LineageEdge
from racine.domain.lineage.graph import Direction, Traversal, TruncationReason
from racine.domain.lineage.model import (
    Provenance,
    Transformation,
    TransformationSubtype,
    TransformationType,
)
from racine.domain.lineage.propagation import AssignedLabel, Label, LabelKind, PropagatedLabel
from racine.persistence.tables.catalog import AssetRow, AssetTermRow, ColumnClassificationRow
from racine.persistence.tables.lineage import (
    LineageEdgeRow,
    OpenLineageEventRow,
    PropagatedLabelRow,
)
from racine.persistence.tables.sources import DataSourceRow
from racine.persistence.unit_of_work import register_repository

__all__ = ["LineageRepository"]

_CHUNK = 500
_HOP_CHUNK = 10_000  # a frontier is at most max_nodes (10,000): one query per hop
_E = LineageEdgeRow
_COLUMNS = (
    _E.id,
    _E.source_id,
    _E.target_id,
    _E.level,
    _E.provenance,
    _E.transformation_type,
    _E.transformation_subtype,
    _E.masking,
    _E.description,
    _E.job_id,
    _E.run_id,
    _E.blocked,
    _E.created_at,
    _E.updated_at,
)
PROPAGATED = "PROPAGATED"


def _chunks(ids: Iterable[Any], size: int = _CHUNK) -> list[list[Any]]:
    items = list(dict.fromkeys(ids))
    return [items[i : i + size] for i in range(0, len(items), size)]


_LEVELS = {m.value: m for m in EdgeLevel}
_PROVENANCES = {m.value: m for m in Provenance}
_WAYS: dict[tuple[Any, ...], Transformation] = {}


def _way(kind: str, subtype: str | None, masking: Any, description: str | None) -> Transformation:
    """Transformations are frozen and few distinct ones exist: share them instead of
    building (and validating) one per row; hop queries read thousands of rows."""
    key = (kind, subtype, bool(masking), description)
    way = _WAYS.get(key)
    if way is None:
        way = Transformation(
            TransformationType(kind),
            TransformationSubtype(subtype) if subtype else None,
            bool(masking),
            description,
        )
        if description is None and len(_WAYS) < 1024:  # free text stays per row
            _WAYS[key] = way
    return way


def _edge(row: Any) -> LineageEdge:
    (
        ident,
        source,
        target,
        level,
        provenance,
        kind,
        subtype,
        masking,
        description,
        job,
        run,
        blocked,
        created,
        updated,
    ) = row
    return LineageEdge(
        source, target, _LEVELS[level], _PROVENANCES[provenance],
        _way(kind, subtype, masking, description), job, run, bool(blocked), ident, created,
        updated)  # fmt: skip


def _values(edge: LineageEdge) -> dict[str, Any]:
    way = edge.transformation
    return {
        "id": edge.id, "source_id": edge.source_id, "target_id": edge.target_id,
        "level": edge.level.value, "provenance": edge.provenance.value,
        "transformation_type": way.type.value,
        "transformation_subtype": way.subtype.value if way.subtype else None,
        "masking": way.masking, "description": way.description, "blocked": edge.blocked,
        "job_key": str(edge.job_id) if edge.job_id else "", "job_id": edge.job_id,
        "run_id": edge.run_id, "created_at": edge.created_at, "updated_at": edge.updated_at,
    }  # fmt: skip


# PostgreSQL hot path: driver-level SQL (``exec_driver_sql``, so events, the
# session's transaction and ``SET LOCAL statement_timeout`` still apply) whose rows
# skip SQLAlchemy's per-value type processing, fetched with ``.all()`` rather than
# row by row (profile, 10 hops / 5,600 nodes: per-row fetch and UtcDateTime
# processing were about a fifth of the walk's CPU; asyncpg already returns UTC-aware
# datetimes). The frontier is joined as ``unnest($1)``, not ``= ANY($1)``: with ANY
# the planner switched to a sequential scan of the whole edge table past a few
# hundred ids (EXPLAIN ANALYZE, 100k edges, 928 ids: seq scan 41 ms; unnest join,
# one index probe per id: 4 ms), a cost growing with the table, not the graph.
_HOP_SQL = {
    (near, by_level): (
        f"SELECT {', '.join('e.' + c.key for c in _COLUMNS)} "
        f"FROM lineage_edges AS e "
        f"JOIN unnest($1::uuid[]) AS wanted(id) ON e.{near} = wanted.id"
        + (" WHERE e.level = $2" if by_level else "")
    )
    for near in ("source_id", "target_id")
    for by_level in (False, True)
}
_ASSET_FIELDS = (
    "id",
    "kind",
    "name",
    "qualified_name",
    "source_id",
    "parent_id",
    "position",
    "description",
    "properties",
    "detail",
    "profile",
    "created_at",
    "updated_at",
    "deleted_at",
)
# Key probes, as in ``_SUMMARY_SQL`` below (a plain join hashed the whole table).
_ASSETS_SQL = (
    f"SELECT {', '.join('a.' + f for f in _ASSET_FIELDS)} "
    f"FROM unnest($1::uuid[]) AS wanted(id) CROSS JOIN LATERAL "
    f"(SELECT * FROM assets AS x WHERE x.id = wanted.id OFFSET 0) AS a"
)
_KINDS = {m.value: m for m in AssetKind}


def _asset_record(r: Any) -> Asset:
    """A row of ``_ASSETS_SQL`` (timestamptz arrive in UTC already)."""
    (
        ident,
        kind,
        name,
        qualified,
        source,
        parent,
        position,
        description,
        properties,
        detail,
        profile,
        created,
        updated,
        deleted,
    ) = r
    return Asset(
        kind=_KINDS[kind], name=name, qualified_name=qualified, source_id=source,
        parent_id=parent, id=ident, description=description, properties=properties or {},
        detail=detail or {}, profile=profile, position=position, created_at=created,
        updated_at=updated, deleted_at=deleted)  # fmt: skip


# One row of arrays, not a row per asset (see the walk below: rows cost, arrays don't).
# The lateral ``OFFSET 0`` keeps the join a loop of primary-key probes: as a plain
# join the planner hashed the whole assets table for 10,000 ids (EXPLAIN ANALYZE,
# 347,200 assets, 16,583 ids: seq scan + hash join 294 ms).
_SUMMARY_SQL = (
    "SELECT array_agg(a.id), array_agg(a.kind), array_agg(a.name), "
    "array_agg(a.qualified_name), array_agg(a.source_id), array_agg(a.parent_id), "
    "array_agg(a.position) FROM unnest($1::uuid[]) AS wanted(id) CROSS JOIN "
    "LATERAL (SELECT * FROM assets AS x WHERE x.id = wanted.id OFFSET 0) AS a"
)


# One-statement bounded walk (PostgreSQL). A recursive CTE whose working row is a
# whole hop: (hop, frontier ids, visited ids, the hop's edges as id/source/target
# arrays). Each step joins the frontier to the edge index once (``cand``), keeps
# the far ends not visited yet (``EXCEPT``, a hashed anti-join: a node is expanded
# once, at its shortest distance, so cycles and diamonds cost nothing) and the
# edges whose far end is known (a hashed semi-join), exactly what the hop-by-hop
# walk keeps. A recursive CTE may name its working table only once, hence arrays
# instead of a visited table. A hop keeps at most as many new ids as the cap
# leaves room for, plus one, and the walk stops once more than cap nodes are
# known; that extra node (in hop, then array order) tells that the answer is
# truncated, and the caller drops edges to it. (Keeping cap + 1 new ids at every
# hop instead let the last hop carry ~16,000 ids and their edges to be dropped.)
#
# The answer is one row per hop of arrays, not one row per node and edge:
# per-row result handling cost ~5 µs a row in SQLAlchemy while asyncpg decodes
# arrays in C; and the edges come from the one index pass of the walk (a second
# join for them doubled the server time). Only edge ids and ends travel: the
# other edge columns (14 in all) doubled the statement's aggregation work and
# the client's decoding, and a graph page does not show them; ``edge_details``
# reads them by id when a reader asks.
# Parameters: $1 start, $2 depth, $3 level, $4 cap.


def _walk_cte(name: str, near: str, far: str) -> str:
    return f"""
{name}(hop, frontier, visited, ids, sources, targets) AS (
  SELECT 0, ARRAY[$1::uuid], ARRAY[$1::uuid], NULL::uuid[], NULL::uuid[], NULL::uuid[]
  UNION ALL
  SELECT w.hop + 1, n.fresh, w.visited || n.fresh, n.ids, n.sources, n.targets
  FROM {name} AS w CROSS JOIN LATERAL (
    WITH cand AS MATERIALIZED (
      SELECT e.id, e.source_id, e.target_id FROM unnest(w.frontier) AS f(id)
      JOIN lineage_edges AS e ON e.{near} = f.id AND e.level = $3),
    fresh AS MATERIALIZED (
      (SELECT {far} AS id FROM cand EXCEPT SELECT unnest(w.visited))
      LIMIT $4 + 1 - cardinality(w.visited))
    SELECT (SELECT coalesce(array_agg(id), '{{}}'::uuid[]) FROM fresh) AS fresh,
           array_agg(c.id) AS ids, array_agg(c.source_id) AS sources,
           array_agg(c.target_id) AS targets
    FROM cand AS c
    WHERE c.{far} IN (SELECT unnest(w.visited)) OR c.{far} IN (SELECT id FROM fresh)) AS n
  WHERE w.hop < $2 AND cardinality(w.frontier) > 0 AND cardinality(w.visited) <= $4)"""


# With ``summaries``, each hop row also carries the summary columns (as in
# ``_SUMMARY_SQL``) of its new nodes, read by primary-key probes in the same
# statement: one round trip fewer than reading them after the walk.
_HOP_SUMMARY = (
    "CROSS JOIN LATERAL (SELECT array_agg(a.id), array_agg(a.kind), array_agg(a.name), "
    "array_agg(a.qualified_name), array_agg(a.source_id), array_agg(a.parent_id), "
    "array_agg(a.position) FROM unnest({name}.frontier) AS f(id) CROSS JOIN LATERAL "
    "(SELECT * FROM assets AS x WHERE x.id = f.id OFFSET 0) AS a) AS s"
)


def _walk_sql(names: Sequence[str], summaries: bool = False) -> str:
    ways = {"up": ("target_id", "source_id"), "down": ("source_id", "target_id")}
    ctes = ",".join(_walk_cte(n, *ways[n]) for n in names)
    parts = [
        f"SELECT {order} AS way, hop, frontier, ids, sources, targets"
        + (f", s.* FROM {name} {_HOP_SUMMARY.format(name=name)}" if summaries else f" FROM {name}")
        for order, name in enumerate(names)
    ]
    return f"WITH RECURSIVE {ctes}\n" + "\nUNION ALL\n".join(parts)


_WALK_CTES = {
    Direction.UPSTREAM: ["up"],
    Direction.DOWNSTREAM: ["down"],
    Direction.BOTH: ["up", "down"],
}
_WALK_SQL = {
    (way, summaries): _walk_sql(names, summaries)
    for way, names in _WALK_CTES.items()
    for summaries in (False, True)
}
_QUERY_CANCELED = "57014"  # statement_timeout


def _merge_walk(
    rows: Sequence[Any], start: uuid.UUID, direction: Direction, max_nodes: int, max_edges: int
) -> Traversal[uuid.UUID]:
    """Rows of ``_WALK_SQL`` -> the traversal the hop-by-hop walk would give: one
    direction after the other (upstream first) sharing the node cap, each node at
    its nearest hop, each edge once, only edges whose two ends were kept. The
    edges stay three lists (:class:`EdgeArrays`): no object per edge."""
    ways = 2 if direction is Direction.BOTH else 1
    hops: list[list[Any]] = [[] for _ in range(ways)]
    for row in rows:
        hops[row[0]].append(row)
    nodes: dict[uuid.UUID, int] = {start: 0}
    reason: TruncationReason | None = None
    ids: list[uuid.UUID] = []
    sources: list[uuid.UUID] = []
    targets: list[uuid.UUID] = []
    for way in range(ways):
        found = sorted(hops[way], key=lambda r: r[1])
        dropped: set[uuid.UUID] = set()  # new ids past the node cap
        for row in found:
            hop, fresh = row[1], row[2]
            if ways == 1 and hop:  # each hop's ids are new and distinct (EXCEPT visited)
                room = max(0, max_nodes - len(nodes))
                nodes.update(dict.fromkeys(fresh[:room], hop))  # array order = cap order
                if len(fresh) > room:
                    reason = TruncationReason.MAX_NODES
                    dropped.update(fresh[room:])
                continue
            for node in fresh:  # array order = the SQL's cap order
                if node in nodes:
                    if hop < nodes[node]:
                        nodes[node] = hop
                elif len(nodes) < max_nodes:
                    nodes[node] = hop
                else:
                    reason = TruncationReason.MAX_NODES
                    dropped.add(node)
        for row in found:
            edge_ids, edge_sources, edge_targets = row[3], row[4], row[5]
            if edge_ids is None:
                continue
            if ways == 2:  # the other way may have listed an edge, or kept fewer nodes
                _keep(nodes, ids, sources, targets, edge_ids, edge_sources, edge_targets)
                continue
            # one way: each edge comes once and every far end was kept but the dropped
            far = edge_targets if direction is Direction.DOWNSTREAM else edge_sources
            if dropped and not dropped.isdisjoint(far):
                keep = [i for i, end in enumerate(far) if end not in dropped]
                edge_ids = [edge_ids[i] for i in keep]
                edge_sources = [edge_sources[i] for i in keep]
                edge_targets = [edge_targets[i] for i in keep]
            ids += edge_ids
            sources += edge_sources
            targets += edge_targets
        if len(ids) > max_edges:
            del ids[max_edges:], sources[max_edges:], targets[max_edges:]
            reason = reason or TruncationReason.MAX_EDGES
        if reason is not None:
            break
    return Traversal(nodes, EdgeArrays(ids, sources, targets), reason is not None, reason)


def _keep(
    nodes: dict[uuid.UUID, int],
    ids: list[uuid.UUID],
    sources: list[uuid.UUID],
    targets: list[uuid.UUID],
    edge_ids: list[uuid.UUID],
    edge_sources: list[uuid.UUID],
    edge_targets: list[uuid.UUID],
) -> None:
    """Append the edges whose two ends are kept nodes and that are not listed yet
    (both ways of a BOTH walk may meet the same edge)."""
    seen = set(ids)
    for ident, source, target in zip(edge_ids, edge_sources, edge_targets, strict=True):
        if ident not in seen and source in nodes and target in nodes:
            seen.add(ident)
            ids.append(ident)
            sources.append(source)
            targets.append(target)


# Edge details by id, for the few readers that ask for them after a walk: one
# statement, one row of arrays. The lateral ``OFFSET 0`` keeps the join a loop of
# primary-key probes (the planner otherwise hashes the whole table when given
# thousands of ids).
_TEXT = {"level", "provenance", "transformation_type", "transformation_subtype"}
_AGGREGATES = ", ".join(
    f"array_agg(e.{c.key}{'::text' if c.key in _TEXT else ''})" for c in _COLUMNS
)
_DETAILS_SQL = (
    f"SELECT {_AGGREGATES} "
    f"FROM unnest($1::uuid[]) AS wanted(id) CROSS JOIN LATERAL ("
    f"SELECT * FROM lineage_edges AS x WHERE x.id = wanted.id OFFSET 0) AS e"
)


def _asset(row: Any) -> Asset:
    from racine.persistence.repositories.catalog import _asset as convert

    return convert(row)


class LineageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.bind.dialect.name  # type: ignore[union-attr]

    async def limit_statement_time(self, milliseconds: int) -> None:
        """Cap every statement of this transaction (PostgreSQL; SQLite has no such knob)."""
        if self.dialect == "postgresql":
            await self.session.execute(text(f"SET LOCAL statement_timeout = {int(milliseconds)}"))

    # -- edges -------------------------------------------------------------------------

    async def upsert_edges(self, edges: Sequence[LineageEdge]) -> list[LineageEdge]:
        """Insert new edges, update known ones (same source, target, provenance, job):
        the transformation and run change, the id and the ``blocked`` flag stay."""
        wanted = {e.key: e for e in edges}
        existing: dict[Any, LineageEdge] = {}
        for chunk in _chunks({e.source_id for e in edges}):
            rows = await self.session.execute(select(*_COLUMNS).where(_E.source_id.in_(chunk)))
            for row in rows:
                edge = _edge(row)
                if edge.key in wanted:
                    existing[edge.key] = edge
        now = utcnow()
        stored: list[LineageEdge] = []
        new: list[dict[str, Any]] = []
        for key, edge in wanted.items():
            old = existing.get(key)
            if old is None:
                new.append(_values(edge))
                stored.append(edge)
                continue
            way = edge.transformation
            if old.transformation != way or old.run_id != edge.run_id:
                await self.session.execute(
                    update(_E)
                    .where(_E.id == old.id)
                    .values(
                        transformation_type=way.type.value,
                        transformation_subtype=way.subtype.value if way.subtype else None,
                        masking=way.masking,
                        description=way.description,
                        run_id=edge.run_id or old.run_id,
                        updated_at=now,
                    )
                )
            stored.append(
                LineageEdge(
                    old.source_id,
                    old.target_id,
                    old.level,
                    old.provenance,
                    way,
                    old.job_id,
                    edge.run_id or old.run_id,
                    old.blocked,
                    old.id,
                    old.created_at,
                    now,
                )
            )
        for chunk in _chunks(range(len(new)), 1000):
            await self.session.execute(insert(_E), [new[i] for i in chunk])
        return stored

    async def get_many(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, LineageEdge]:
        out: dict[uuid.UUID, LineageEdge] = {}
        for chunk in _chunks(ids):
            for row in await self.session.execute(select(*_COLUMNS).where(_E.id.in_(chunk))):
                out[row[0]] = _edge(row)
        return out

    async def between(
        self, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]], provenance: Provenance | None = None
    ) -> list[LineageEdge]:
        """Edges joining any of the (source, target) pairs, of one provenance if given."""
        out: list[LineageEdge] = []
        wanted = set(pairs)
        for chunk in _chunks({s for s, _ in pairs}):
            query = select(*_COLUMNS).where(_E.source_id.in_(chunk))
            if provenance is not None:
                query = query.where(_E.provenance == provenance.value)
            out.extend(
                e
                for e in map(_edge, await self.session.execute(query))
                if (e.source_id, e.target_id) in wanted
            )
        return out

    async def delete(self, ids: Sequence[uuid.UUID]) -> None:
        for chunk in _chunks(ids):
            await self.session.execute(delete(_E).where(_E.id.in_(chunk)))

    async def set_blocked(self, edge_id: uuid.UUID, blocked: bool) -> None:
        await self.session.execute(
            update(_E).where(_E.id == edge_id).values(blocked=blocked, updated_at=utcnow())
        )

    async def neighbours(
        self, frontier: Iterable[uuid.UUID], direction: Direction, level: EdgeLevel | None
    ) -> list[LineageEdge]:
        """Edges leaving (DOWNSTREAM) or entering (UPSTREAM) ``frontier``."""
        near = _E.source_id if direction is Direction.DOWNSTREAM else _E.target_id
        out: list[LineageEdge] = []
        conn = await self.session.connection()  # Core: no ORM bookkeeping per row
        if self.dialect == "postgresql":
            sql = _HOP_SQL[(near.key, level is not None)]
            for chunk in _chunks(frontier, _HOP_CHUNK):
                args = (chunk, level.value) if level is not None else (chunk,)
                out.extend(map(_edge, (await conn.exec_driver_sql(sql, args)).all()))
            return out
        for chunk in _chunks(frontier, _HOP_CHUNK):
            query = select(*_COLUMNS).where(near.in_(chunk))
            if level is not None:
                query = query.where(_E.level == level.value)
            out.extend(map(_edge, await conn.execute(query)))
        return out

    async def walk(
        self,
        start: uuid.UUID,
        direction: Direction,
        depth: int,
        level: EdgeLevel,
        max_nodes: int,
        max_edges: int,
        *,
        summaries: AssetSummaries | None = None,
    ) -> Traversal[uuid.UUID] | None:
        """The whole bounded walk in one statement (PostgreSQL), same answer as the
        hop-by-hop walk; ``None`` where the database has no such path (SQLite).
        When the statement timeout cancels it, the answer is the start alone,
        truncated with reason DEADLINE: the caller must roll back (the transaction
        is aborted) and may fall back to the hop-by-hop walk. ``summaries``, when
        given, receives the summary (see ``assets``) of every reached asset, read
        by the same statement (it may hold a few more: nodes past the cap)."""
        if self.dialect != "postgresql":
            return None
        conn = await self.session.connection()
        try:
            result = await conn.exec_driver_sql(
                _WALK_SQL[(direction, summaries is not None)],
                (start, depth, level.value, max_nodes),
            )
            rows: list[Any] = list(result.all())
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != _QUERY_CANCELED:
                raise
            return Traversal({start: 0}, (), True, TruncationReason.DEADLINE)
        if summaries is not None:
            for row in rows:
                if row[6] is not None:
                    summaries.extend(row[6:])
        return _merge_walk(rows, start, direction, max_nodes, max_edges)

    async def edge_details(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, LineageEdge]:
        """Edges by id, all columns: what a walk left out (see ``_DETAILS_SQL``)."""
        if self.dialect != "postgresql":
            return await self.get_many(ids)
        conn = await self.session.connection()
        out: dict[uuid.UUID, LineageEdge] = {}
        for chunk in _chunks(ids, 50_000):
            arrays = (await conn.exec_driver_sql(_DETAILS_SQL, (chunk,))).one()
            if arrays[0] is not None:
                out.update((r[0], _edge(r)) for r in zip(*arrays, strict=True))
        return out

    async def assets(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Asset]:
        """Assets by id, in full, many at once (Core rows, 10,000 ids per statement):
        the nodes of a lineage graph."""
        out: dict[uuid.UUID, Asset] = {}
        conn = await self.session.connection()
        if self.dialect == "postgresql":
            for chunk in _chunks(ids, _HOP_CHUNK):
                for record in (await conn.exec_driver_sql(_ASSETS_SQL, (chunk,))).all():
                    out[record[0]] = _asset_record(record)
            return out
        a = AssetRow.__table__.c
        for chunk in _chunks(ids, _HOP_CHUNK):
            for row in await conn.execute(select(AssetRow.__table__).where(a.id.in_(chunk))):
                out[row.id] = _asset(row)
        return out

    async def summaries(self, ids: Iterable[uuid.UUID]) -> AssetSummaries:
        """Id, kind, names, source, parent and position of assets by id (no JSON
        columns), as columns: enough for a graph page. Missing ids are left out."""
        out = AssetSummaries()
        conn = await self.session.connection()
        if self.dialect == "postgresql":
            for chunk in _chunks(ids, _HOP_CHUNK):
                arrays = (await conn.exec_driver_sql(_SUMMARY_SQL, (chunk,))).one()
                if arrays[0] is not None:
                    out.extend(arrays)
            return out
        a = AssetRow.__table__.c
        for chunk in _chunks(ids, _HOP_CHUNK):
            rows = (
                await conn.execute(
                    select(
                        a.id, a.kind, a.name, a.qualified_name, a.source_id, a.parent_id, a.position
                    ).where(a.id.in_(chunk))
                )
            ).all()
            if rows:
                out.extend(list(zip(*rows, strict=True)))
        return out

    async def by_job(self, job_id: uuid.UUID, limit: int = 100) -> list[LineageEdge]:
        rows = await self.session.execute(
            select(*_COLUMNS).where(_E.job_key == str(job_id)).limit(limit)
        )
        return [_edge(r) for r in rows]

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(_E)) or 0)

    # -- OpenLineage events ----------------------------------------------------------------

    async def has_event(self, key: str) -> bool:
        found = await self.session.scalar(
            select(OpenLineageEventRow.id).where(OpenLineageEventRow.idempotency_key == key)
        )
        return found is not None

    async def add_event(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(OpenLineageEventRow), [values])

    # -- propagated labels -------------------------------------------------------------------

    async def propagated(
        self, *, assets: Sequence[uuid.UUID] = (), sources: Sequence[uuid.UUID] = ()
    ) -> list[PropagatedLabel[uuid.UUID]]:
        """Copies lying on ``assets`` or owned by ``sources``."""
        p = PropagatedLabelRow
        out: set[PropagatedLabel[uuid.UUID]] = set()
        for column, ids in ((p.asset_id, assets), (p.source_asset_id, sources)):
            for chunk in _chunks(ids):
                rows = await self.session.execute(
                    select(p.asset_id, p.label_kind, p.label_name, p.source_asset_id).where(
                        column.in_(chunk)
                    )
                )
                out.update(PropagatedLabel(a, Label(LabelKind(k), n), s) for a, k, n, s in rows)
        return sorted(out, key=lambda x: (str(x.asset), x.label, str(x.source_asset)))

    async def add_propagated(self, labels: Iterable[PropagatedLabel[uuid.UUID]]) -> None:
        now = utcnow()
        rows = [
            {
                "asset_id": x.asset,
                "label_kind": x.label.kind.value,
                "label_name": x.label.name,
                "source_asset_id": x.source_asset,
                "created_at": now,
            }
            for x in labels
        ]
        for chunk in _chunks(range(len(rows)), 1000):
            await self.session.execute(insert(PropagatedLabelRow), [rows[i] for i in chunk])

    async def remove_propagated(self, labels: Iterable[PropagatedLabel[uuid.UUID]]) -> None:
        p = PropagatedLabelRow
        for x in labels:
            await self.session.execute(
                delete(p).where(
                    p.asset_id == x.asset,
                    p.label_kind == x.label.kind.value,
                    p.label_name == x.label.name,
                    p.source_asset_id == x.source_asset,
                )
            )

    async def assigned_labels(
        self, asset_ids: Sequence[uuid.UUID]
    ) -> list[AssignedLabel[uuid.UUID]]:
        """Labels that propagate from ``asset_ids``: CONFIRMED classifications not
        themselves propagated, and glossary terms (named by term id)."""
        c = ColumnClassificationRow
        out: list[AssignedLabel[uuid.UUID]] = []
        for chunk in _chunks(asset_ids):
            rows = await self.session.execute(
                select(c.asset_id, c.type_key).where(
                    c.asset_id.in_(chunk), c.state == "CONFIRMED", c.source != PROPAGATED
                )
            )
            out.extend(AssignedLabel(a, Label(LabelKind.CLASSIFICATION, k)) for a, k in rows)
            terms = await self.session.execute(
                select(AssetTermRow.asset_id, AssetTermRow.term_id).where(
                    AssetTermRow.asset_id.in_(chunk)
                )
            )
            out.extend(AssignedLabel(a, Label(LabelKind.GLOSSARY_TERM, str(t))) for a, t in terms)
        return out

    async def mirror_classifications(
        self,
        add: dict[tuple[uuid.UUID, str], dict[str, Any]],
        remove: Iterable[tuple[uuid.UUID, str]],
    ) -> None:
        """Keep ``column_classifications`` rows with source PROPAGATED in step with the
        propagated copies, so search facets and filters see them. A row a person,
        rule or model put there is never touched."""
        c = ColumnClassificationRow
        now = utcnow()
        for asset_id, key in remove:
            await self.session.execute(
                delete(c).where(c.asset_id == asset_id, c.type_key == key, c.source == PROPAGATED)
            )
        for (asset_id, key), evidence in add.items():
            found = await self.session.execute(
                select(c.source).where(c.asset_id == asset_id, c.type_key == key)
            )
            current = found.scalar_one_or_none()
            if current is None:
                await self.session.execute(
                    insert(c),
                    [
                        {
                            "asset_id": asset_id,
                            "type_key": key,
                            "state": "CONFIRMED",
                            "source": PROPAGATED,
                            "confidence": 1.0,
                            "evidence": evidence,
                            "actor_id": None,
                            "updated_at": now,
                        }
                    ],
                )
            elif current == PROPAGATED:
                await self.session.execute(
                    update(c)
                    .where(c.asset_id == asset_id, c.type_key == key)
                    .values(evidence=evidence, updated_at=now)
                )

    # -- catalog reads -------------------------------------------------------------------------

    async def tables_of_source(self, source_id: uuid.UUID) -> list[Asset]:
        """TABLE, VIEW and EXTERNAL assets of a source (not deleted)."""
        rows = await self.session.scalars(
            select(AssetRow).where(
                AssetRow.source_id == source_id,
                AssetRow.deleted_at.is_(None),
                AssetRow.kind.in_(
                    [AssetKind.TABLE.value, AssetKind.VIEW.value, AssetKind.EXTERNAL.value]
                ),
            )
        )
        return [_asset(r) for r in rows]

    async def columns_of(self, table_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Asset]]:
        out: dict[uuid.UUID, list[Asset]] = defaultdict(list)
        for chunk in _chunks(table_ids):
            rows = await self.session.scalars(
                select(AssetRow)
                .where(
                    AssetRow.parent_id.in_(chunk),
                    AssetRow.kind == AssetKind.COLUMN.value,
                    AssetRow.deleted_at.is_(None),
                )
                .order_by(AssetRow.position, AssetRow.name)
            )
            for row in rows:
                out[row.parent_id].append(_asset(row))  # type: ignore[index]
        return dict(out)

    async def by_qualified_names(
        self, source_id: uuid.UUID | None, names: Sequence[str], kinds: Sequence[AssetKind] = ()
    ) -> dict[str, Asset]:
        """Assets by qualified name within one source (``None``: assets of no source)."""
        out: dict[str, Asset] = {}
        owner = (
            AssetRow.source_id.is_(None) if source_id is None else (AssetRow.source_id == source_id)
        )
        for chunk in _chunks(names):
            query = select(AssetRow).where(owner, AssetRow.qualified_name.in_(chunk))
            if kinds:
                query = query.where(AssetRow.kind.in_([k.value for k in kinds]))
            out.update({r.qualified_name: _asset(r) for r in await self.session.scalars(query)})
        return out

    async def sources(self) -> list[tuple[uuid.UUID, str, str, str]]:
        """(id, name, engine, display URL) of every data source; the URL never holds a
        password (only the redacted display form is read)."""
        rows = await self.session.execute(
            select(
                DataSourceRow.id,
                DataSourceRow.name,
                DataSourceRow.engine,
                DataSourceRow.display_url,
            )
        )
        return [(i, n, e, u) for i, n, e, u in rows]

    async def touch_assets(self, ids: Sequence[uuid.UUID], when: datetime) -> None:
        for chunk in _chunks(ids):
            await self.session.execute(
                update(AssetRow).where(AssetRow.id.in_(chunk)).values(updated_at=when)
            )


register_repository("lineage", LineageRepository)
