"""Lineage traversal over a hand-written in-memory store."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import pytest

from racine.domain.errors import ValidationFailed
from racine.domain.lineage.graph import (
    Direction,
    Edge,
    NodeFacts,
    TruncationReason,
    impact,
    traverse,
)


class FakeStore:
    """Answers neighbour queries from a list of edges and counts the calls."""

    def __init__(self, pairs: Sequence[tuple[str, str]], delay: float = 0.0) -> None:
        self.edges = [Edge(s, t, f"{s}->{t}") for s, t in pairs]
        self.calls: list[frozenset[str]] = []
        self.delay = delay

    async def neighbours(self, frontier: frozenset[str], direction: Direction) -> list[Edge[str]]:
        self.calls.append(frontier)
        if self.delay:
            await asyncio.sleep(self.delay)
        if direction is Direction.DOWNSTREAM:
            return [e for e in self.edges if e.source in frontier]
        return [e for e in self.edges if e.target in frontier]


CHAIN = [("a", "b"), ("b", "c"), ("c", "d"), ("x", "a")]


async def test_downstream_walk_records_hop_distances_and_one_call_per_hop() -> None:
    store = FakeStore(CHAIN)
    result = await traverse(["a"], Direction.DOWNSTREAM, 2, store.neighbours)
    assert dict(result.nodes) == {"a": 0, "b": 1, "c": 2}
    assert {e.data for e in result.edges} == {"a->b", "b->c"}
    assert not result.truncated
    assert store.calls == [frozenset({"a"}), frozenset({"b"})]


async def test_upstream_and_both() -> None:
    store = FakeStore(CHAIN)
    up = await traverse(["c"], Direction.UPSTREAM, 5, store.neighbours)
    assert dict(up.nodes) == {"c": 0, "b": 1, "a": 2, "x": 3}
    both = await traverse(["b"], Direction.BOTH, 1, store.neighbours)
    assert dict(both.nodes) == {"b": 0, "a": 1, "c": 1}


async def test_cycles_terminate_and_keep_every_edge_once() -> None:
    store = FakeStore([("a", "b"), ("b", "c"), ("c", "a"), ("c", "c")])
    result = await traverse(["a"], Direction.DOWNSTREAM, 20, store.neighbours)
    assert dict(result.nodes) == {"a": 0, "b": 1, "c": 2}
    assert sorted(str(e.data) for e in result.edges) == ["a->b", "b->c", "c->a", "c->c"]
    assert len(store.calls) == 3  # then the frontier is empty


async def test_node_cap_truncates() -> None:
    fan_out = [("root", f"n{i}") for i in range(50)] + [("n0", "deep")]
    store = FakeStore(fan_out)
    result = await traverse(["root"], Direction.DOWNSTREAM, 3, store.neighbours, max_nodes=10)
    assert result.truncated
    assert result.reason is TruncationReason.MAX_NODES
    assert len(result.nodes) == 10
    assert all(e.source in result.nodes and e.target in result.nodes for e in result.edges)


async def test_edge_cap_truncates() -> None:
    store = FakeStore([("a", "b"), ("a", "c"), ("a", "d")])
    result = await traverse(["a"], Direction.DOWNSTREAM, 1, store.neighbours, max_edges=2)
    assert (result.truncated, result.reason, len(result.edges)) == (
        True,
        TruncationReason.MAX_EDGES,
        2,
    )


async def test_deadline_cancels_a_slow_hop_and_truncates() -> None:
    store = FakeStore(CHAIN, delay=10.0)
    loop = asyncio.get_running_loop()
    result = await traverse(
        ["a"], Direction.DOWNSTREAM, 3, store.neighbours, deadline=loop.time() + 0.05,
        clock=loop.time,
    )  # fmt: skip
    assert result.truncated and result.reason is TruncationReason.DEADLINE
    assert dict(result.nodes) == {"a": 0}


async def test_deadline_already_past_makes_no_call() -> None:
    store = FakeStore(CHAIN)
    result = await traverse(
        ["a"], Direction.DOWNSTREAM, 3, store.neighbours, deadline=1.0, clock=lambda: 2.0
    )
    assert result.truncated and store.calls == []


@pytest.mark.parametrize("depth", [-1, 21])
async def test_depth_is_bounded(depth: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await traverse(["a"], Direction.DOWNSTREAM, depth, FakeStore(CHAIN).neighbours)
    assert caught.value.field == "depth"


async def test_depth_zero_returns_the_starts() -> None:
    store = FakeStore(CHAIN)
    result = await traverse(["a"], Direction.DOWNSTREAM, 0, store.neighbours)
    assert dict(result.nodes) == {"a": 0} and store.calls == []


async def test_impact_groups_downstream_nodes_by_kind_and_owner() -> None:
    store = FakeStore([("t", "v"), ("v", "dash"), ("t", "model"), ("v", "orphan")])
    walk = await traverse(["t"], Direction.DOWNSTREAM, 5, store.neighbours)
    facts = {
        "t": NodeFacts("TABLE", ("alice",)),
        "v": NodeFacts("VIEW", ("alice", "bi-team")),
        "dash": NodeFacts("DASHBOARD", ("bi-team",)),
        "model": NodeFacts("ML_MODEL", ()),
    }
    report = impact(walk, facts)
    assert {k: set(v) for k, v in report.by_kind.items()} == {
        "VIEW": {"v"},
        "DASHBOARD": {"dash"},
        "ML_MODEL": {"model"},
        "UNKNOWN": {"orphan"},
    }
    assert {k: set(v) for k, v in report.by_owner.items()} == {
        "alice": {"v"},
        "bi-team": {"v", "dash"},
    }
    assert set(report.unowned) == {"model", "orphan"}
    assert report.distance["dash"] == 2
    assert "t" not in report.distance
    assert not report.truncated


def test_node_columns_order_by_hop_then_name_and_skip_unknown_assets() -> None:
    # Given summaries read for four assets (one of them not reached) and a walk that
    # reached three of them plus one whose asset is gone
    from racine.domain.lineage.columns import AssetSummaries, NodeColumns

    a, b, c, d, gone = (uuid.uuid4() for _ in range(5))
    read = AssetSummaries(
        [a, b, c, d],
        ["COLUMN"] * 4,
        ["a", "b", "c", "d"],
        ["s.z", "s.b", "s.a", "s.x"],
        [None] * 4,
        [None] * 4,
        [0, 1, 2, 3],
    )
    reached = {a: 0, gone: 1, b: 1, c: 1}
    # When they are put in graph order
    nodes = NodeColumns.ordered(reached, read)
    # Then the start comes first, then hop 1 by qualified name; the gone asset and the
    # asset not reached are left out, and each summary column follows the same order
    assert nodes.ids == [a, c, b] and nodes.hops == [0, 1, 1]
    assert nodes.assets.names == ["a", "c", "b"] and nodes.assets.positions == [0, 2, 1]
    assert [x.qualified_name for x in map(nodes.assets.asset, range(3))] == ["s.z", "s.a", "s.b"]
