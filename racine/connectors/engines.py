"""Async engines that can only read, with bounded connect and statement time.

Read-only is enforced by the database session, not by our good intentions:

* PostgreSQL: ``default_transaction_read_only=on`` and ``statement_timeout``
  sent as startup parameters, so they hold from the first statement of every
  pooled connection (asyncpg ``server_settings``).
* MySQL/MariaDB: ``SET SESSION TRANSACTION READ ONLY`` plus the engine's
  statement cap (``max_execution_time`` on MySQL, ``max_statement_time`` on
  MariaDB) on every new connection.
* SQLite: the file is opened with ``mode=ro`` and ``PRAGMA query_only``; a
  progress handler interrupts any statement that runs past its deadline,
  since SQLite has no statement timeout of its own.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any
from urllib.parse import quote

import aiosqlite
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util import await_only

from racine.connectors.url import Dialect, Target
from racine.connectors.values import decode_text

__all__ = ["APPLICATION_NAME", "build_engine"]

APPLICATION_NAME = "racine-scanner"
# Four connections kept open, none beyond: a scan reads four tables at a time, and
# an overflow connection is closed as it is returned, so each table would open
# (and, on PostgreSQL, introspect types for) a fresh one: 1.5-2 ms of client CPU
# per table scanned.
_POOL = {"pool_size": 4, "max_overflow": 0}
_DEADLINE_KEY = "racine_deadline"
_PROGRESS_STEPS = 1000  # SQLite VM instructions between deadline checks


def build_engine(
    target: Target, *, statement_timeout_s: float, connect_timeout_s: float
) -> AsyncEngine:
    """A pooled async engine for ``target`` whose every session is read-only."""
    if target.dialect is Dialect.POSTGRESQL:
        return _postgresql(target, statement_timeout_s, connect_timeout_s)
    if target.dialect is Dialect.MYSQL:
        return _mysql(target, statement_timeout_s, connect_timeout_s)
    return _sqlite(target, statement_timeout_s, connect_timeout_s)


def _postgresql(target: Target, statement_s: float, connect_s: float) -> AsyncEngine:
    settings = {
        "default_transaction_read_only": "on",
        "statement_timeout": str(max(1, round(statement_s * 1000))),
        "lock_timeout": str(max(1, round(statement_s * 1000))),
        "idle_in_transaction_session_timeout": str(max(1, round(statement_s * 2000))),
        "application_name": APPLICATION_NAME,
    }
    connect_args: dict[str, Any] = {
        "timeout": connect_s,
        # The server cancels first; this only catches a server that went silent.
        "command_timeout": statement_s + connect_s,
        # No statement cache of asyncpg's own (SQLAlchemy keeps one for the
        # reflection queries, which repeat): each table's sample is a query of its
        # own, and once 100 were cached every new one first closed the oldest on
        # the server, a round trip more per table on a long-lived connection.
        "statement_cache_size": 0,
        "server_settings": settings,
    }
    return create_async_engine(
        target.url, connect_args=connect_args, pool_timeout=connect_s, **_POOL
    )


def _mysql(target: Target, statement_s: float, connect_s: float) -> AsyncEngine:
    engine = create_async_engine(
        target.url,
        connect_args={"connect_timeout": connect_s},
        pool_timeout=connect_s,
        pool_recycle=3600,
        **_POOL,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _read_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT VERSION()")
            version = str(cursor.fetchone()[0])
            if "mariadb" in version.lower():
                cursor.execute(f"SET SESSION max_statement_time = {statement_s:.3f}")
            else:
                cursor.execute(
                    f"SET SESSION max_execution_time = {max(1, round(statement_s * 1000))}"
                )
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
        finally:
            cursor.close()

    return engine


class _Deadline:
    """When the running SQLite statement must stop (monotonic seconds)."""

    __slots__ = ("budget", "until")

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.until = float("inf")

    def arm(self) -> None:
        self.until = time.monotonic() + self.budget

    def expired(self) -> int:
        # Called from aiosqlite's worker thread; non-zero interrupts the statement.
        return 1 if time.monotonic() > self.until else 0


def _probe(uri: str, timeout_s: float) -> None:
    sqlite3.connect(uri, uri=True, timeout=timeout_s).close()


def _sqlite(target: Target, statement_s: float, connect_s: float) -> AsyncEngine:
    path = target.sqlite_path or ""
    # '?', '#' and '%' in a file name must not be read as URI syntax.
    uri = f"file:{quote(path, safe='/:')}?mode=ro"

    async def _open() -> aiosqlite.Connection:
        # aiosqlite leaves its worker thread reporting to the event loop after a
        # failed open, which errors once the loop is gone; probing with plain
        # sqlite3 first makes the common failures (missing file) raise here.
        await asyncio.to_thread(_probe, uri, connect_s)
        connection = await aiosqlite.connect(uri, uri=True, timeout=connect_s)
        connection.text_factory = decode_text
        await connection.execute("PRAGMA query_only = ON")
        return connection

    # The URL names no file (``_open`` does), which would select SQLite's
    # in-memory StaticPool; a file wants an ordinary pool.
    engine = create_async_engine(
        "sqlite+aiosqlite://", async_creator=_open, poolclass=AsyncAdaptedQueuePool, **_POOL
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _install_deadline(dbapi_connection: Any, record: Any) -> None:
        deadline = _Deadline(statement_s)
        record.info[_DEADLINE_KEY] = deadline
        driver: aiosqlite.Connection = dbapi_connection.driver_connection
        await_only(driver.set_progress_handler(deadline.expired, _PROGRESS_STEPS))

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _arm(conn: Any, *_args: Any) -> None:
        deadline = conn.info.get(_DEADLINE_KEY)
        if deadline is not None:
            deadline.arm()

    return engine
