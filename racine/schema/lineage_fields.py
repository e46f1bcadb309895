"""Root fields of the lineage area, mixed into ``Query``/``Mutation`` so the shared
root module only names these classes as bases."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from racine.resolvers import lineage as lr
from racine.resolvers.permissions import IsEditor, IsSteward, IsViewer
from racine.schema import lineage as g
from racine.schema.lineage_inputs import (
    AddLineageEdgesInput,
    IngestSqlLineageInput,
    IngestSqlLineagePayload,
    LineageEdgesPayload,
    RemoveLineageEdgesInput,
    SetLineageEdgePropagationInput,
    SetLineageEdgePropagationPayload,
)
from racine.schema.relay import register_node

__all__ = ["LineageMutation", "LineageQuery"]

INPUT = strawberry.argument(description="The mutation's input.")
ASSET = strawberry.argument(description="Global id of the Asset to start from.")
DEPTH = strawberry.argument(description="Hops to walk, 0-20 (default 3).")
LEVEL = strawberry.argument(
    description="TABLE or COLUMN; default follows the asset (COLUMN for a column)."
)
DIRECTION = strawberry.argument(description="UPSTREAM, DOWNSTREAM or BOTH (default).")

register_node("LineageEdge", lr.resolve_lineage_edge)


@strawberry.type
class LineageQuery:
    @strawberry.field(
        description="Lineage around an asset: reached assets with their hop distance and the "
        "edges between them. At most 10,000 nodes and a 5 s budget: beyond either, "
        "`truncated` is true and the graph is partial. VIEWER or above.",
        permission_classes=[IsViewer],
    )
    async def lineage(
        self,
        info: Info,
        asset_id: Annotated[strawberry.ID, ASSET],
        direction: Annotated[g.LineageDirection, DIRECTION] = g.LineageDirection.BOTH,
        depth: Annotated[int, DEPTH] = 3,
        level: Annotated[g.LineageLevel | None, LEVEL] = None,
    ) -> g.LineageGraph:
        return await lr.lineage(info, asset_id, direction, depth, level)

    @strawberry.field(
        description="Impact analysis: every asset downstream of this one (up to `depth` hops, "
        "10,000 assets), grouped by kind and owner, with the classifications they hold. "
        "VIEWER or above.",
        permission_classes=[IsViewer],
    )
    async def lineage_impact(
        self,
        info: Info,
        asset_id: Annotated[strawberry.ID, ASSET],
        depth: Annotated[int, strawberry.argument(description="Hops, 1-20 (default 20).")] = 20,
    ) -> g.LineageImpact:
        return await lr.lineage_impact(info, asset_id, depth)


@strawberry.type
class LineageMutation:
    @strawberry.mutation(
        description="Add table- or column-level edges by hand (provenance MANUAL). STEWARD or "
        "above; audited. 1-100 edges.",
        permission_classes=[IsSteward],
    )
    async def add_lineage_edges(
        self, info: Info, input: Annotated[AddLineageEdgesInput, INPUT]
    ) -> LineageEdgesPayload:
        return await lr.add_lineage_edges(info, input)

    @strawberry.mutation(
        description="Remove edges (by id, or MANUAL ones by pair); propagated labels that "
        "relied on them go too. STEWARD or above; audited. 1-100 edges.",
        permission_classes=[IsSteward],
    )
    async def remove_lineage_edges(
        self, info: Info, input: Annotated[RemoveLineageEdgesInput, INPUT]
    ) -> LineageEdgesPayload:
        return await lr.remove_lineage_edges(info, input)

    @strawberry.mutation(
        description="Block or unblock classification/term propagation across one edge. "
        "STEWARD or above; audited.",
        permission_classes=[IsSteward],
    )
    async def set_lineage_edge_propagation(
        self, info: Info, input: Annotated[SetLineageEdgePropagationInput, INPUT]
    ) -> SetLineageEdgePropagationPayload:
        return await lr.set_lineage_edge_propagation(info, input)

    @strawberry.mutation(
        description="Derive table and column lineage from SQL, parsed against a data source's "
        "catalog; unknown tables become EXTERNAL assets. All statements or nothing: a "
        "statement that does not parse is reported with its line and column and nothing is "
        "stored. EDITOR or above; audited.",
        permission_classes=[IsEditor],
    )
    async def ingest_sql_lineage(
        self, info: Info, input: Annotated[IngestSqlLineageInput, INPUT]
    ) -> IngestSqlLineagePayload:
        return await lr.ingest_sql_lineage(info, input)
