"""Engine and session factory for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

__all__ = ["Database", "SqliteWriter"]

T = TypeVar("T")


class Database:
    """Owns the engine. ``dialect`` is ``sqlite`` or ``postgresql``."""

    def __init__(self, url: str, *, statement_timeout_ms: int = 30_000, pool_size: int = 10):
        self.url = url
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if url.startswith("postgresql"):
            kwargs |= {
                "pool_size": pool_size,
                "max_overflow": pool_size,
                "connect_args": {
                    "server_settings": {
                        "statement_timeout": str(statement_timeout_ms),
                        "idle_in_transaction_session_timeout": "60000",
                        "application_name": "racine",
                    },
                    "timeout": 10,
                },
            }
        else:
            kwargs |= {"connect_args": {"timeout": statement_timeout_ms / 1000}}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()

    def session(self) -> AsyncSession:
        return self.sessions()

    def sqlite_writer(self) -> SqliteWriter | None:
        """A connection of its own for one hot writer, on a SQLite file database; else None."""
        url = self.engine.url
        path = url.database
        if self.dialect != "sqlite" or path in (None, "", ":memory:") or url.query:
            return None  # in-memory or URI options: the engine's own connections only
        return SqliteWriter(path)


class SqliteWriter:
    """One SQLite connection on one thread: ``await run(fn)`` calls ``fn(connection)``
    between ``BEGIN IMMEDIATE`` and ``COMMIT`` (``ROLLBACK`` if it raises) in ONE hop.

    Through an ``AsyncSession`` every statement is several hops between the event loop
    and aiosqlite's thread (cursor, execute, fetch, close; the pool's pre-ping, commit,
    the reset on return), each waiting for a loop turn and the GIL: a busy loop made
    that ~17 ms per transaction for ~1 ms of SQLite work. For a writer that commits
    all the time (the co-editing group commit). Same pragmas as the engine's.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        self._conn: sqlite3.Connection | None = None

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._run, fn)

    def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._conn is None:
            self._conn = sqlite3.connect(self.path, isolation_level=None)  # we BEGIN
            _sqlite_pragmas(self._conn, None)
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return result

    async def close(self) -> None:
        def close() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await asyncio.get_running_loop().run_in_executor(self._thread, close)
        self._thread.shutdown()


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # SQLite's own lower() folds ASCII only: "Ärzte" stayed "Ärzte", so name filters,
    # exact-name ranking and the any-case uniqueness of glossary names failed for any
    # non-ASCII capital (PostgreSQL's lower() folds them). Replace it with Python's.
    dbapi_conn.create_function("lower", 1, _lower, deterministic=True)
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
