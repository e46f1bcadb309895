"""Lineage edge and asset rows: the edge columns read, rows to domain objects and
back, and the PostgreSQL statements that read edges and assets in bulk (one hop,
assets, summaries, edge details by id).
"""

from __future__ import annotations

from typing import Any

from racine.domain.catalog.model import Asset, AssetKind
from racine.domain.lineage.edges import EdgeLevel, LineageEdge
from racine.domain.lineage.model import (
    Provenance,
    Transformation,
    TransformationSubtype,
    TransformationType,
)
from racine.persistence.tables.catalog import AssetRow
from racine.persistence.tables.lineage import LineageEdgeRow

__all__: list[str] = []  # private to racine.persistence.repositories.lineage

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
_ASSET_FIELDS = tuple(c.name for c in AssetRow.__table__.columns)  # every column, by name
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


# One row of arrays, not a row per asset (see ``lineage_walk``: rows cost, arrays don't).
# The lateral ``OFFSET 0`` keeps the join a loop of primary-key probes: as a plain
# join the planner hashed the whole assets table for 10,000 ids (EXPLAIN ANALYZE,
# 347,200 assets, 16,583 ids: seq scan + hash join 294 ms).
_SUMMARY_SQL = (
    "SELECT array_agg(a.id), array_agg(a.kind), array_agg(a.name), "
    "array_agg(a.qualified_name), array_agg(a.source_id), array_agg(a.parent_id), "
    "array_agg(a.position) FROM unnest($1::uuid[]) AS wanted(id) CROSS JOIN "
    "LATERAL (SELECT * FROM assets AS x WHERE x.id = wanted.id OFFSET 0) AS a"
)


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
