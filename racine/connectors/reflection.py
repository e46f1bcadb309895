"""Reflection as plain synchronous functions over a SQLAlchemy
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
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    inspect,
    text,
)
from sqlalchemy.dialects.mysql import LONGTEXT
from sqlalchemy.engine import Inspector, ObjectKind
from sqlalchemy.exc import DBAPIError, SAWarning
from sqlalchemy.types import NullType, TypeEngine

from racine.connectors.identity import column_keys, relation_keys
from racine.connectors.privileges import refused_tables, show_refused, unreadable_columns
from racine.connectors.table_stats import (
    SQLITE_COUNT_CAP,
    TableStats,
    foreign_tables,
    inner_tables,
    table_stats,
)
from racine.connectors.url import Dialect
from racine.domain.errors import UNKNOWN, ConnectionFailed, NotFound
from racine.domain.scanning.source import (
    ColumnMeta,
    ForeignKeyMeta,
    IndexMeta,
    TableKind,
    TableMeta,
    TableRef,
)

__all__ = [
    "SQLITE_COUNT_CAP",
    "list_schemas",
    "list_tables",
    "reflect_table",
    "reflect_tables",
]

_NO_STATS = TableStats(None)
_SYSTEM_SCHEMAS = {
    Dialect.POSTGRESQL: frozenset({"information_schema", "pg_catalog", "pg_toast"}),
    Dialect.MYSQL: frozenset({"information_schema", "mysql", "performance_schema", "sys"}),
    Dialect.SQLITE: frozenset({"temp"}),
}


def list_schemas(conn: Connection, dialect: Dialect) -> list[str]:
    hidden = _SYSTEM_SCHEMAS[dialect]
    names = inspect(conn).get_schema_names()
    return sorted(n for n in names if n not in hidden and not n.startswith("pg_"))


def list_tables(conn: Connection, schema: str, dialect: Dialect) -> list[TableRef]:
    """The tables (foreign tables included) and views of ``schema``, without the
    tables that belong to another (:func:`racine.connectors.table_stats.inner_tables`)."""
    insp = inspect(conn)
    _require_schema(insp, schema)
    keys = relation_keys(conn, dialect, schema)
    inner = inner_tables(conn, dialect, schema)
    names = [*insp.get_table_names(schema=schema), *foreign_tables(conn, dialect, schema)]
    refs = [TableRef(n, TableKind.TABLE, keys.get(n)) for n in names if n not in inner]
    refs += [TableRef(n, TableKind.VIEW, keys.get(n)) for n in _view_names(insp, schema)]
    return sorted(refs, key=lambda r: r.name)


def reflect_table(conn: Connection, dialect: Dialect, schema: str, name: str) -> TableMeta:
    try:
        found = reflect_tables(conn, dialect, schema, [name], alone=True)
    except DBAPIError as error:
        # SQLite keeps a view whose table was dropped, and answers "no such table" for
        # it: not the view gone (a scan would remove it), but the view broken.
        if dialect is Dialect.SQLITE and name in _view_names(inspect(conn), schema):
            detail = str(error.orig).splitlines()[0] if error.orig else "unreadable"
            raise ConnectionFailed(
                UNKNOWN, f"the view refers to what the source no longer has: {detail}"
            ) from None
        raise
    if name not in found:
        raise NotFound("table")
    return found[name]


def reflect_tables(
    conn: Connection,
    dialect: Dialect,
    schema: str,
    names: Sequence[str],
    *,
    alone: bool = False,
) -> dict[str, TableMeta]:
    """The relations of ``names`` that exist, by name, reflected together: a handful
    of catalog queries for the lot (SQLAlchemy's ``get_multi_*``), not ~10 per table.

    A MySQL/MariaDB view that shows no columns is invalid (a table it reads was
    dropped: MySQL allows that): it is left out here, so the scan reflects it alone,
    and reflected ``alone`` the server's own error for it is raised (a per-table
    error, not a view with no columns)."""
    insp = inspect(conn)
    _require_schema(insp, schema)
    views = set(_view_names(insp, schema))
    foreign = foreign_tables(conn, dialect, schema)
    tables = set(insp.get_table_names(schema=schema)) | set(foreign)
    present = [n for n in dict.fromkeys(names) if n in views or n in tables]
    if not present:
        return {}
    try:
        found = _reflect_present(conn, insp, dialect, schema, present, views, alone, alone)
    except DBAPIError as error:
        if alone or not show_refused(error):
            raise
        # A column grant through a role is not in COLUMN_PRIVILEGES: probe every table.
        found = _reflect_present(conn, insp, dialect, schema, present, views, alone, True)
    for name in foreign.keys() & found.keys():
        found[name] = replace(found[name], foreign_server=foreign[name])
    return found


def _reflect_present(
    conn: Connection,
    insp: Inspector,
    dialect: Dialect,
    schema: str,
    present: list[str],
    views: set[str],
    alone: bool,
    probe_all: bool,
) -> dict[str, TableMeta]:
    refused = refused_tables(
        conn, dialect, schema, [n for n in present if n not in views], probe_all=probe_all
    )
    veiled = _described(
        conn,
        schema,
        _veiled_views(conn, dialect, schema, [n for n in present if n in views]) | refused,
    )
    shown = [n for n in present if n not in veiled]
    multi: dict[str, Any] = {"schema": schema, "filter_names": shown, "kind": ObjectKind.ANY}
    raw_columns: dict[str, Any] = {name: columns for name, (columns, _) in veiled.items()}
    pks: dict[str, Any] = {
        name: {"constrained_columns": list(pk)} for name, (_, pk) in veiled.items() if pk
    }
    fks: dict[str, Any] = {}
    indexes: dict[str, Any] = {}
    comments: dict[str, Any] = {}
    if shown:
        with warnings.catch_warnings():
            # "Did not recognize type ..." is expected for custom types; handled below.
            warnings.simplefilter("ignore", SAWarning)
            raw_columns |= _by_name(insp.get_multi_columns(**multi))
        pks |= _by_name(insp.get_multi_pk_constraint(**multi))
        fks = _by_name(insp.get_multi_foreign_keys(**multi))
        indexes = _by_name(insp.get_multi_indexes(**multi))
        if dialect is Dialect.MYSQL:
            _unescape_mysql(shown, raw_columns, pks, fks, indexes)
        with contextlib.suppress(NotImplementedError):
            comments = _by_name(insp.get_multi_table_comment(**multi))
    native = _native_types(conn, dialect, schema, raw_columns)
    for table, json_columns in _mariadb_json(conn, dialect, schema, raw_columns).items():
        native.setdefault(table, {}).update(dict.fromkeys(json_columns, "JSON"))
    unreadable = unreadable_columns(conn, dialect, schema, present)
    ordinals = _ordinal_positions(conn, schema, sorted(refused & set(veiled)))
    stats = table_stats(conn, dialect, schema, [n for n in present if n not in views])
    keys = column_keys(conn, dialect, schema, present)
    found: dict[str, TableMeta] = {}
    for name in present:
        is_view = name in views
        if is_view and dialect is Dialect.MYSQL and not raw_columns.get(name):
            if alone:
                quote = conn.dialect.identifier_preparer.quote
                conn.execute(text(f"SELECT * FROM {quote(schema)}.{quote(name)} LIMIT 0"))
            continue
        pk = tuple((pks.get(name) or {}).get("constrained_columns") or ())
        stat = stats.get(name, _NO_STATS)  # views have none
        types = native.get(name, {})
        key, keys_of = keys.get(name, (None, {}))
        columns = tuple(
            ColumnMeta(
                name=col["name"],
                data_type=types.get(col["name"]) or _render_type(col["type"], conn),
                nullable=bool(col.get("nullable", True))
                and not _rowid_alias(dialect, pk, col["name"], types),
                default=None if col.get("default") is None else str(col["default"]),
                comment=col.get("comment") or None,
                position=ordinals.get(name, {}).get(col["name"], i),
                is_primary_key=col["name"] in pk,
                readable=col["name"] not in unreadable.get(name, ()),
                key=keys_of.get(col["name"]),
            )
            for i, col in enumerate(raw_columns.get(name, []), start=1)
        )
        found[name] = TableMeta(
            schema=schema,
            name=name,
            kind=TableKind.VIEW if is_view else TableKind.TABLE,
            comment=(comments.get(name) or {}).get("text") or None,
            columns=columns,
            primary_key=pk,
            foreign_keys=_foreign_keys(schema, fks.get(name) or []),
            indexes=_indexes(indexes.get(name) or []),
            row_count=stat.rows,
            view_sql=_view_sql(insp, schema, name) if is_view and name not in veiled else None,
            granted_columns_only=name in refused and name in veiled,
            key=key,
            partition_key=stat.partition_key,
            partitions=stat.partitions,
            row_security=stat.row_security,
        )
    return found


def _rowid_alias(dialect: Dialect, pk: tuple[str, ...], column: str, types: dict[str, str]) -> bool:
    """A SQLite ``INTEGER PRIMARY KEY`` column: the table's rowid under another name,
    never NULL, though SQLite reports it nullable unless declared ``NOT NULL``."""
    return dialect is Dialect.SQLITE and pk == (column,) and types.get(column) == "INTEGER"


def _veiled_views(conn: Connection, dialect: Dialect, schema: str, views: list[str]) -> set[str]:
    """MySQL/MariaDB views whose definition the scanning user may not see: ``SELECT``
    without ``SHOW VIEW`` (what ``GRANT SELECT ON db.*`` gives). The server then shows
    an empty ``VIEW_DEFINITION`` and refuses ``SHOW CREATE``, which SQLAlchemy's
    reflection runs for every relation, so such a view would fail as a whole."""
    if dialect is not Dialect.MYSQL or not views:
        return set()
    query = text(
        "SELECT TABLE_NAME FROM information_schema.VIEWS"
        " WHERE TABLE_SCHEMA = :schema AND TABLE_NAME IN :names AND VIEW_DEFINITION = ''"
    ).bindparams(bindparam("names", expanding=True))
    return {str(n) for (n,) in conn.execute(query, {"schema": schema, "names": views})}


def _described(
    conn: Connection, schema: str, names: set[str]
) -> dict[str, tuple[list[Any], tuple[str, ...]]]:
    """The columns and primary key of relations whose ``SHOW CREATE`` is refused
    (veiled views, tables granted by column only), by name (:func:`_described_columns`).
    That reads SQLAlchemy's MySQL parser, not a public API: should a SQLAlchemy release
    change it, none, and those relations fail with PERMISSION_DENIED as they did before."""
    try:
        return {name: _described_columns(conn, schema, name) for name in sorted(names)}
    except (AttributeError, TypeError):
        return {}


def _described_columns(
    conn: Connection, schema: str, name: str
) -> tuple[list[Any], tuple[str, ...]]:
    """A relation's columns and primary key from ``DESCRIBE`` (which any privilege on
    the relation allows; it shows the columns the user holds privileges on), parsed by
    SQLAlchemy's MySQL table parser: the same path and types its reflection takes for
    views once ``SHOW CREATE`` has told it the relation is one."""
    dialect: Any = conn.dialect
    parser, charset = dialect._tabledef_parser, dialect._connection_charset
    full_name = ".".join(dialect.identifier_preparer._quote_free_identifiers(schema, name))
    rows = dialect._describe_table(conn, None, charset, full_name=full_name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        state = parser.parse(parser._describe_to_create(name, rows), charset)
    # DESCRIBE's Null is "YES" or "NO", which the parser's DDL takes as NOT NULL-less.
    nullable = {str(row[0]): str(row[2]).upper() == "YES" for row in rows}
    columns = [{**col, "nullable": nullable.get(col["name"], True)} for col in state.columns]
    pk = tuple(str(row[0]) for row in rows if row[3] == "PRI")
    return columns, pk


def _ordinal_positions(
    conn: Connection, schema: str, names: Sequence[str]
) -> dict[str, dict[str, int]]:
    """The real positions of the columns a MySQL/MariaDB user is shown of ``names``
    (tables it holds column grants on only): ``DESCRIBE`` lists just those columns, so
    counting them would number them as if the others did not exist."""
    if not names:
        return {}
    query = text(
        "SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = :schema AND TABLE_NAME IN :names"
    ).bindparams(bindparam("names", expanding=True))
    found: dict[str, dict[str, int]] = {}
    for table, column, position in conn.execute(query, {"schema": schema, "names": list(names)}):
        found.setdefault(str(table), {})[str(column)] = int(position)
    return found


def _unescape_mysql(tables: Sequence[str], columns: Any, pks: Any, fks: Any, indexes: Any) -> None:
    """SQLAlchemy reads MySQL's ``SHOW CREATE TABLE`` without undoing its quoting in
    column names: a column named ``a`b`` comes back as ``a``b``, which no statement
    finds (its sample failed as a table gone); so are constraint names. Undone here,
    in place, for ``tables``."""

    def name(n: str | None) -> str | None:
        return None if n is None else n.replace("``", "`")

    for table in tables:
        for column in columns.get(table) or []:
            column["name"] = name(column["name"])
        if pks.get(table):
            pks[table]["constrained_columns"] = [name(c) for c in pks[table]["constrained_columns"]]
        for fk in fks.get(table) or []:
            fk["name"] = name(fk.get("name"))
            fk["constrained_columns"] = [name(c) for c in fk["constrained_columns"]]
            fk["referred_columns"] = [name(c) for c in fk["referred_columns"]]
        for index in indexes.get(table) or []:
            index["name"] = name(index.get("name"))
            index["column_names"] = [name(c) for c in index.get("column_names", [])]


