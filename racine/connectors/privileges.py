"""Which reflected columns the scanning user may read, and which MySQL/MariaDB
tables it may only describe.

A user granted ``SELECT`` on some columns of a table only (``GRANT SELECT (a, b)
ON db.t``) reads those columns and no others: a sample of every column is
refused as a whole. The server itself knows what the user may read, so it is
asked rather than our parsing grants (roles, ``PUBLIC``, wildcard databases and
table-level grants all count):

* MySQL/MariaDB: ``information_schema.COLUMNS.PRIVILEGES``, the current user's
  privileges on each column it can see;
* PostgreSQL: ``has_column_privilege`` on each column of a table the user may
  not read as a whole (``pg_attribute`` shows every column to everyone).

MySQL/MariaDB also refuse ``SHOW CREATE TABLE`` (which SQLAlchemy's reflection
runs) to a user holding no table-level privilege; such a table is described
instead, showing only the columns the user holds privileges on.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.exc import DBAPIError

from racine.connectors.url import Dialect

__all__ = ["refused_tables", "show_refused", "unreadable_columns"]

_SHOW_DENIED = 1142  # ER_TABLEACCESS_DENIED_ERROR


def unreadable_columns(
    conn: Connection, dialect: Dialect, schema: str, names: Sequence[str]
) -> dict[str, frozenset[str]]:
    """By table, the columns of ``names`` the user may not ``SELECT``; tables it
    reads whole are left out. SQLite has no privileges: always empty."""
    if not names or dialect is Dialect.SQLITE:
        return {}
    if dialect is Dialect.POSTGRESQL:
        query = text(
            "SELECT c.relname, a.attname FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = :schema AND c.relname IN :names AND a.attnum > 0"
            " AND NOT a.attisdropped AND NOT has_table_privilege(c.oid, 'SELECT')"
            " AND NOT has_column_privilege(c.oid, a.attnum, 'SELECT')"
        )
    else:
        query = text(
            "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = :schema AND TABLE_NAME IN :names"
            " AND FIND_IN_SET('select', PRIVILEGES) = 0"
        )
    query = query.bindparams(bindparam("names", expanding=True))
    found: dict[str, set[str]] = {}
    for table, column in conn.execute(query, {"schema": schema, "names": list(names)}):
        found.setdefault(str(table), set()).add(str(column))
    return {table: frozenset(columns) for table, columns in found.items()}


def show_refused(error: DBAPIError) -> bool:
    """Whether ``error`` is MySQL/MariaDB refusing a statement on a table."""
    args: tuple[object, ...] = getattr(error.orig, "args", ())
    return bool(args) and args[0] == _SHOW_DENIED


def refused_tables(
    conn: Connection, dialect: Dialect, schema: str, tables: Sequence[str], *, probe_all: bool
) -> set[str]:
    """The MySQL/MariaDB ``tables`` whose ``SHOW CREATE TABLE`` the user is refused.

    Probed where it may happen: the tables the user holds column grants on
    (``COLUMN_PRIVILEGES`` lists the user's own grants, not a role's), or every
    table with ``probe_all`` (a chunk whose reflection was refused all the same)."""
    if dialect is not Dialect.MYSQL or not tables:
        return set()
    if probe_all:
        candidates = list(tables)
    else:
        query = text(
            "SELECT DISTINCT TABLE_NAME FROM information_schema.COLUMN_PRIVILEGES"
            " WHERE TABLE_SCHEMA = :schema AND TABLE_NAME IN :names"
        ).bindparams(bindparam("names", expanding=True))
        rows = conn.execute(query, {"schema": schema, "names": list(tables)})
        candidates = sorted(str(n) for (n,) in rows)
    quote = conn.dialect.identifier_preparer.quote
    refused: set[str] = set()
    for name in candidates:
        try:
            conn.exec_driver_sql(f"SHOW CREATE TABLE {quote(schema)}.{quote(name)}").close()
        except DBAPIError as error:
            if not show_refused(error):
                raise
            refused.add(name)
    return refused
