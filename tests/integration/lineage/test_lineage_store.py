"""The lineage repository on both databases: idempotent upserts, one query per hop,
caps that truncate instead of failing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import event

import racine.persistence.repositories.catalog
import racine.persistence.repositories.lineage  # noqa: F401
from racine.domain.access.model import Principal, Role
from racine.domain.catalog.model import Asset, AssetKind
from racine.domain.lineage.edges import EdgeLevel, LineageEdge
from racine.domain.lineage.graph import Direction, TruncationReason
from racine.domain.lineage.model import Provenance, Transformation, TransformationSubtype
from racine.domain.lineage.use_cases import LineageQuery, read_lineage
from racine.persistence.database import Database
from racine.persistence.unit_of_work import SqlUnitOfWork
from racine.realtime import build_bus

ACTOR = Principal(uuid.uuid4(), "reader", Role.VIEWER)


def uow(db: Database) -> Any:
    return SqlUnitOfWork(db, build_bus(None))


async def fan_out(db: Database, width: int, depth: int) -> tuple[Asset, int]:
    """A tree of columns: each node feeds ``width`` children, ``depth`` levels."""
    root = Asset(kind=AssetKind.COLUMN, name="c", qualified_name="t.c0", source_id=None)
    assets, edges, frontier = [root], [], [root]
    for level in range(depth):
        nxt = []
        for parent in frontier:
            for i in range(width):
                child = Asset(
                    kind=AssetKind.COLUMN,
                    name="c",
                    source_id=None,
                    qualified_name=f"t{level}.{parent.id.hex[:6]}_{i}",
                )
                assets.append(child)
                edges.append(LineageEdge(parent.id, child.id, EdgeLevel.COLUMN, Provenance.SQL))
                nxt.append(child)
        frontier = nxt
    async with uow(db) as work:
        await work.catalog.save_many(assets, [])
        await work.lineage.upsert_edges(edges)
        await work.commit()
    return root, len(assets)


async def test_upsert_is_idempotent_per_source_target_provenance_job(db: Database) -> None:
    a = Asset(kind=AssetKind.TABLE, name="a", qualified_name="a", source_id=None)
    b = Asset(kind=AssetKind.TABLE, name="b", qualified_name="b", source_id=None)
    job = Asset(kind=AssetKind.JOB, name="j", qualified_name="ns/j", source_id=None)
    async with uow(db) as work:
        await work.catalog.save_many([a, b, job], [])
        first = await work.lineage.upsert_edges(
            [LineageEdge(a.id, b.id, EdgeLevel.TABLE, Provenance.SQL)]
        )
        again = await work.lineage.upsert_edges(
            [
                LineageEdge(
                    a.id,
                    b.id,
                    EdgeLevel.TABLE,
                    Provenance.SQL,
                    Transformation.of(TransformationSubtype.TRANSFORMATION),
                )
            ]
        )
        other_job = await work.lineage.upsert_edges(
            [LineageEdge(a.id, b.id, EdgeLevel.TABLE, Provenance.SQL, job_id=job.id)]
        )
        await work.commit()
    assert again[0].id == first[0].id
    assert again[0].transformation.subtype is TransformationSubtype.TRANSFORMATION
    assert other_job[0].id != first[0].id
    async with uow(db) as work:
        assert await work.lineage.count() == 2


async def test_traversal_runs_one_edge_query_per_hop(db: Database, dialect: str) -> None:
    root, total = await fan_out(db, width=10, depth=3)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "lineage_edges" in statement:
            statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    graph = await read_lineage(uow(db), ACTOR, LineageQuery(root.id, Direction.DOWNSTREAM, 3))
    event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert len(graph.nodes) == total == 1 + 10 + 100 + 1000
    # hops, not nodes; PostgreSQL walks in one statement (test_lineage_walk.py) and
    # reads the edges' details in one more
    assert len(statements) == (2 if dialect == "postgresql" else 3)
    assert max(hop for _, hop in graph.nodes) == 3 and not graph.truncated
    assert len(graph.edges) == total - 1


async def test_edges_in_full_match_their_columns(db: Database) -> None:
    # Given a tree of 1 + 3 + 9 columns
    root, total = await fan_out(db, width=3, depth=2)
    # When the lineage is read with and without edge details
    full = await read_lineage(uow(db), ACTOR, LineageQuery(root.id, Direction.DOWNSTREAM, 2))
    bare = await read_lineage(
        uow(db), ACTOR, LineageQuery(root.id, Direction.DOWNSTREAM, 2, edge_details=False)
    )
    # Then both list the same edges (ids, ends, hops); only the first has them in full
    columns = full.edge_columns
    assert columns == bare.edge_columns and len(columns) == total - 1
    assert [(e.id, e.source_id, e.target_id, hop) for e, hop in full.edges] == list(
        zip(columns.ids, columns.sources, columns.targets, columns.hops, strict=True)
    )
    assert all(e.provenance is Provenance.SQL for e, _ in full.edges)
    hops = {a.id: hop for a, hop in full.nodes}
    assert columns.hops == [
        max(hops[s], hops[t]) for s, t in zip(columns.sources, columns.targets, strict=True)
    ]
    with pytest.raises(ValueError, match="edge details"):
        _ = bare.edges


async def test_caps_truncate_instead_of_failing(db: Database) -> None:
    root, _ = await fan_out(db, width=10, depth=3)
    capped = await read_lineage(
        uow(db), ACTOR, LineageQuery(root.id, Direction.DOWNSTREAM, 3, max_nodes=50)
    )
    assert capped.truncated and capped.reason is TruncationReason.MAX_NODES
    assert len(capped.nodes) == 50
    # summaries instead of full rows: the same nodes in the same order (hop, name)
    summaries = await read_lineage(
        uow(db),
        ACTOR,
        LineageQuery(
            root.id, Direction.DOWNSTREAM, 3, max_nodes=50, summary=True, edge_details=False
        ),
    )
    assert summaries.node_columns.ids == capped.node_columns.ids
    assert [(a.qualified_name, hop) for a, hop in summaries.nodes] == sorted(
        ((a.qualified_name, hop) for a, hop in capped.nodes), key=lambda x: (x[1], x[0])
    )
    alone = await read_lineage(
        uow(db),
        ACTOR,
        LineageQuery(
            root.id, Direction.DOWNSTREAM, 3, max_nodes=1, summary=True, edge_details=False
        ),
    )
    assert alone.truncated and alone.reason is TruncationReason.MAX_NODES
    assert [a.id for a, _ in alone.nodes] == [root.id] and len(alone.edge_columns) == 0
    late = await read_lineage(
        uow(db), ACTOR, LineageQuery(root.id, Direction.DOWNSTREAM, 3, deadline_s=0.0)
    )
    assert late.truncated and late.reason is TruncationReason.DEADLINE
    assert [a.id for a, _ in late.nodes] == [root.id]
