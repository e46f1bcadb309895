"""What SQL lineage extraction returns: one :class:`StatementLineage` per
statement of a batch, each with its edges or its error."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from racine.domain.lineage.model import ColumnEdge, Provenance, TableEdge

__all__ = [
    "ExternalTable",
    "SqlError",
    "SqlLineageResult",
    "StatementKind",
    "StatementLineage",
]


class StatementKind(StrEnum):
    SELECT = "SELECT"
    INSERT = "INSERT"
    CREATE_TABLE_AS = "CREATE_TABLE_AS"
    CREATE_VIEW = "CREATE_VIEW"
    UPDATE = "UPDATE"
    MERGE = "MERGE"
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class SqlError:
    """Why a statement gave no lineage. ``code`` is PARSE_ERROR, ANALYSIS_ERROR or
    LIMIT_EXCEEDED; ``line``/``column`` are 1-based positions in the whole batch."""

    code: str
    message: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class ExternalTable:
    """A table the statement touches that the catalog does not know (yet)."""

    name: str
    columns: tuple[str, ...]
    is_target: bool = False


@dataclass(frozen=True, slots=True)
class StatementLineage:
    index: int
    sql: str
    line: int
    column: int
    kind: StatementKind | None = None
    target: str | None = None
    sources: tuple[str, ...] = ()
    output_columns: tuple[str, ...] = ()
    table_edges: tuple[TableEdge, ...] = ()
    column_edges: tuple[ColumnEdge, ...] = ()
    external: tuple[ExternalTable, ...] = ()
    warnings: tuple[str, ...] = ()
    error: SqlError | None = None

    @property
    def provenance(self) -> Provenance:
        """VIEW for a view definition, SQL otherwise."""
        return Provenance.VIEW if self.kind is StatementKind.CREATE_VIEW else Provenance.SQL


@dataclass(frozen=True, slots=True)
class SqlLineageResult:
    statements: tuple[StatementLineage, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> tuple[SqlError, ...]:
        return tuple(s.error for s in self.statements if s.error is not None)

    @property
    def column_edges(self) -> tuple[ColumnEdge, ...]:
        return tuple(edge for s in self.statements for edge in s.column_edges)

    @property
    def table_edges(self) -> tuple[TableEdge, ...]:
        return tuple(edge for s in self.statements for edge in s.table_edges)

    @property
    def external(self) -> tuple[ExternalTable, ...]:
        """External tables over all statements, merged by name."""
        merged: dict[str, tuple[set[str], bool]] = {}
        for statement in self.statements:
            for table in statement.external:
                columns, is_target = merged.setdefault(table.name, (set(), False))
                columns.update(table.columns)
                merged[table.name] = (columns, is_target or table.is_target)
        return tuple(
            ExternalTable(name, tuple(sorted(cols)), target)
            for name, (cols, target) in sorted(merged.items())
        )
