"""Installs pgqueuer's own tables beside ours, idempotently.

Called by the distributed queue at start and meant for ``racine db upgrade``;
an advisory lock keeps two processes starting together from racing.
"""

from __future__ import annotations

import asyncpg
from pgqueuer.db import AsyncpgDriver
from pgqueuer.queries import Queries
from sqlalchemy.engine import make_url

__all__ = ["asyncpg_dsn", "install_queue_schema"]

_LOCK_KEY = 0x52_41_43_49_4E_45  # "RACINE"


def asyncpg_dsn(database_url: str) -> str:
    """``postgresql+asyncpg://…`` as the plain DSN asyncpg takes. Holds the password:
    never log it."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def install_queue_schema(database_url: str) -> bool:
    """Create or upgrade pgqueuer's schema; True if it had to create it.
    A no-op (False) on SQLite, where the embedded queue needs no tables of its own."""
    if not database_url.startswith("postgresql"):
        return False
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        try:
            queries = Queries(AsyncpgDriver(conn))
            if not await queries.schema_is_installed():
                await queries.install()
                return True
            await queries.upgrade()
            return False
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    finally:
        await conn.close()
