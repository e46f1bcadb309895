"""What an engine's own catalog says about its tables beyond their shape: which
tables are parts of another (left out of the catalog), which are foreign tables
and through which server they read, row estimates, and how a partitioned table
is split. Plain synchronous functions over a SQLAlchemy
connection, as :mod:`racine.connectors.reflection` calls them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, literal_column, select, text
from sqlalchemy import table as sa_table
from sqlalchemy.exc import DBAPIError

from racine.connectors.url import Dialect

__all__ = ["SQLITE_COUNT_CAP", "TableStats", "foreign_tables", "inner_tables", "table_stats"]

SQLITE_COUNT_CAP = 1_000_000
"""SQLite has no row estimate; counting stops here (the count is then a lower bound)."""


@dataclass(frozen=True, slots=True)
class TableStats:
    """``rows``: the engine's estimate (a capped count on SQLite), None if unknown;
    ``partition_key`` and ``partitions``: how a partitioned table is split
    (PostgreSQL's ``RANGE (logdate)``) and into how many leaf partitions;
    ``row_security``: PostgreSQL's row-level security is enabled on it."""

    rows: int | None
    partition_key: str | None = None
    partitions: int | None = None
    row_security: bool = False


def inner_tables(conn: Connection, dialect: Dialect, schema: str) -> frozenset[str]:
    """Tables that are parts of another, which the catalog leaves out as OpenMetadata
    does: PostgreSQL's partitions (``relispartition``), which their partitioned
    table stands for (its sample reads them, its row estimate sums theirs; a table
    of daily partitions would add hundreds of copies of one table), and SQLite's
    shadow tables, where a virtual table (FTS5, R*Tree) keeps its index
    (``PRAGMA table_list``, SQLite 3.37+; before, none are left out)."""
    if dialect is Dialect.POSTGRESQL:
        query = text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = :schema AND c.relispartition"
        )
        return frozenset(str(name) for (name,) in conn.execute(query, {"schema": schema}))
    if dialect is Dialect.SQLITE:
        quoted = conn.dialect.identifier_preparer.quote(schema)
        try:
            rows = conn.exec_driver_sql(f"PRAGMA {quoted}.table_list").all()
        except DBAPIError:  # older than 3.37
            return frozenset()
        return frozenset(str(row[1]) for row in rows if row[2] == "shadow")
    return frozenset()


def foreign_tables(conn: Connection, dialect: Dialect, schema: str) -> dict[str, str]:
    """PostgreSQL's foreign tables of ``schema`` (``CREATE FOREIGN TABLE``, read
    through a foreign-data wrapper), by name: the foreign server each reads
    through. SQLAlchemy lists them apart from tables; the catalog keeps them as
    tables, as OpenMetadata does. Other engines have none."""
    if dialect is not Dialect.POSTGRESQL:
        return {}
    query = text(
        "SELECT c.relname, s.srvname FROM pg_foreign_table f"
        " JOIN pg_class c ON c.oid = f.ftrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_foreign_server s ON s.oid = f.ftserver"
        " WHERE n.nspname = :schema"
    )
    return {str(name): str(server) for name, server in conn.execute(query, {"schema": schema})}


# PostgreSQL 12+ (pg_partition_tree). A partitioned table keeps no rows itself: its
# estimate is the sum of its leaf partitions' (none while any of them was never
# analyzed, as for a table: -1), and it has a key and a number of leaves.
_PG_PARTITIONED = """
    CASE WHEN c.relkind <> 'p' THEN c.reltuples ELSE (
        SELECT CASE WHEN bool_or(p.reltuples < 0) THEN -1 ELSE sum(p.reltuples) END
        FROM pg_partition_tree(c.oid) t JOIN pg_class p ON p.oid = t.relid
        WHERE t.isleaf
    ) END,
    CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
    CASE WHEN c.relkind = 'p' THEN (
        SELECT count(*) FROM pg_partition_tree(c.oid) t WHERE t.isleaf
    ) END"""
_PG_PLAIN = "c.reltuples, NULL, NULL"


def table_stats(
    conn: Connection, dialect: Dialect, schema: str, names: list[str]
) -> dict[str, TableStats]:
    """Row estimates where the engine keeps them, counts on SQLite, and PostgreSQL's
    partitioning, in one query (one count per table on SQLite)."""
    if not names:
        return {}
    if dialect is Dialect.POSTGRESQL:
        modern = (conn.dialect.server_version_info or (0,)) >= (12,)
        query = text(
            f"SELECT c.relname, {_PG_PARTITIONED if modern else _PG_PLAIN}, c.relrowsecurity"
            " FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = :schema AND c.relname IN :names"
        ).bindparams(bindparam("names", expanding=True))
        rows = conn.execute(query, {"schema": schema, "names": names})
        # -1 (PostgreSQL 14+) means the table was never vacuumed or analyzed.
        return {
            str(n): TableStats(
                None if v is None or v < 0 else round(v),
                None if key is None else str(key),
                None if leaves is None else int(leaves),
                bool(secured),
            )
            for n, v, key, leaves, secured in rows
        }
    if dialect is Dialect.MYSQL:
        query = text(
            "SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES"
            " WHERE TABLE_SCHEMA = :schema AND TABLE_NAME IN :names"
        ).bindparams(bindparam("names", expanding=True))
        rows = conn.execute(query, {"schema": schema, "names": names})
        return {str(n): TableStats(None if v is None else int(v)) for n, v in rows}
    counts: dict[str, TableStats] = {}
    for name in names:
        capped: Select[Any] = select(literal_column("1")).select_from(sa_table(name, schema=schema))
        sub = capped.limit(SQLITE_COUNT_CAP).subquery()
        counts[name] = TableStats(
            int(conn.execute(select(func.count()).select_from(sub)).scalar_one())
        )
    return counts
