"""Resolvers of the lineage area: input -> command -> use case -> schema type."""

from __future__ import annotations

import uuid
from typing import Any, cast

from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from racine.domain.errors import RacineError
from racine.domain.lineage import ingest, use_cases
from racine.domain.lineage.edges import EdgeLevel
from racine.domain.lineage.graph import Direction
from racine.domain.lineage.ports import LineageUnitOfWork
from racine.schema import lineage as gql
from racine.schema.errors import UserError, run_mutation
from racine.schema.lineage_inputs import (
    AddLineageEdgesInput,
    IngestSqlLineageInput,
    IngestSqlLineagePayload,
    LineageEdgeInput,
    LineageEdgesPayload,
    RemoveLineageEdgesInput,
    SetLineageEdgePropagationInput,
    SetLineageEdgePropagationPayload,
)
from racine.schema.relay import decode_id

__all__ = [
    "add_lineage_edges",
    "asset_lineage",
    "ingest_sql_lineage",
    "lineage",
    "lineage_impact",
    "remove_lineage_edges",
    "resolve_lineage_edge",
    "set_lineage_edge_propagation",
]


def _uow(info: Info) -> LineageUnitOfWork:
    return cast(LineageUnitOfWork, info.context.uow())


# Asset fields a summary row (id, kind, names) answers; anything else on a reached
# asset needs the full row (JSON columns, timestamps, loaders behind it).
_SUMMARY_FIELDS = frozenset({"id", "kind", "name", "qualifiedName", "__typename"})


def _plain(selections: list[Any]) -> list[SelectedField] | None:
    """The selections as fields, or None when a fragment hides some (be safe)."""
    return None if any(not isinstance(s, SelectedField) for s in selections) else selections


def _summary(info: Info) -> bool:
    """Whether the graph's reached assets may be read as summaries: nothing selected
    under ``nodes { asset }`` beyond id, kind and names (``compact`` never needs more;
    ``root`` is read in full anyway)."""
    for graph in info.selected_fields:
        fields = _plain(graph.selections)
        if fields is None:
            return False
        for nodes in (f for f in fields if f.name == "nodes"):
            parts = _plain(nodes.selections)
            if parts is None:
                return False
            for asset in (p for p in parts if p.name == "asset"):
                wanted = _plain(asset.selections)
                if wanted is None or any(w.name not in _SUMMARY_FIELDS for w in wanted):
                    return False
    return True


# Edge fields the walk's columns answer (id, ends, hop); any other edge field, or
# ``compact.edgeTypes``, needs each edge read in full.
_EDGE_END_FIELDS = frozenset({"id", "sourceId", "targetId", "hop", "__typename"})


def _edge_details(info: Info) -> bool:
    """Whether the selection needs more of an edge than its id, ends and hop."""
    for graph in info.selected_fields:
        fields = _plain(graph.selections)
        if fields is None:
            return True
        for part in fields:
            if part.name not in ("edges", "compact"):
                continue
            wanted = _plain(part.selections)
            if wanted is None:
                return True
            if part.name == "edges" and any(w.name not in _EDGE_END_FIELDS for w in wanted):
                return True
            if part.name == "compact" and any(w.name == "edgeTypes" for w in wanted):
                return True
    return False


async def lineage(
    info: Info,
    asset_id: str,
    direction: gql.LineageDirection,
    depth: int,
    level: gql.LineageLevel | None,
) -> gql.LineageGraph:
    query = use_cases.LineageQuery(
        asset_id=decode_id(asset_id, "Asset", field="assetId"),
        direction=Direction(direction.value),
        depth=depth,
        level=EdgeLevel(level.value) if level else None,
        summary=_summary(info),
        edge_details=_edge_details(info),
    )
    graph = await use_cases.read_lineage(_uow(info), info.context.actor, query)
    return gql.LineageGraph.from_domain(graph)


async def asset_lineage(
    info: Info,
    asset_id: uuid.UUID,
    direction: gql.LineageDirection | None,
    depth: int,
    level: gql.LineageLevel | None,
) -> gql.LineageGraph:
    """The ``lineage`` field of an Asset."""
    way = Direction(direction.value) if direction else Direction.BOTH
    query = use_cases.LineageQuery(
        asset_id=asset_id,
        direction=way,
        depth=depth,
        level=EdgeLevel(level.value) if level else None,
        summary=_summary(info),
        edge_details=_edge_details(info),
    )
    graph = await use_cases.read_lineage(_uow(info), info.context.actor, query)
    return gql.LineageGraph.from_domain(graph)


