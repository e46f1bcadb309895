"""CUSTOM_SQL must be one read-only SELECT: checked with sqlglot before it is
stored and again before it runs.

Refused: more than one statement (``SELECT 1; DROP TABLE t``), anything but a
query (INSERT, UPDATE, DELETE, MERGE, DDL, SET, PRAGMA, COPY, CALL...), data-
modifying CTEs (``WITH x AS (DELETE ... RETURNING *) SELECT``), ``SELECT ... INTO``,
locking clauses (``FOR UPDATE``), functions with side effects, and functions that
run SQL given as text (PostgreSQL ``query_to_xml`` and kin: what such SQL reads is
not visible to the check that withholds results reading sensitive columns, see
``masking``). This is defence in depth: the source connection is read-only at the
session level too.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from racine.domain.errors import LimitExceeded, ValidationFailed
from racine.domain.quality.sql import sqlglot_dialect

__all__ = ["MAX_SQL", "checked_select"]

MAX_SQL = 10_000

_FORBIDDEN: tuple[type[exp.Expression], ...] = tuple(
    t
    for t in (
        getattr(exp, name, None)
        for name in (
            "Insert",
            "Update",
            "Delete",
            "Merge",
            "Create",
            "Drop",
            "Alter",
            "TruncateTable",
            "Command",
            "Set",
            "Pragma",
            "Copy",
            "Into",
            "Grant",
            "Revoke",
            "Use",
            "Transaction",
            "Commit",
            "Rollback",
            "LoadData",
            "Analyze",
            "Attach",
            "Detach",
            "Lock",
        )
    )
    if isinstance(t, type)
)

_SIDE_EFFECTS = frozenset(
    {
        "nextval",
        "setval",
        "set_config",
        "pg_advisory_lock",
        "pg_advisory_xact_lock",
        "pg_terminate_backend",
        "pg_cancel_backend",
        "pg_reload_conf",
        "pg_read_file",
        "pg_read_binary_file",
        "pg_ls_dir",
        "lo_import",
        "lo_export",
        "lo_unlink",
        "dblink",
        "dblink_exec",
        "pg_notify",
        "txid_current",
        "load_extension",
        "writefile",
        "readfile",
        "sleep",
        "benchmark",
        "get_lock",
        "release_lock",
        "load_file",
        "sys_exec",
        "sys_eval",
    }
)
_SQL_AS_TEXT = (
    "query_to_xml",
    "table_to_xml",
    "cursor_to_xml",
    "schema_to_xml",
    "database_to_xml",
)  # each a prefix: ..._and_xmlschema, ...xmlschema


def checked_select(sql: str, dialect: str) -> str:
    """The statement normalised by sqlglot (one SELECT, no trailing ``;``), or a
    ValidationFailed saying why it was refused (field ``params.sql``)."""
    field = "params.sql"
    if len(sql) > MAX_SQL:
        raise LimitExceeded(f"custom SQL is limited to {MAX_SQL} characters", field=field)
    read = sqlglot_dialect(dialect)
    try:
        statements = [s for s in sqlglot.parse(sql, read=read) if s is not None]
    except (ParseError, TokenError) as exc:
        first = str(exc).splitlines()[0][:200]
        raise ValidationFailed(f"custom SQL does not parse: {first}", field=field) from None
    if len(statements) != 1:
        raise ValidationFailed("custom SQL must be exactly one statement", field=field)
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        raise ValidationFailed("custom SQL must be a SELECT", field=field)
    for node in statement.walk():
        if isinstance(node, _FORBIDDEN):
            raise ValidationFailed(
                f"custom SQL may only read: {type(node).__name__.upper()} is not allowed",
                field=field,
            )
        if isinstance(node, exp.Select) and node.args.get("locks"):
            raise ValidationFailed("custom SQL may not lock rows (FOR UPDATE/SHARE)", field=field)
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if name in _SIDE_EFFECTS:
                raise ValidationFailed(f"custom SQL may not call {name}()", field=field)
            if name.startswith(_SQL_AS_TEXT):
                raise ValidationFailed(
                    f"custom SQL may not call {name}() (it runs SQL given as text)", field=field
                )
    return statement.sql(dialect=read)
