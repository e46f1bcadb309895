"""The bounded lineage walk in one statement (PostgreSQL): the recursive SQL and
the merge of its rows into a :class:`Traversal`. SQLite keeps the hop-by-hop walk
(``LineageRepository.neighbours``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from racine.domain.lineage.columns import EdgeArrays
from racine.domain.lineage.graph import Direction, Traversal, TruncationReason

__all__: list[str] = []  # private to racine.persistence.repositories.lineage

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
