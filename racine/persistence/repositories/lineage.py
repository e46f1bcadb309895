"""Lineage repository (``uow.lineage``): edges, raw OpenLineage events, propagated
labels, and the few catalog reads lineage needs in bulk.

Traversal calls :meth:`LineageRepository.neighbours` once per hop: one indexed
query (on PostgreSQL a join with ``unnest(frontier)`` as driver-level SQL,
elsewhere ``IN frontier`` in Core) selecting plain columns, no ORM identity map,
so a 5,000-node hop stays cheap.

On PostgreSQL :meth:`LineageRepository.walk` does the whole bounded walk in one
statement instead (see ``lineage_walk``); SQLite keeps the hop-by-hop path.
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
from racine.domain.lineage.columns import AssetSummaries
from racine.domain.lineage.edges import EdgeLevel, LineageEdge
from racine.domain.lineage.graph import Direction, Traversal, TruncationReason
from racine.domain.lineage.model import Provenance
from racine.domain.lineage.propagation import AssignedLabel, Label, LabelKind, PropagatedLabel
from racine.persistence.repositories.chunks import chunks
from racine.persistence.repositories.lineage_rows import (
    _ASSETS_SQL,
    _COLUMNS,
    _DETAILS_SQL,
    _E,
    _HOP_CHUNK,
    _HOP_SQL,
    _SUMMARY_SQL,
    _asset,
    _asset_record,
    _edge,
    _values,
)
from racine.persistence.repositories.lineage_walk import _QUERY_CANCELED, _WALK_SQL, _merge_walk
from racine.persistence.tables.catalog import AssetRow, AssetTermRow, ColumnClassificationRow
from racine.persistence.tables.lineage import OpenLineageEventRow, PropagatedLabelRow
from racine.persistence.tables.sources import DataSourceRow
from racine.persistence.unit_of_work import register_repository

__all__ = ["LineageRepository"]

PROPAGATED = "PROPAGATED"


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
        for chunk in chunks({e.source_id for e in edges}):
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
        for chunk in chunks(range(len(new)), 1000):
            await self.session.execute(insert(_E), [new[i] for i in chunk])
        return stored

    async def get_many(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, LineageEdge]:
        out: dict[uuid.UUID, LineageEdge] = {}
        for chunk in chunks(ids):
            for row in await self.session.execute(select(*_COLUMNS).where(_E.id.in_(chunk))):
                out[row[0]] = _edge(row)
        return out

    async def between(
        self, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]], provenance: Provenance | None = None
    ) -> list[LineageEdge]:
        """Edges joining any of the (source, target) pairs, of one provenance if given."""
        out: list[LineageEdge] = []
        wanted = set(pairs)
        for chunk in chunks({s for s, _ in pairs}):
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
        for chunk in chunks(ids):
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
            for chunk in chunks(frontier, _HOP_CHUNK):
                args = (chunk, level.value) if level is not None else (chunk,)
                out.extend(map(_edge, (await conn.exec_driver_sql(sql, args)).all()))
            return out
        for chunk in chunks(frontier, _HOP_CHUNK):
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
        for chunk in chunks(ids, 50_000):
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
            for chunk in chunks(ids, _HOP_CHUNK):
                for record in (await conn.exec_driver_sql(_ASSETS_SQL, (chunk,))).all():
                    out[record[0]] = _asset_record(record)
            return out
        a = AssetRow.__table__.c
        for chunk in chunks(ids, _HOP_CHUNK):
            for row in await conn.execute(select(AssetRow.__table__).where(a.id.in_(chunk))):
                out[row.id] = _asset(row)
        return out

    async def summaries(self, ids: Iterable[uuid.UUID]) -> AssetSummaries:
        """Id, kind, names, source, parent and position of assets by id (no JSON
        columns), as columns: enough for a graph page. Missing ids are left out."""
        out = AssetSummaries()
        conn = await self.session.connection()
        if self.dialect == "postgresql":
            for chunk in chunks(ids, _HOP_CHUNK):
                arrays = (await conn.exec_driver_sql(_SUMMARY_SQL, (chunk,))).one()
                if arrays[0] is not None:
                    out.extend(arrays)
            return out
        a = AssetRow.__table__.c
        for chunk in chunks(ids, _HOP_CHUNK):
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
            for chunk in chunks(ids):
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
        for chunk in chunks(range(len(rows)), 1000):
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
        for chunk in chunks(asset_ids):
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
        for chunk in chunks(table_ids):
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
        for chunk in chunks(names):
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
        for chunk in chunks(ids):
            await self.session.execute(
                update(AssetRow).where(AssetRow.id.in_(chunk)).values(updated_at=when)
            )


register_repository("lineage", LineageRepository)
