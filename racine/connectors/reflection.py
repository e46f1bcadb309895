"""Reflection and sampling as plain synchronous functions over a SQLAlchemy
``Connection``; :class:`racine.connectors.sql.SqlConnector` runs them through
``AsyncConnection.run_sync`` so the inspector (a sync API) works on asyncio
drivers.

Column types are rendered with the source's own dialect. Types SQLAlchemy does
not know (PostgreSQL composites or extension types, SQLite's free-form
declarations) come back as ``NullType`` or a guessed affinity, so their names
are taken from the catalog instead (``format_type``, ``COLUMN_TYPE``,
``table_xinfo``); reflection never fails on a type.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, func, inspect, literal_column, select, text
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.engine import Inspector
from sqlalchemy.exc import SAWarning
from sqlalchemy.sql.expression import ColumnClause
from sqlalchemy.types import NullType, TypeEngine

from racine.connectors.url import Dialect
from racine.connectors.values import to_plain
from racine.domain.errors import NotFound
from racine.domain.scanning.source import (
    ColumnMeta,
    ForeignKeyMeta,
    IndexMeta,
    TableKind,
    TableMeta,
    TableRef,
)

__all__ = ["SQLITE_COUNT_CAP", "list_schemas", "list_tables", "reflect_table", "sample_rows"]

SQLITE_COUNT_CAP = 1_000_000
"""SQLite has no row estimate; counting stops here (the count is then a lower bound)."""

_SYSTEM_SCHEMAS = {
    Dialect.POSTGRESQL: frozenset({"information_schema", "pg_catalog", "pg_toast"}),
    Dialect.MYSQL: frozenset({"information_schema", "mysql", "performance_schema", "sys"}),
    Dialect.SQLITE: frozenset({"temp"}),
}


def list_schemas(conn: Connection, dialect: Dialect) -> list[str]:
    hidden = _SYSTEM_SCHEMAS[dialect]
    names = inspect(conn).get_schema_names()
    return sorted(n for n in names if n not in hidden and not n.startswith("pg_"))


def list_tables(conn: Connection, schema: str) -> list[TableRef]:
    insp = inspect(conn)
    _require_schema(insp, schema)
    refs = [TableRef(n, TableKind.TABLE) for n in insp.get_table_names(schema=schema)]
    refs += [TableRef(n, TableKind.VIEW) for n in _view_names(insp, schema)]
    return sorted(refs, key=lambda r: r.name)


def reflect_table(conn: Connection, dialect: Dialect, schema: str, name: str) -> TableMeta:
    insp = inspect(conn)
    _require_schema(insp, schema)
    is_view = name in _view_names(insp, schema)
    if not is_view and name not in insp.get_table_names(schema=schema):
        raise NotFound("table")
    with warnings.catch_warnings():
        # "Did not recognize type ..." is expected for custom types; handled below.
        warnings.simplefilter("ignore", SAWarning)
        raw_columns = insp.get_columns(name, schema=schema)
    pk = tuple(insp.get_pk_constraint(name, schema=schema).get("constrained_columns") or ())
    native = _native_types(conn, dialect, schema, name, raw_columns)
    columns = tuple(
        ColumnMeta(
            name=col["name"],
            data_type=native.get(col["name"]) or _render_type(col["type"], conn),
            nullable=bool(col.get("nullable", True)),
            default=None if col.get("default") is None else str(col["default"]),
            comment=col.get("comment") or None,
            position=i,
            is_primary_key=col["name"] in pk,
        )
        for i, col in enumerate(raw_columns, start=1)
    )
    return TableMeta(
        schema=schema,
        name=name,
        kind=TableKind.VIEW if is_view else TableKind.TABLE,
        comment=_table_comment(insp, schema, name),
        columns=columns,
        primary_key=pk,
        foreign_keys=_foreign_keys(insp, schema, name),
        indexes=_indexes(insp, schema, name),
        row_count=None if is_view else _row_count(conn, dialect, schema, name),
        view_sql=_view_sql(insp, schema, name) if is_view else None,
    )


def sample_rows(
    conn: Connection, schema: str, table: str, columns: Sequence[str] | None, limit: int
) -> dict[str, list[object]]:
    if columns is None:
        selected: list[ColumnClause[Any]] = [literal_column("*")]
    else:
        selected = [sa_column(c) for c in dict.fromkeys(columns)]
        if not selected:
            return {}
    stmt = select(*selected).select_from(sa_table(table, schema=schema))
    result = conn.execute(stmt.limit(limit))
    keys = list(result.keys())
    rows = result.fetchall()
    return {key: [to_plain(row[i]) for row in rows] for i, key in enumerate(keys)}


def _require_schema(insp: Inspector, schema: str) -> None:
    if schema not in insp.get_schema_names():
        raise NotFound("schema")


def _view_names(insp: Inspector, schema: str) -> list[str]:
    names = list(insp.get_view_names(schema=schema))
    with contextlib.suppress(NotImplementedError):
        names += insp.get_materialized_view_names(schema=schema)
    return names


def _render_type(type_: TypeEngine[Any], conn: Connection) -> str:
    if isinstance(type_, NullType):
        return "UNKNOWN"
    try:
        return str(type_.compile(dialect=conn.dialect))
    except Exception:  # any compiler gap: fall back to the generic rendering
        try:
            return str(type_)
        except Exception:
            return type(type_).__name__.upper()


def _native_types(
    conn: Connection, dialect: Dialect, schema: str, name: str, raw: list[Any]
) -> dict[str, str]:
    """Catalog type names, fetched only where SQLAlchemy's would lie or be empty."""
    if dialect is Dialect.SQLITE:
        quoted_schema = conn.dialect.identifier_preparer.quote_identifier(schema)
        rows = conn.exec_driver_sql(f"PRAGMA {quoted_schema}.table_xinfo({_sqlite_string(name)})")
        return {str(r[1]): (str(r[2]).strip().upper() or "ANY") for r in rows}
    if not any(isinstance(c["type"], NullType) for c in raw):
        return {}
    if dialect is Dialect.POSTGRESQL:
        query = text(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = :schema AND c.relname = :name AND a.attnum > 0"
            " AND NOT a.attisdropped"
        )
    else:
        query = text(
            "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = :schema AND TABLE_NAME = :name"
        )
    rows = conn.execute(query, {"schema": schema, "name": name})
    nulls = {c["name"] for c in raw if isinstance(c["type"], NullType)}
    return {str(r[0]): str(r[1]) for r in rows if r[0] in nulls}


