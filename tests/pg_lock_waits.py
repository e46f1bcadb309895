"""Waiting until requests wait on a PostgreSQL lock: how race tests order two
concurrent saves without timing (the test holds a lock, the saves queue behind it)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["twice_at_once", "until_lock_waiters"]

T = TypeVar("T")


async def lock_waiters(engine: AsyncEngine) -> int:
    """Backends of the metadata database waiting on a lock."""
    async with engine.connect() as conn:
        found = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
        )
    return int(found or 0)


async def until_lock_waiters(engine: AsyncEngine, count: int) -> None:
    """Return once ``count`` backends wait on a lock (polled; fails after ~10 s)."""
    for _ in range(200):
        if await lock_waiters(engine) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} requests never waited on a lock")


async def twice_at_once(
    engine: AsyncEngine, dialect: str, send: Callable[[], Awaitable[T]]
) -> list[T]:
    """``send()`` twice at once, the second while the first is still open (see
    :func:`at_once`)."""
    return await at_once(engine, dialect, send, send)


async def at_once(
    engine: AsyncEngine,
    dialect: str,
    first_send: Callable[[], Awaitable[T]],
    second_send: Callable[[], Awaitable[T]],
) -> list[T]:
    """Two calls at once, the second while the first is still open.

    On PostgreSQL the audit table is held locked: the first call waits to write its
    audit record (its other rows written, not committed), then the second is sent
    and waits too (on one of those rows, or on the audit table); both go on once the
    lock is let go, the first first. SQLite has no table lock: plain concurrent calls
    (a test runs a few rounds there)."""
    if dialect != "postgresql":
        return list(await asyncio.gather(first_send(), second_send()))
    async with engine.connect() as audit:
        await audit.begin()
        await audit.execute(text("LOCK TABLE audit_events IN EXCLUSIVE MODE"))
        first = asyncio.create_task(first_send())
        await until_lock_waiters(engine, 1)
        second = asyncio.create_task(second_send())
        await until_lock_waiters(engine, 2)
        await audit.rollback()
    return [await first, await second]
