"""The port to an external data source and the plain metadata it reflects.

Scanning walks a source through :class:`SourceConnector` and stores what it
finds in the catalog. Everything here is plain, frozen, picklable data so a
reflected table can cross a process boundary or be compared in a test; the
SQLAlchemy-based implementation lives in :mod:`racine.connectors`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "DEFAULT_SAMPLE_ROWS",
    "MAX_CELL_BYTES",
    "MAX_SAMPLE_ROWS",
    "ColumnMeta",
    "ForeignKeyMeta",
    "IndexMeta",
    "PortableSample",
    "SchemaMeta",
    "SourceConnector",
    "TableKind",
    "TableMeta",
    "TableRef",
]

DEFAULT_SAMPLE_ROWS = 128
"""Rows sampled per table unless the caller asks otherwise."""

MAX_SAMPLE_ROWS = 10_000
"""Hard cap on sampled rows: larger requests are clamped, never honoured."""

MAX_CELL_BYTES = 64 * 1024
"""Sampled text and binary cells are truncated to this many characters / bytes."""


class TableKind(enum.StrEnum):
    """A relation is either stored (``TABLE``) or defined by a query (``VIEW``,
    materialized views included)."""

    TABLE = "TABLE"
    VIEW = "VIEW"


@dataclass(frozen=True, slots=True)
class ColumnMeta:
    """One column as the source describes it. ``data_type`` is the engine's type
    rendered as text (``VARCHAR(40)``, ``INTEGER[]``, ``mood``); ``position`` is
    1-based; ``default`` is the default expression as the engine prints it.
    ``readable`` is False for a column the scanning user may not ``SELECT`` (a
    grant on other columns of the table only): it is catalogued, never sampled.
    ``key`` is the engine's own id of the column where it has one that a rename
    keeps (PostgreSQL: the table's OID and the column's ``attnum``), else None."""

    name: str
    data_type: str
    nullable: bool
    default: str | None = None
    comment: str | None = None
    position: int = 0
    is_primary_key: bool = False
    readable: bool = True
    key: str | None = None


@dataclass(frozen=True, slots=True)
class ForeignKeyMeta:
    """A foreign key: ``columns`` of this table reference ``referred_columns`` of
    ``referred_schema.referred_table``, pairwise in order."""

    name: str | None
    columns: tuple[str, ...]
    referred_schema: str | None
    referred_table: str
    referred_columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IndexMeta:
    """An index over ``columns`` in order (expression parts are omitted)."""

    name: str | None
    columns: tuple[str, ...]
    unique: bool


@dataclass(frozen=True, slots=True)
class TableRef:
    """A relation's name and kind, as listed before it is reflected; ``key`` as in
    :class:`TableMeta`."""

    name: str
    kind: TableKind
    key: str | None = None


@dataclass(frozen=True, slots=True)
class TableMeta:
    """A table or view with everything the catalog keeps about its shape.

    ``row_count`` is an estimate where the engine keeps one (PostgreSQL's
    planner statistics, MySQL's ``TABLE_ROWS``), a capped exact count on SQLite
    (a lower bound when the cap was reached) and ``None`` when unknown or for
    views. ``view_sql`` is the defining query of a view, ``None`` for tables.
    ``granted_columns_only`` is True for a MySQL/MariaDB table the user holds
    column grants on only: the server then shows only those columns (others may
    exist) and no indexes or foreign keys. ``key`` is the engine's own id of the
    relation where it has one that ``ALTER … RENAME`` and a move to another schema
    keep (PostgreSQL: the OID), else None: a scan follows a renamed relation by it.
    ``partition_key`` says how a partitioned table splits its rows (PostgreSQL's
    ``PARTITION BY`` as ``pg_get_partkeydef`` writes it: ``RANGE (logdate)``) and
    ``partitions`` how many leaf partitions it has (they are not catalogued of their
    own); None for other tables. ``foreign_server`` is the server a PostgreSQL
    foreign table reads through (``CREATE SERVER``'s name), None for other tables.
    ``row_security`` says PostgreSQL's row-level security is enabled on the table
    (``ALTER TABLE … ENABLE ROW LEVEL SECURITY``): a user without ``BYPASSRLS``
    reads only the rows its policies allow.
    """

    schema: str
    name: str
    kind: TableKind
    comment: str | None = None
    columns: tuple[ColumnMeta, ...] = ()
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKeyMeta, ...] = ()
    indexes: tuple[IndexMeta, ...] = ()
    row_count: int | None = None
    view_sql: str | None = None
    granted_columns_only: bool = False
    key: str | None = None
    partition_key: str | None = None
    partitions: int | None = None
    foreign_server: str | None = None
    row_security: bool = False


@dataclass(frozen=True, slots=True)
class PortableSample:
    """A sample as read, not yet plain: ``columns`` of cells by name, ready to be
    pickled to the process pool (see ``racine.domain.scanning.cells``), where
    ``plain_sample`` finishes them; ``exact_text`` names the columns of exact
    decimals read as their text, ``cut`` those whose text or binary cells the
    source already cut to ``MAX_CELL_BYTES`` (the pool need not measure them),
    ``text_dates`` those declared as dates or timestamps whose cells the source
    keeps as ISO text (SQLite): they are profiled as dates."""

    columns: dict[str, list[object]]
    exact_text: frozenset[str] = frozenset()
    cut: frozenset[str] = frozenset()
    text_dates: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SchemaMeta:
    """A schema (a database, on MySQL) inside the source."""

    name: str


class SourceConnector(Protocol):
    """Read-only access to one external data source.

    Every method raises :class:`racine.domain.errors.ConnectionFailed` with a
    ``reason`` when the source misbehaves, and ``NotFound`` for a schema, table
    or column that is not there. No message ever carries the password or DSN.
    """

    async def test(self) -> None:
        """Connect and run a trivial query; raise ``ConnectionFailed`` if that fails."""
        ...

    async def list_schemas(self) -> list[str]:
        """User schemas, sorted, without the engine's own (``pg_catalog`` …)."""
        ...

    async def schema_keys(self) -> dict[str, str]:
        """Each schema's id, by name, where the engine gives one a rename keeps
        (PostgreSQL: its OID); empty elsewhere."""
        ...

    async def list_tables(self, schema: str) -> list[TableRef]:
        """Tables and views of ``schema``, sorted by name."""
        ...

    async def reflect_table(self, schema: str, name: str) -> TableMeta:
        """Columns, keys, indexes, comment, row estimate and view SQL of one relation."""
        ...

    async def reflect_tables(self, schema: str, names: Sequence[str]) -> dict[str, TableMeta]:
        """:meth:`reflect_table` of many relations of one schema at once, by name;
        names that do not exist are left out."""
        ...

    async def sample(
        self,
        schema: str,
        table: str,
        columns: Sequence[str] | None = None,
        limit: int = DEFAULT_SAMPLE_ROWS,
    ) -> dict[str, list[object]]:
        """Up to ``limit`` (clamped to :data:`MAX_SAMPLE_ROWS`) values per column,
        as plain Python values (``None``, bool, int, float, str, bytes, date,
        datetime, time, list, dict); long cells truncated to :data:`MAX_CELL_BYTES`.
        ``columns=None`` samples every column."""
        ...

    async def sample_portable(
        self, schema: str, table: str, columns: Sequence[ColumnMeta], limit: int
    ) -> PortableSample:
        """:meth:`sample` of the reflected ``columns``, with the conversion to plain
        values left to the caller's process pool: only oversized cells are cut and
        odd driver types converted here; columns not ``readable`` are left out (unless
        none is). Same bounds and errors as :meth:`sample`."""
        ...

    async def close(self) -> None:
        """Release pooled connections; the connector is unusable afterwards."""
        ...
