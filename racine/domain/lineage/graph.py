"""Lineage traversal, independent of storage.

The store answers one question, "which edges touch these nodes in this
direction?", through the ``neighbours`` callable; traversal goes hop by hop
(breadth first), so a store answers with one query per hop, not per node. A
visited set makes cycles harmless. Caps on nodes, edges and time end the walk
early with ``truncated=True`` and a reason, instead of failing or timing out (as
DataHub's lineage does).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from racine.domain.errors import LimitExceeded, ValidationFailed

__all__ = [
    "MAX_DEPTH",
    "Direction",
    "Edge",
    "Impact",
    "NodeFacts",
    "Traversal",
    "TruncationReason",
    "impact",
    "traverse",
]

MAX_DEPTH = 20

N = TypeVar("N", bound=Hashable)


class Direction(StrEnum):
    UPSTREAM = "UPSTREAM"
    DOWNSTREAM = "DOWNSTREAM"
    BOTH = "BOTH"


class TruncationReason(StrEnum):
    MAX_NODES = "MAX_NODES"
    MAX_EDGES = "MAX_EDGES"
    DEADLINE = "DEADLINE"


@dataclass(frozen=True, slots=True)
class Edge(Generic[N]):
    """A directed lineage edge ``source -> target`` (data flows that way).
    ``data`` carries whatever the store wants to hand back (id, transformation)."""

    source: N
    target: N
    data: object = None


@dataclass(frozen=True, slots=True)
class Traversal(Generic[N]):
    """``nodes`` maps each reached node to its hop distance from the nearest start
    (0 for starts). ``edges`` holds only edges between reached nodes."""

    nodes: Mapping[N, int]
    edges: Sequence[Edge[N]]
    truncated: bool = False
    reason: TruncationReason | None = None


Neighbours = Callable[[frozenset[N], Direction], Awaitable[Sequence[Edge[N]]]]


@dataclass(slots=True)
class _Walk(Generic[N]):
    nodes: dict[N, int]
    edges: dict[Hashable, Edge[N]] = field(default_factory=dict)
    reason: TruncationReason | None = None


async def traverse(
    start_ids: Iterable[N],
    direction: Direction,
    depth: int,
    neighbours: Neighbours[N],
    *,
    max_nodes: int = 10_000,
    max_edges: int = 50_000,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Traversal[N]:
    """Walk lineage from ``start_ids`` up to ``depth`` hops.

    ``neighbours(frontier, direction)`` returns the edges whose source (DOWNSTREAM)
    or target (UPSTREAM) is in ``frontier``; it is only called with UPSTREAM or
    DOWNSTREAM. BOTH walks each way separately from the starts (the upstream of a
    downstream node is not followed; that would be the whole connected graph).
    ``deadline`` is a ``clock()`` value; a hop still running at the deadline is
    cancelled and the result is truncated.
    """
    if depth < 0 or depth > MAX_DEPTH:
        raise ValidationFailed(f"depth must be between 0 and {MAX_DEPTH}", field="depth")
    if max_nodes < 1 or max_edges < 0:
        raise ValidationFailed("caps must be positive", field="maxNodes")
    starts = list(dict.fromkeys(start_ids))
    if len(starts) > max_nodes:
        raise LimitExceeded(f"more than {max_nodes} start nodes", field="startIds")
    walk: _Walk[N] = _Walk({node: 0 for node in starts})
    directions = (
        [Direction.UPSTREAM, Direction.DOWNSTREAM] if direction is Direction.BOTH else [direction]
    )
    for way in directions:
        if walk.reason is not None:
            break
        await _walk_one_way(
            walk, starts, way, depth, neighbours, max_nodes, max_edges, deadline, clock
        )
    return Traversal(
        dict(walk.nodes), tuple(walk.edges.values()), walk.reason is not None, walk.reason
    )


async def _walk_one_way(
    walk: _Walk[N],
    starts: list[N],
    way: Direction,
    depth: int,
    neighbours: Neighbours[N],
    max_nodes: int,
    max_edges: int,
    deadline: float | None,
    clock: Callable[[], float],
) -> None:
    seen: set[N] = set(starts)  # per direction: a node reached upstream may recur downstream
    frontier = frozenset(starts)
    for hop in range(1, depth + 1):
        if not frontier:
            return
        found = await _hop(neighbours, frontier, way, deadline, clock)
        if found is None:
            walk.reason = TruncationReason.DEADLINE
            return
        next_frontier: list[N] = []
        for edge in found:
            near, far = (
                (edge.source, edge.target)
                if way is Direction.DOWNSTREAM
                else (edge.target, edge.source)
            )
            if near not in frontier:
                continue  # the store sent an edge we did not ask for
            if far not in walk.nodes:
                if len(walk.nodes) >= max_nodes:
                    walk.reason = TruncationReason.MAX_NODES
                    continue
                walk.nodes[far] = hop
            elif walk.nodes[far] > hop:
                walk.nodes[far] = hop
            key = _edge_key(edge)
            if key not in walk.edges:
                if len(walk.edges) >= max_edges:
                    walk.reason = TruncationReason.MAX_EDGES
                    continue
                walk.edges[key] = edge
            if far not in seen:
                seen.add(far)
                next_frontier.append(far)
        if walk.reason is not None:
            return
        frontier = frozenset(next_frontier)


def _edge_key(edge: Edge[N]) -> Hashable:
    """Equal edges returned at two hops count once; unhashable data by identity."""
    try:
        hash(edge.data)
    except TypeError:
        return (edge.source, edge.target, id(edge.data))
    return (edge.source, edge.target, edge.data)


async def _hop(
    neighbours: Neighbours[N],
    frontier: frozenset[N],
    way: Direction,
    deadline: float | None,
    clock: Callable[[], float],
) -> Sequence[Edge[N]] | None:
    if deadline is None:
        return await neighbours(frontier, way)
    remaining = deadline - clock()
    if remaining <= 0:
        return None
    try:
        async with asyncio.timeout(remaining):
            return await neighbours(frontier, way)
    except TimeoutError:
        return None


# -- impact analysis -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodeFacts:
    """What impact analysis needs to know about a node: its asset kind (TABLE,
    COLUMN, DASHBOARD, ML_MODEL, ...) and its owners (user or group names)."""

    kind: str
    owners: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Impact(Generic[N]):
    """Downstream nodes (starts excluded) grouped for a "who is affected" view.

    ``by_owner`` lists a node under each of its owners; ``unowned`` holds nodes
    without any; nodes with no facts are grouped under kind ``UNKNOWN``. Groups
    are ordered by hop distance then insertion, nearest first.
    """

    by_kind: Mapping[str, tuple[N, ...]]
    by_owner: Mapping[str, tuple[N, ...]]
    unowned: tuple[N, ...]
    distance: Mapping[N, int]
    truncated: bool


def impact(traversal: Traversal[N], facts: Mapping[N, NodeFacts]) -> Impact[N]:
    """Group the reached nodes of a DOWNSTREAM ``traversal`` by kind and owner."""
    reached = sorted(
        ((node, hop) for node, hop in traversal.nodes.items() if hop > 0), key=lambda p: p[1]
    )
    by_kind: dict[str, list[N]] = {}
    by_owner: dict[str, list[N]] = {}
    unowned: list[N] = []
    for node, _hop in reached:
        fact = facts.get(node)
        by_kind.setdefault(fact.kind if fact else "UNKNOWN", []).append(node)
        owners = fact.owners if fact else ()
        if not owners:
            unowned.append(node)
        for owner in dict.fromkeys(owners):
            by_owner.setdefault(owner, []).append(node)
    return Impact(
        by_kind={k: tuple(v) for k, v in by_kind.items()},
        by_owner={k: tuple(v) for k, v in by_owner.items()},
        unowned=tuple(unowned),
        distance=dict(reached),
        truncated=traversal.truncated,
    )
