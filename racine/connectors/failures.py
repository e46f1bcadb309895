"""Turn driver exceptions into ``ConnectionFailed`` (or ``NotFound``) with a reason.

Drivers speak three dialects of failure: PostgreSQL SQLSTATEs (asyncpg),
MySQL error numbers (asyncmy, or PyMySQL) and SQLite result codes. The
exception chain is walked because SQLAlchemy wraps the driver's error, which
may itself wrap an ``OSError``. Messages keep a short driver detail because
"password authentication failed for user x" is what a user needs to fix a
source, but every known secret is scrubbed from it and the DSN is never used.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

from sqlalchemy.exc import NoSuchTableError

from racine.connectors.url import Target
from racine.domain.errors import (
    AUTHENTICATION_FAILED,
    DATABASE_MISSING,
    ENCODING,
    NOT_POPULATED,
    PERMISSION_DENIED,
    TIMEOUT,
    UNKNOWN,
    UNREACHABLE,
    ConnectionFailed,
    NotFound,
    RacineError,
    hide_secrets,
)

__all__ = ["to_domain_error"]

_NOT_FOUND = "NOT_FOUND"

_SUMMARY = {
    UNREACHABLE: "the source could not be reached",
    AUTHENTICATION_FAILED: "the source rejected the credentials",
    DATABASE_MISSING: "the database does not exist",
    TIMEOUT: "the source did not answer in time",
    PERMISSION_DENIED: "the source refused the operation",
    NOT_POPULATED: "the relation holds no data to read yet",
    ENCODING: "the source holds text that is not valid in its encoding",
    UNKNOWN: "the source failed",
}

_PG_STATES = {
    "28P01": AUTHENTICATION_FAILED,  # invalid_password
    "28000": AUTHENTICATION_FAILED,  # invalid_authorization_specification (unknown role, hba)
    "3D000": DATABASE_MISSING,  # invalid_catalog_name
    "42501": PERMISSION_DENIED,  # insufficient_privilege
    "25006": PERMISSION_DENIED,  # read_only_sql_transaction
    # object_not_in_prerequisite_state: what reading a materialized view created
    # WITH NO DATA and never refreshed raises (only then: see ``_classify``)
    "55000": NOT_POPULATED,
    # character_not_in_repertoire, untranslatable_character: bytes of another encoding
    # (Latin-1, say) in a SQL_ASCII database, which cannot be sent as UTF-8
    "22021": ENCODING,
    "22P05": ENCODING,
    "57014": TIMEOUT,  # query_canceled (statement_timeout)
    "55P03": TIMEOUT,  # lock_not_available
    "57P03": UNREACHABLE,  # cannot_connect_now (starting up, shutting down)
    "53300": UNREACHABLE,  # too_many_connections
    "42P01": _NOT_FOUND,  # undefined_table
    "42703": _NOT_FOUND,  # undefined_column
    "3F000": _NOT_FOUND,  # invalid_schema_name
}
_MYSQL_ERRNOS = {
    1045: AUTHENTICATION_FAILED,  # access denied (bad user or password)
    1044: PERMISSION_DENIED,  # access denied to database
    1049: DATABASE_MISSING,  # unknown database
    1040: UNREACHABLE,  # too many connections
    2002: UNREACHABLE,
    2003: UNREACHABLE,  # can't connect
    2005: UNREACHABLE,  # unknown host
    2006: UNREACHABLE,  # server has gone away
    2013: UNREACHABLE,  # lost connection
    1142: PERMISSION_DENIED,
    1143: PERMISSION_DENIED,
    1227: PERMISSION_DENIED,
    1290: PERMISSION_DENIED,  # server runs with --read-only
    1792: PERMISSION_DENIED,  # write in a READ ONLY transaction
    1317: TIMEOUT,  # query interrupted
    1969: TIMEOUT,  # MariaDB max_statement_time exceeded
    3024: TIMEOUT,  # MySQL max_execution_time exceeded
    1146: _NOT_FOUND,  # no such table
    1054: _NOT_FOUND,  # unknown column
}
_SQLITE_CODES = {
    "SQLITE_CANTOPEN": DATABASE_MISSING,
    "SQLITE_NOTADB": UNKNOWN,
    "SQLITE_READONLY": PERMISSION_DENIED,
    "SQLITE_PERM": PERMISSION_DENIED,
    "SQLITE_AUTH": AUTHENTICATION_FAILED,
    "SQLITE_INTERRUPT": TIMEOUT,
    "SQLITE_BUSY": TIMEOUT,
}
_SQLITE_NOT_FOUND = ("no such table", "no such column")
_CLASS_PREFIX = re.compile(r"^<class '[^']+'>:\s*")
_PROGRAMMING_BUGS = (AssertionError, AttributeError, NameError, TypeError)


def to_domain_error(error: BaseException, target: Target) -> RacineError:
    """The domain error for ``error``: ``NotFound`` for a missing table or
    column, else ``ConnectionFailed`` whose message names ``target.label`` and
    carries a scrubbed driver detail. Programming bugs are not translated."""
    if isinstance(error, RacineError):
        return error
    if isinstance(error, _PROGRAMMING_BUGS):
        raise error
    if isinstance(error, NoSuchTableError):
        return NotFound("table")
    reason, cause = _classify(error)
    if reason == _NOT_FOUND:
        return NotFound("table or column")
    detail = (
        hide_secrets(_first_line(_describe(cause)), target.secrets) if cause is not None else ""
    )
    message = f"{_SUMMARY[reason]} ({target.label})"
    if detail:
        message = f"{message}: {detail}"
    return ConnectionFailed(reason, message)


def _classify(error: BaseException) -> tuple[str, BaseException | None]:
    """The reason and the exception whose text best explains it."""
    chain = list(_chain(error))
    for exc in chain:
        # PyMySQL errors carry a ``sqlstate`` too, so the errno is checked first.
        errno = _mysql_errno(exc)
        if errno is not None:
            return _MYSQL_ERRNOS.get(errno, UNKNOWN), exc
        state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if isinstance(state, str) and state:
            reason = _PG_STATES.get(state)
            if reason is None and state.startswith("08"):
                reason = UNREACHABLE
            elif reason == NOT_POPULATED and "not been populated" not in str(exc):
                reason = UNKNOWN  # the state's other causes
            return reason or UNKNOWN, exc
        if isinstance(exc, sqlite3.Error):
            return _sqlite_reason(exc), exc
    for exc in chain:
        if isinstance(exc, TimeoutError):
            return TIMEOUT, None
        if isinstance(exc, OSError):
            return UNREACHABLE, exc
    return UNKNOWN, chain[-1]


def _sqlite_reason(exc: sqlite3.Error) -> str:
    text = str(exc).lower()
    if any(marker in text for marker in _SQLITE_NOT_FOUND):
        return _NOT_FOUND
    if "interrupted" in text:
        return TIMEOUT
    name = getattr(exc, "sqlite_errorname", "") or ""
    base = name.split("_", 2)
    return _SQLITE_CODES.get("_".join(base[:2]), UNKNOWN)


def _describe(exc: BaseException) -> str:
    # A MySQL driver's str() is the (errno, message) tuple; the message reads better.
    args: tuple[object, ...] = exc.args
    if _mysql_errno(exc) is not None and len(args) > 1:
        return str(args[1])
    return str(exc)


def _mysql_errno(exc: BaseException) -> int | None:
    if not type(exc).__module__.startswith(("pymysql", "asyncmy")):
        return None
    args = getattr(exc, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack: list[BaseException] = [error]
    while stack:
        exc = stack.pop(0)
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        yield exc
        for nxt in (getattr(exc, "orig", None), exc.__cause__, exc.__context__):
            if isinstance(nxt, BaseException):
                stack.append(nxt)


def _first_line(text: str, limit: int = 300) -> str:
    stripped = _CLASS_PREFIX.sub("", text.strip())
    line = stripped.splitlines()[0] if stripped else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"