async def lineage_impact(info: Info, asset_id: str, depth: int) -> gql.LineageImpact:
    report = await use_cases.lineage_impact(
        _uow(info), info.context.actor, decode_id(asset_id, "Asset", field="assetId"), depth
    )
    return gql.LineageImpact.from_domain(report)


async def resolve_lineage_edge(info: Info, raw_id: str) -> gql.LineageEdge | None:
    from racine.domain.access.model import Role

    info.context.actor.require(Role.VIEWER)
    async with _uow(info) as uow:
        found = (await uow.lineage.get_many([uuid.UUID(raw_id)])).get(uuid.UUID(raw_id))
    return None if found is None else gql.LineageEdge.from_domain(found)


def _spec(item: LineageEdgeInput, index: int, field: str) -> use_cases.EdgeSpec:
    return use_cases.EdgeSpec(
        decode_id(item.source_id, "Asset", field=f"{field}[{index}].sourceId"),
        decode_id(item.target_id, "Asset", field=f"{field}[{index}].targetId"),
        item.transformation.to_domain() if item.transformation else None,
    )


def _check_list(items: list[Any], field: str) -> None:
    from racine.domain.errors import LimitExceeded

    if len(items) > use_cases.MAX_EDGES_PER_CALL:
        raise LimitExceeded(f"at most {use_cases.MAX_EDGES_PER_CALL} edges", field=field)


async def add_lineage_edges(info: Info, input: AddLineageEdgesInput) -> LineageEdgesPayload:
    async def action() -> dict[str, Any]:
        _check_list(input.edges, "edges")
        cmd = use_cases.AddEdges(tuple(_spec(e, i, "edges") for i, e in enumerate(input.edges)))
        stored = await use_cases.add_lineage_edges(_uow(info), info.context.actor, cmd)
        return {"edges": [gql.LineageEdge.from_domain(e) for e in stored]}

    return await run_mutation(info, LineageEdgesPayload, action)


async def remove_lineage_edges(info: Info, input: RemoveLineageEdgesInput) -> LineageEdgesPayload:
    async def action() -> dict[str, Any]:
        _check_list(input.edge_ids, "edgeIds")
        _check_list(input.pairs, "pairs")
        cmd = use_cases.RemoveEdges(
            tuple(
                decode_id(v, "LineageEdge", field=f"edgeIds[{i}]")
                for i, v in enumerate(input.edge_ids)
            ),
            tuple(
                (s.source_id, s.target_id)
                for s in (_spec(p, i, "pairs") for i, p in enumerate(input.pairs))
            ),
        )
        removed = await use_cases.remove_lineage_edges(_uow(info), info.context.actor, cmd)
        return {"edges": [gql.LineageEdge.from_domain(e) for e in removed]}

    return await run_mutation(info, LineageEdgesPayload, action)


async def set_lineage_edge_propagation(
    info: Info, input: SetLineageEdgePropagationInput
) -> SetLineageEdgePropagationPayload:
    async def action() -> dict[str, Any]:
        edge_id = decode_id(input.edge_id, "LineageEdge", field="edgeId")
        edge = await use_cases.set_edge_propagation(
            _uow(info), info.context.actor, edge_id, input.blocked
        )
        return {"edge": gql.LineageEdge.from_domain(edge)}

    return await run_mutation(info, SetLineageEdgePropagationPayload, action)


async def ingest_sql_lineage(info: Info, input: IngestSqlLineageInput) -> IngestSqlLineagePayload:
    try:
        cmd = ingest.IngestSql(
            sql=input.sql,
            dialect=input.dialect,
            source_id=decode_id(input.data_source_id, "DataSource", field="dataSourceId"),
            default_schema=input.default_schema,
        )
        result = await ingest.ingest_sql_lineage(_uow(info), info.context.actor, cmd)
    except RacineError as exc:
        return IngestSqlLineagePayload(errors=[UserError.from_exception(exc)])
    return IngestSqlLineagePayload.from_domain(result)
