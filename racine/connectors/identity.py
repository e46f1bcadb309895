"""The ids a PostgreSQL source gives its schemas, relations and columns, which a rename
keeps: a scan follows renamed schemas, tables and columns by them
(``SourceConnector.schema_keys``, ``TableRef.key``, ``TableMeta.key``,
``ColumnMeta.key``). Other engines have none."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, text

from racine.connectors.url import Dialect

__all__ = ["column_keys", "relation_keys", "schema_keys"]


def schema_keys(conn: Connection, dialect: Dialect) -> dict[str, str]:
    """PostgreSQL: every schema's OID by name (``ALTER SCHEMA … RENAME`` keeps it).
    Other engines have no such id: none."""
    if dialect is not Dialect.POSTGRESQL:
        return {}
    query = text("SELECT nspname, oid FROM pg_namespace")
    return {str(name): str(oid) for name, oid in conn.execute(query)}


def relation_keys(conn: Connection, dialect: Dialect, schema: str) -> dict[str, str]:
    """PostgreSQL: every relation's OID by name, in one query (a rename and ``SET
    SCHEMA`` keep it). Other engines have no such id: none."""
    if dialect is not Dialect.POSTGRESQL:
        return {}
    query = text(
        "SELECT c.relname, c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = :schema"
    )
    return {str(name): str(oid) for name, oid in conn.execute(query, {"schema": schema})}


def column_keys(
    conn: Connection, dialect: Dialect, schema: str, names: list[str]
) -> dict[str, tuple[str, dict[str, str]]]:
    """PostgreSQL: each relation's OID and its columns' keys (``oid:attnum``: a
    column rename keeps its ``attnum``, and the OID ties it to this very table, so a
    table dropped and created again under its name does not pass its columns' keys
    on), in one query. Other engines: none."""
    if dialect is not Dialect.POSTGRESQL or not names:
        return {}
    query = text(
        "SELECT c.relname, c.oid, a.attname, a.attnum FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " WHERE n.nspname = :schema AND c.relname IN :names"
    ).bindparams(bindparam("names", expanding=True))
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for table, oid, column, attnum in conn.execute(query, {"schema": schema, "names": names}):
        columns = found.setdefault(str(table), (str(oid), {}))[1]
        if column is not None:  # a table with no columns has one row, without any
            columns[str(column)] = f"{oid}:{attnum}"
    return found
