"""Lineage area: inputs of the mutations (add, remove and block edges, ingest SQL)
and the payloads they answer."""

from __future__ import annotations

from typing import Self

import strawberry

from racine.domain.errors import LimitExceeded, RacineError, ValidationFailed
from racine.domain.lineage import edges as edge_model
from racine.domain.lineage import ingest as ingest_model
from racine.domain.lineage import model
from racine.domain.lineage.sqlresult import StatementLineage
from racine.schema.catalog import Asset
from racine.schema.errors import UserError
from racine.schema.lineage import LineageEdge, TransformationSubtype, TransformationType

__all__ = [
    "AddLineageEdgesInput",
    "IngestSqlLineageInput",
    "IngestSqlLineagePayload",
    "LineageEdgeInput",
    "LineageEdgesPayload",
    "RemoveLineageEdgesInput",
    "SetLineageEdgePropagationInput",
    "SetLineageEdgePropagationPayload",
    "SqlStatementLineage",
    "TransformationInput",
]


@strawberry.input(description="How the source feeds the target. Omitted: DIRECT IDENTITY.")
class TransformationInput:
    type: TransformationType = strawberry.field(description="DIRECT or INDIRECT.")
    subtype: TransformationSubtype | None = strawberry.field(
        default=None, description="Must belong to `type`."
    )
    masking: bool = strawberry.field(default=False, description="Hashed or masked on the way.")

    def to_domain(self) -> model.Transformation:
        return model.Transformation(
            model.TransformationType(self.type.value),
            model.TransformationSubtype(self.subtype.value) if self.subtype else None,
            self.masking,
        )


@strawberry.input(
    description="One edge. Both ends columns (column level), or both tables, "
    "views or external assets (table level)."
)
class LineageEdgeInput:
    source_id: strawberry.ID = strawberry.field(description="Global id of the source asset.")
    target_id: strawberry.ID = strawberry.field(description="Global id of the target asset.")
    transformation: TransformationInput | None = strawberry.field(
        default=None, description="How the value flows; omitted means DIRECT IDENTITY."
    )


@strawberry.input(
    description="Edges to add by hand (provenance MANUAL), 1-100. STEWARD or "
    "above. Adding an existing edge again updates its transformation."
)
class AddLineageEdgesInput:
    edges: list[LineageEdgeInput] = strawberry.field(description="1-100 edges.")


@strawberry.input(
    description="Edges to remove, 1-100 in total: any edge by id, or the MANUAL "
    "edges between pairs of assets. STEWARD or above."
)
class RemoveLineageEdgesInput:
    edge_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="LineageEdge global ids (any provenance)."
    )
    pairs: list[LineageEdgeInput] = strawberry.field(
        default_factory=list,
        description="Source/target pairs whose MANUAL edges go (`transformation` is ignored).",
    )


@strawberry.type(description="Result of adding or removing edges.")
class LineageEdgesPayload:
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")
    edges: list[LineageEdge] = strawberry.field(
        default_factory=list, description="The edges added (or updated) or removed."
    )


@strawberry.input(description="Block or unblock label propagation across one edge. STEWARD.")
class SetLineageEdgePropagationInput:
    edge_id: strawberry.ID = strawberry.field(description="LineageEdge global id.")
    blocked: bool = strawberry.field(description="True stops labels at this edge.")


@strawberry.type(description="Result of setLineageEdgePropagation.")
class SetLineageEdgePropagationPayload:
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")
    edge: LineageEdge | None = strawberry.field(default=None, description="The edge.")


@strawberry.input(
    description="SQL to derive lineage from, parsed against a data source's "
    "catalog. EDITOR or above. At most 1 MB and 1,000 statements."
)
class IngestSqlLineageInput:
    sql: str = strawberry.field(description="One or more statements separated by `;`.")
    dialect: str = strawberry.field(
        description="postgres, mysql, sqlite, snowflake, bigquery, tsql... (sqlglot names)."
    )
    data_source_id: strawberry.ID = strawberry.field(
        description="Global id of the DataSource whose tables the SQL reads."
    )
    default_schema: str | None = strawberry.field(
        default=None, description="Schema of unqualified table names, e.g. `public`."
    )


