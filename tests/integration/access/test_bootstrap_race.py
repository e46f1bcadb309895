"""Two API processes starting at once on an empty database: both count no user, and
the second's admin hits the unique user name. It is not an error: that process
starts without a bootstrap token, as when users already exist."""

from __future__ import annotations

import asyncio
from typing import Any

from pg_lock_waits import until_lock_waiters
from sqlalchemy import text

from racine.domain.access.use_cases import bootstrap_admin
from racine.persistence.unit_of_work import SqlUnitOfWork
from racine.realtime import MemoryEventBus


async def test_two_processes_bootstrapping_at_once_make_one_admin(db: Any, dialect: str) -> None:
    bus = MemoryEventBus()

    def boot() -> Any:
        return bootstrap_admin(SqlUnitOfWork(db, bus))

    # When two processes bootstrap the empty database at once (on PostgreSQL the
    # first waits to write its audit record, its admin written, while the second
    # counts no user and waits on the name; on SQLite plain concurrent calls)
    if dialect == "postgresql":
        async with db.engine.connect() as audit:
            await audit.begin()
            await audit.execute(text("LOCK TABLE audit_events IN EXCLUSIVE MODE"))
            first = asyncio.create_task(boot())
            await until_lock_waiters(db.engine, 1)
            second = asyncio.create_task(boot())
            await until_lock_waiters(db.engine, 2)
            await audit.rollback()
        secrets = [await first, await second]
    else:
        secrets = list(await asyncio.gather(boot(), boot()))

    # Then one made the admin and has its token; the other starts without one
    assert sorted(s is None for s in secrets) == [False, True], secrets
    uow = SqlUnitOfWork(db, bus)
    async with uow:
        assert await uow.users.count() == 1