def _by_name(reflected: dict[tuple[str | None, str], Any]) -> dict[str, Any]:
    """``get_multi_*`` results are keyed by (schema, name); one schema at a time here."""
    return {name: value for (_schema, name), value in reflected.items()}


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
    conn: Connection, dialect: Dialect, schema: str, raw: dict[str, list[Any]]
) -> dict[str, dict[str, str]]:
    """Catalog type names by table and column, fetched only where SQLAlchemy's would
    lie (SQLite's free-form declarations) or be empty (types it does not know)."""
    if dialect is Dialect.SQLITE:
        quoted_schema = conn.dialect.identifier_preparer.quote_identifier(schema)
        found: dict[str, dict[str, str]] = {}
        for name in raw:
            rows = conn.exec_driver_sql(
                f"PRAGMA {quoted_schema}.table_xinfo({_sqlite_string(name)})"
            )
            found[name] = {str(r[1]): (str(r[2]).strip().upper() or "ANY") for r in rows}
        return found
    nulls = {
        (name, c["name"])
        for name, cols in raw.items()
        for c in cols
        if isinstance(c["type"], NullType)
    }
    if not nulls:
        return {}
    if dialect is Dialect.POSTGRESQL:
        query = text(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = :schema AND c.relname IN :names AND a.attnum > 0"
            " AND NOT a.attisdropped"
        )
    else:
        query = text(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = :schema AND TABLE_NAME IN :names"
        )
    query = query.bindparams(bindparam("names", expanding=True))
    tables = sorted({name for name, _ in nulls})
    native: dict[str, dict[str, str]] = {}
    for table, column, type_name in conn.execute(query, {"schema": schema, "names": tables}):
        if (table, column) in nulls:
            native.setdefault(str(table), {})[str(column)] = str(type_name)
    return native


