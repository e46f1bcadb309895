"""The one-statement walk (PostgreSQL) against the hop-by-hop walk: same nodes,
hops, edges and truncation on cycles, diamonds, shortcuts and a node cap."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import event

import racine.persistence.repositories.catalog
import racine.persistence.repositories.lineage  # noqa: F401
from racine.domain.access.model import Principal, Role
from racine.domain.catalog.model import Asset, AssetKind
from racine.domain.lineage.columns import AssetSummaries
from racine.domain.lineage.edges import EdgeLevel, LineageEdge
from racine.domain.lineage.graph import Direction, Edge, Traversal, TruncationReason, traverse
from racine.domain.lineage.model import Provenance
from racine.domain.lineage.use_cases import LineageQuery, read_lineage
from racine.persistence.database import Database
from racine.persistence.unit_of_work import SqlUnitOfWork
from racine.realtime import build_bus

ACTOR = Principal(uuid.uuid4(), "reader", Role.VIEWER)
# a -> b -> d -> e -> f -> a (cycle through the start), a -> c -> d (diamond),
# a -> d (shortcut: d at hop 1), e -> b (cycle), x -> a, y -> x, d -> y (a node
# both upstream and downstream), g <- e <- d; a TABLE edge a -> t is not followed.
PAIRS = ["ab", "ac", "bd", "cd", "ad", "de", "eb", "ef", "fa", "xa", "yx", "dy", "eg"]


@pytest.fixture
def postgres_only(dialect: str) -> None:
    if dialect != "postgresql":
        pytest.skip("the one-statement walk is PostgreSQL's")


def uow(db: Database) -> Any:
    return SqlUnitOfWork(db, build_bus(None))


async def seed(db: Database) -> dict[str, Asset]:
    names = sorted({c for p in PAIRS for c in p} | {"t"})
    assets = {
        n: Asset(kind=AssetKind.COLUMN, name=n, qualified_name=f"t.{n}", source_id=None)
        for n in names
    }
    edges = [
        LineageEdge(assets[s].id, assets[t].id, EdgeLevel.COLUMN, Provenance.SQL)
        for s, t in ((p[0], p[1]) for p in PAIRS)
    ]
    edges.append(LineageEdge(assets["a"].id, assets["t"].id, EdgeLevel.TABLE, Provenance.SQL))
    async with uow(db) as work:
        await work.catalog.save_many(list(assets.values()), [])
        await work.lineage.upsert_edges(edges)
        await work.commit()
    return assets


async def fan_out(db: Database, width: int, depth: int, reverse: bool = False) -> Asset:
    """A tree of columns below a root; ``reverse``: its edges point to the root."""
    root = Asset(kind=AssetKind.COLUMN, name="c", qualified_name="f.root", source_id=None)
    assets, edges, frontier = [root], [], [root]
    for level in range(depth):
        nxt = []
        for parent in frontier:
            for i in range(width):
                child = Asset(
                    kind=AssetKind.COLUMN,
                    name="c",
                    source_id=None,
                    qualified_name=f"f{level}.{parent.id.hex[:8]}_{i}",
                )
                assets.append(child)
                source, target = (child, parent) if reverse else (parent, child)
                edges.append(LineageEdge(source.id, target.id, EdgeLevel.COLUMN, Provenance.SQL))
                nxt.append(child)
        frontier = nxt
    async with uow(db) as work:
        await work.catalog.save_many(assets, [])
        await work.lineage.upsert_edges(edges)
        await work.commit()
    return root


async def both_walks(
    db: Database, start: uuid.UUID, direction: Direction, depth: int, max_nodes: int = 10_000
) -> tuple[Traversal[uuid.UUID], Traversal[uuid.UUID]]:
    async with uow(db) as work:

        async def neighbours(frontier: frozenset[uuid.UUID], way: Direction) -> list[Edge[Any]]:
            found = await work.lineage.neighbours(frontier, way, EdgeLevel.COLUMN)
            return [Edge(e.source_id, e.target_id, e) for e in found]

        hop_by_hop = await traverse(
            [start], direction, depth, neighbours, max_nodes=max_nodes, max_edges=max_nodes * 5
        )
        at_once = await work.lineage.walk(
            start, direction, depth, EdgeLevel.COLUMN, max_nodes, max_nodes * 5
        )
    assert at_once is not None
    return hop_by_hop, at_once


def edge_ids(walk: Traversal[uuid.UUID]) -> set[uuid.UUID]:
    """Hop by hop an edge carries its LineageEdge; the one-statement walk its id."""
    return {e.data.id if isinstance(e.data, LineageEdge) else e.data for e in walk.edges}


@pytest.mark.parametrize("direction", list(Direction))
@pytest.mark.parametrize("depth", [0, 1, 2, 3, 5])
async def test_one_statement_walk_matches_hop_by_hop(
    postgres_only: None, db: Database, direction: Direction, depth: int
) -> None:
    # Given a graph with cycles, a diamond, a shortcut and a table-level edge
    assets = await seed(db)
    # When both walks start from a
    hop_by_hop, at_once = await both_walks(db, assets["a"].id, direction, depth)
    # Then they reach the same nodes at the same (shortest) hops, with the same edges
    assert dict(at_once.nodes) == dict(hop_by_hop.nodes)
    assert edge_ids(at_once) == edge_ids(hop_by_hop)
    assert not at_once.truncated and not hop_by_hop.truncated
    assert assets["t"].id not in at_once.nodes
    if depth >= 1 and direction is not Direction.UPSTREAM:
        assert at_once.nodes[assets["d"].id] == 1


async def test_one_statement_walk_caps_like_hop_by_hop(postgres_only: None, db: Database) -> None:
    # Given a tree of 1 + 10 + 100 + 1000 columns
    root = await fan_out(db, width=10, depth=3)
    # When both walks are capped at 50 nodes
    hop_by_hop, at_once = await both_walks(db, root.id, Direction.DOWNSTREAM, 3, max_nodes=50)
    # Then both stop at 50 nodes, for the same reason, with the same hop profile;
    # which 39 second-hop children are kept is arbitrary, edges join kept nodes only
    assert at_once.reason is hop_by_hop.reason is TruncationReason.MAX_NODES
    assert len(at_once.nodes) == len(hop_by_hop.nodes) == 50
    assert sorted(at_once.nodes.values()) == sorted(hop_by_hop.nodes.values())
    assert len(at_once.edges) == len(hop_by_hop.edges) == 49
    assert all(e.source in at_once.nodes and e.target in at_once.nodes for e in at_once.edges)


async def test_read_lineage_issues_one_traversal_statement(
    postgres_only: None, db: Database
) -> None:
    # Given the graph with cycles
    assets = await seed(db)
    # When the lineage is read both ways, 4 hops
    graph, statements = await _read_counting(db, assets["a"].id)
    # Then one statement walked it, and the graph is the hop-by-hop one
    assert len([s for s in statements if "lineage_edges" in s]) == 1
    hop_by_hop, _ = await both_walks(db, assets["a"].id, Direction.BOTH, 4)
    assert {a.id: hop for a, hop in graph.nodes} == dict(hop_by_hop.nodes)
    assert set(graph.edge_columns.ids) == edge_ids(hop_by_hop)
    assert len(graph.edge_columns.ids) == len(hop_by_hop.edges)
    assert {a.name for a, _ in graph.nodes} == set("abcdefgxy")


async def test_walk_cut_by_the_deadline_answers_truncated(
    postgres_only: None, db: Database
) -> None:
    # Given a graph, and a deadline that passes while the one-statement walk runs
    assets = await seed(db)
    # When the lineage is read
    late = await read_lineage(
        uow(db), ACTOR, LineageQuery(assets["a"].id, Direction.BOTH, 5, deadline_s=1e-9)
    )
    # Then the answer is partial (the start, after the hop-by-hop fallback found no
    # time left), not an error, and the unit of work is still usable
    assert late.truncated and late.reason is TruncationReason.DEADLINE
    assert [a.id for a, _ in late.nodes] == [assets["a"].id]
    again = await read_lineage(uow(db), ACTOR, LineageQuery(assets["a"].id, Direction.BOTH, 5))
    assert not again.truncated and len(again.nodes) == 9


async def test_walk_reads_summaries_of_reached_assets(postgres_only: None, db: Database) -> None:
    # Given the graph with cycles
    assets = await seed(db)
    # When the one-statement walk is asked for summaries, both ways, 4 hops
    read = AssetSummaries()
    async with uow(db) as work:
        walked = await work.lineage.walk(
            assets["a"].id, Direction.BOTH, 4, EdgeLevel.COLUMN, 10_000, 50_000, summaries=read
        )
        separately = await work.lineage.summaries(read.ids)
    # Then every reached asset has its summary, the same as read on its own
    assert walked is not None and set(walked.nodes) <= set(read.ids)
    assert read.as_dict() == separately.as_dict()
    assert {a.name for a in read.as_dict().values()} == set("abcdefgxy")


async def test_summary_read_issues_no_separate_asset_statement(
    postgres_only: None, db: Database
) -> None:
    # Given the graph with cycles
    assets = await seed(db)
    # When the lineage is read with summaries and no edge details
    graph, statements = await _read_counting(db, assets["a"].id)
    # Then the root read, the timeout and the walk are all (assets come with the walk)
    assert len(statements) == 3, statements
    assert {a.name for a, _ in graph.nodes} == set("abcdefgxy")


@pytest.mark.parametrize("direction", [Direction.UPSTREAM, Direction.BOTH])
async def test_capped_walk_towards_sources_matches_hop_by_hop(
    postgres_only: None, db: Database, direction: Direction
) -> None:
    # Given 1 + 10 + 100 + 1000 columns all feeding, level by level, one root
    root = await fan_out(db, width=10, depth=3, reverse=True)
    # When both walks go upstream (or both ways) from the root, capped at 50 nodes
    hop_by_hop, at_once = await both_walks(db, root.id, direction, 3, max_nodes=50)
    # Then both stop at 50 nodes with the same hop profile, and the edges join kept
    # nodes only, each once
    assert at_once.reason is hop_by_hop.reason is TruncationReason.MAX_NODES
    assert len(at_once.nodes) == len(hop_by_hop.nodes) == 50
    assert sorted(at_once.nodes.values()) == sorted(hop_by_hop.nodes.values())
    assert len(at_once.edges) == len(hop_by_hop.edges) == 49
    assert len(edge_ids(at_once)) == 49
    assert all(e.source in at_once.nodes and e.target in at_once.nodes for e in at_once.edges)


async def _read_counting(db: Database, start: uuid.UUID) -> tuple[Any, list[str]]:
    """``read_lineage`` both ways, 4 hops, summaries, no edge details; and every
    statement it issued."""
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        graph = await read_lineage(
            uow(db), ACTOR, LineageQuery(start, Direction.BOTH, 4, summary=True, edge_details=False)
        )
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    return graph, statements