@strawberry.type(description="Why one statement gave no lineage.")
class SqlStatementError:
    code: str = strawberry.field(description="PARSE_ERROR, ANALYSIS_ERROR or LIMIT_EXCEEDED.")
    message: str = strawberry.field(description="What went wrong.")
    line: int = strawberry.field(description="1-based line in the whole SQL text.")
    column: int = strawberry.field(description="1-based column on that line.")


@strawberry.type(description="Lineage of one statement.")
class SqlStatementLineage:
    index: int = strawberry.field(description="0-based position in the batch.")
    line: int = strawberry.field(description="1-based line where the statement starts.")
    column: int = strawberry.field(description="1-based column where it starts.")
    kind: str | None = strawberry.field(
        description="SELECT, INSERT, CREATE_TABLE_AS, CREATE_VIEW, UPDATE, MERGE or OTHER."
    )
    target: str | None = strawberry.field(description="Qualified name of the written table.")
    sources: list[str] = strawberry.field(description="Qualified names of the tables read.")
    warnings: list[str] = strawberry.field(description="Approximations made.")
    error: SqlStatementError | None = strawberry.field(description="Null when it parsed.")
    edges: list[LineageEdge] = strawberry.field(description="Edges stored for it.")

    @classmethod
    def from_domain(cls, s: StatementLineage, stored: list[edge_model.LineageEdge]) -> Self:
        error = (
            None
            if s.error is None
            else SqlStatementError(
                code=s.error.code, message=s.error.message, line=s.error.line, column=s.error.column
            )
        )
        return cls(
            index=s.index,
            line=s.line,
            column=s.column,
            kind=s.kind.value if s.kind else None,
            target=s.target,
            sources=list(s.sources),
            warnings=list(s.warnings),
            error=error,
            edges=[LineageEdge.from_domain(e) for e in stored],
        )


@strawberry.type(
    description="Result of ingestSqlLineage. When any statement fails, nothing "
    "is stored: `errors` says so and `statements` gives each position."
)
class IngestSqlLineagePayload:
    errors: list[UserError] = strawberry.field(description="Why nothing was stored, if so.")
    statements: list[SqlStatementLineage] = strawberry.field(
        default_factory=list, description="Per-statement outcome, in order."
    )
    created_assets: list[Asset] = strawberry.field(
        default_factory=list,
        description="EXTERNAL placeholders (and their columns) created "
        "for tables the catalog did not know.",
    )
    table_edge_count: int = strawberry.field(default=0, description="Table-level edges stored.")
    column_edge_count: int = strawberry.field(default=0, description="Column-level edges stored.")

    @classmethod
    def from_domain(cls, r: ingest_model.SqlIngestResult) -> Self:
        errors = [UserError.from_exception(_statement_error(s)) for s in r.statements if s.error]
        edges = r.all_edges
        return cls(
            errors=errors,
            statements=[
                SqlStatementLineage.from_domain(s, r.edges.get(s.index, [])) for s in r.statements
            ],
            created_assets=[Asset.from_domain(a) for a in r.created],
            table_edge_count=sum(e.level is edge_model.EdgeLevel.TABLE for e in edges),
            column_edge_count=sum(e.level is edge_model.EdgeLevel.COLUMN for e in edges),
        )


def _statement_error(s: StatementLineage) -> RacineError:
    assert s.error is not None
    kind = LimitExceeded if s.error.code == "LIMIT_EXCEEDED" else ValidationFailed
    return kind(
        f"statement {s.index + 1} (line {s.error.line}, column {s.error.column}): "
        f"{s.error.message}",
        field="sql",
    )