def _mariadb_json(
    conn: Connection, dialect: Dialect, schema: str, raw: dict[str, list[Any]]
) -> dict[str, set[str]]:
    """MariaDB's ``JSON`` columns by table. MariaDB has no JSON type: ``JSON`` is an
    alias for ``LONGTEXT`` with a ``CHECK (json_valid(col))`` constraint, and reflection
    shows the ``LONGTEXT``. Asked only of tables with a ``LONGTEXT`` column."""
    if dialect is not Dialect.MYSQL or not getattr(conn.dialect, "is_mariadb", False):
        return {}
    longtext = {
        (name, c["name"])
        for name, cols in raw.items()
        for c in cols
        if isinstance(c["type"], LONGTEXT)
    }
    if not longtext:
        return {}
    query = text(
        "SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS"
        " WHERE CONSTRAINT_SCHEMA = :schema AND TABLE_NAME IN :names"
    ).bindparams(bindparam("names", expanding=True))
    quote = conn.dialect.identifier_preparer.quote_identifier
    clauses = {(name, f"json_valid({quote(column)})"): column for name, column in longtext}
    found: dict[str, set[str]] = {}
    tables = sorted({name for name, _ in longtext})
    for table, clause in conn.execute(query, {"schema": schema, "names": tables}):
        column = clauses.get((str(table), str(clause).strip()))
        if column is not None:
            found.setdefault(str(table), set()).add(column)
    return found


def _sqlite_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _foreign_keys(schema: str, reflected: list[Any]) -> tuple[ForeignKeyMeta, ...]:
    return tuple(
        ForeignKeyMeta(
            name=fk.get("name"),
            columns=tuple(fk["constrained_columns"]),
            referred_schema=fk.get("referred_schema") or schema,
            referred_table=fk["referred_table"],
            referred_columns=tuple(fk["referred_columns"]),
        )
        for fk in reflected
    )


def _indexes(reflected: list[Any]) -> tuple[IndexMeta, ...]:
    return tuple(
        IndexMeta(
            name=ix.get("name"),
            columns=tuple(c for c in ix.get("column_names", []) if c is not None),
            unique=bool(ix.get("unique")),
        )
        for ix in reflected
    )


def _view_sql(insp: Inspector, schema: str, name: str) -> str | None:
    try:
        definition = insp.get_view_definition(name, schema=schema)
    except NotImplementedError:
        return None
    return str(definition).strip() if definition else None
