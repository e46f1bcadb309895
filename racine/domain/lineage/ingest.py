"""Lineage from SQL text: ``ingestSqlLineage`` and the view-definition hook scans call.

Parsing is CPU work (sqlglot): it runs off the event loop (``run_cpu``, a thread
by default, the job queue's process pool when a caller has one). The catalog is
read first, parsed against, then every edge and placeholder is written in ONE
transaction; when any statement fails to parse, nothing is written and each
failure is reported with its line and column.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.catalog.model import Asset, AssetKind
from racine.domain.errors import NotFound, ValidationFailed
from racine.domain.lineage.assets import AssetIndex
from racine.domain.lineage.edges import EdgeLevel, LineageEdge, merge_edges
from racine.domain.lineage.events import lineage_changed
from racine.domain.lineage.graph import Direction
from racine.domain.lineage.model import Provenance, TableEdge
from racine.domain.lineage.ports import LineageUnitOfWork
from racine.domain.lineage.sql import (
    SqlError,
    SqlLineageResult,
    StatementKind,
    StatementLineage,
    extract_sql_lineage,
)

__all__ = [
    "IngestSql",
    "RunCpu",
    "SqlIngestResult",
    "ingest_sql_lineage",
    "ingest_view_lineage",
]

RunCpu = Callable[..., Awaitable[Any]]


async def _thread(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


@dataclass(frozen=True)
class IngestSql:
    sql: str
    dialect: str
    source_id: uuid.UUID
    default_schema: str | None = None


@dataclass
class SqlIngestResult:
    """Per-statement outcome; ``written`` is False when any statement failed (then
    no edge was stored). ``edges`` maps statement index to the stored edges."""

    statements: tuple[StatementLineage, ...]
    written: bool
    edges: dict[int, list[LineageEdge]] = field(default_factory=dict)
    created: list[Asset] = field(default_factory=list)

    @property
    def all_edges(self) -> list[LineageEdge]:
        return [e for es in self.edges.values() for e in es]


async def _schema(uow: LineageUnitOfWork, source_id: uuid.UUID) -> dict[str, list[str]]:
    async with uow:
        if source_id not in {s[0] for s in await uow.lineage.sources()}:
            raise NotFound("DataSource", field="dataSourceId")
        index = AssetIndex(uow, source_id, "SQL")
        await index.load_all()
    return index.schema()


async def ingest_sql_lineage(
    uow: LineageUnitOfWork, actor: Principal, cmd: IngestSql, *, run_cpu: RunCpu | None = None
) -> SqlIngestResult:
    """Parse ``cmd.sql`` against the source's catalog and store table and column
    edges (provenance SQL, VIEW for CREATE VIEW). EDITOR or above."""
    actor.require(Role.EDITOR)
    schema = await _schema(uow, cmd.source_id)
    result: SqlLineageResult = await (run_cpu or _thread)(
        extract_sql_lineage, cmd.sql, cmd.dialect, schema, cmd.default_schema
    )
    if result.errors:
        return SqlIngestResult(result.statements, written=False)
    async with uow:
        index = AssetIndex(uow, cmd.source_id, "SQL")
        await index.load_all()
        stored = await _write(uow, index, result.statements)
        edges = [e for es in stored.values() for e in es]
        await record(uow, actor, "lineage.ingest_sql", "DataSource", cmd.source_id, {
            "statements": len(result.statements), "edges": len(edges),
            "placeholders": [a.qualified_name for a in index.created
                             if a.kind is not AssetKind.COLUMN],
        })  # fmt: skip
        uow.emit(
            lineage_changed(
                [e.id for e in edges], await _origins(uow, edges), sourceId=str(cmd.source_id)
            )
        )
        await uow.commit()
    return SqlIngestResult(result.statements, True, stored, index.created)


async def ingest_view_lineage(
    uow: LineageUnitOfWork,
    source_id: uuid.UUID,
    view_asset: Asset,
    sql: str,
    dialect: str,
    *,
    default_schema: str | None = None,
    actor: Principal | None = None,
    run_cpu: RunCpu | None = None,
) -> SqlIngestResult:
    """Lineage of one view from its definition, for scans.

    ``sql`` is the view's SELECT (or a full ``CREATE VIEW``). Edges go into
    ``view_asset`` and its columns with provenance VIEW; the view's previous VIEW
    edges are replaced. Joins the caller's open unit of work when there is one (the
    caller commits) and never raises for bad SQL: the result carries the errors
    and nothing is written. Unknown tables become EXTERNAL placeholders.
    """
    if view_asset.source_id != source_id:
        raise ValidationFailed("the view belongs to another source", field="viewAsset")
    async with uow:
        index = AssetIndex(uow, source_id, "VIEW")
        await index.load_all()
    try:
        result: SqlLineageResult = await (run_cpu or _thread)(
            extract_sql_lineage, sql, dialect, index.schema(), default_schema
        )
    except ValidationFailed as error:  # unknown dialect, oversized text
        failure = SqlError(error.code, error.message, 1, 1)
        failed = StatementLineage(0, sql[:200], 1, 1, error=failure)
        return SqlIngestResult((failed,), written=False)
    if result.errors:
        return SqlIngestResult(result.statements, written=False)
    async with uow:
        index = AssetIndex(uow, source_id, "VIEW")
        await index.load_all()
        view = index.table(view_asset.qualified_name) or view_asset
        old = await uow.lineage.neighbours(
            [view.id, *(c.id for c in index.columns(view))], Direction.UPSTREAM, None
        )
        before = {e.id: e for e in old if e.provenance is Provenance.VIEW}
        # Upsert first, then drop what the definition no longer gives: an edge the
        # view still has keeps its id and a steward's ``blocked`` (a re-scan used to
        # delete and re-create every edge, losing both).
        stored = await _write(uow, index, result.statements, view=view)
        edges = [e for es in stored.values() for e in es]
        kept = {e.id for e in edges}
        stale = [e for e in before.values() if e.id not in kept]
        await uow.lineage.delete([e.id for e in stale])
        if actor is not None:
            await record(uow, actor, "lineage.ingest_view", "Asset", view.id, {"edges": len(edges)})
        if stale or any(
            e.id not in before or before[e.id].transformation != e.transformation for e in edges
        ):  # an unchanged definition changes nothing: no LINEAGE_CHANGED
            uow.emit(
                lineage_changed(
                    [e.id for e in edges + old],
                    await _origins(uow, edges + old),
                    sourceId=str(source_id),
                )
            )
        await uow.commit()
    return SqlIngestResult(result.statements, True, stored, index.created)


async def _origins(uow: LineageUnitOfWork, edges: Sequence[LineageEdge]) -> set[uuid.UUID]:
    columns = [e.source_id for e in edges if e.level is EdgeLevel.COLUMN]
    copies = await uow.lineage.propagated(assets=columns)
    return {*columns, *(c.source_asset for c in copies)}


async def _write(
    uow: LineageUnitOfWork,
    index: AssetIndex,
    statements: Sequence[StatementLineage],
    *,
    view: Asset | None = None,
) -> dict[int, list[LineageEdge]]:
    """Placeholders first (one insert), then the edges of every statement."""
    planned: dict[int, list[tuple[Any, ...]]] = {}
    for statement in statements:
        target_name = statement.target
        provenance = statement.provenance
        target: Asset | None = None
        if view is not None and statement.kind in (StatementKind.SELECT, StatementKind.CREATE_VIEW):
            target, provenance = view, Provenance.VIEW
        elif target_name is not None:
            target = index.ensure_table(target_name)
        if target is None:
            continue  # a plain SELECT: its target is a result set, nothing to store
        rows: list[tuple[Any, ...]] = []
        for table_edge in statement.table_edges or tuple(_sources_as_edges(statement)):
            source = index.ensure_table(table_edge.source)
            if source.id != target.id:
                rows.append((EdgeLevel.TABLE, source, target, None, provenance))
        for edge in statement.column_edges:
            source_table = index.ensure_table(edge.source.table)
            source = index.ensure_column(source_table, edge.source.column)
            sink = (
                target
                if edge.target_column is None
                else index.ensure_column(target, edge.target_column)
            )
            if source.id != sink.id:
                rows.append((EdgeLevel.COLUMN, source, sink, edge.transformation, provenance))
        planned[statement.index] = rows
    await index.flush()
    stored: dict[int, list[LineageEdge]] = {}
    for position, rows in planned.items():
        edges = [
            LineageEdge(source.id, sink.id, level, provenance, *(() if way is None else (way,)))
            for level, source, sink, way, provenance in rows
        ]
        stored[position] = await uow.lineage.upsert_edges(merge_edges(edges)) if edges else []
    return stored


def _sources_as_edges(statement: StatementLineage) -> list[TableEdge]:
    """A view's SELECT has sources but no table edges (no target in the text)."""
    return [TableEdge(s, "") for s in statement.sources]