def _sqlite_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _table_comment(insp: Inspector, schema: str, name: str) -> str | None:
    try:
        return insp.get_table_comment(name, schema=schema).get("text") or None
    except NotImplementedError:
        return None


def _foreign_keys(insp: Inspector, schema: str, name: str) -> tuple[ForeignKeyMeta, ...]:
    return tuple(
        ForeignKeyMeta(
            name=fk.get("name"),
            columns=tuple(fk["constrained_columns"]),
            referred_schema=fk.get("referred_schema") or schema,
            referred_table=fk["referred_table"],
            referred_columns=tuple(fk["referred_columns"]),
        )
        for fk in insp.get_foreign_keys(name, schema=schema)
    )


def _indexes(insp: Inspector, schema: str, name: str) -> tuple[IndexMeta, ...]:
    return tuple(
        IndexMeta(
            name=ix.get("name"),
            columns=tuple(c for c in ix.get("column_names", []) if c is not None),
            unique=bool(ix.get("unique")),
        )
        for ix in insp.get_indexes(name, schema=schema)
    )


def _view_sql(insp: Inspector, schema: str, name: str) -> str | None:
    try:
        definition = insp.get_view_definition(name, schema=schema)
    except NotImplementedError:
        return None
    return str(definition).strip() if definition else None


def _row_count(conn: Connection, dialect: Dialect, schema: str, name: str) -> int | None:
    if dialect is Dialect.POSTGRESQL:
        value = conn.execute(
            text(
                "SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = :schema AND c.relname = :name"
            ),
            {"schema": schema, "name": name},
        ).scalar()
        # -1 (PostgreSQL 14+) means the table was never vacuumed or analyzed.
        return None if value is None or value < 0 else round(value)
    if dialect is Dialect.MYSQL:
        value = conn.execute(
            text(
                "SELECT TABLE_ROWS FROM information_schema.TABLES"
                " WHERE TABLE_SCHEMA = :schema AND TABLE_NAME = :name"
            ),
            {"schema": schema, "name": name},
        ).scalar()
        return None if value is None else int(value)
    capped: Select[Any] = select(literal_column("1")).select_from(sa_table(name, schema=schema))
    sub = capped.limit(SQLITE_COUNT_CAP).subquery()
    return int(conn.execute(select(func.count()).select_from(sub)).scalar_one())
