"""The PostgreSQL server benchmarks use, and scratch databases on it: created on the
server of a given URL, dropped afterwards (``WITH (FORCE)``: a benchmark that failed may
leave connections)."""

from __future__ import annotations

import os
import secrets

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

__all__ = ["drop_postgres", "fresh_postgres", "postgres_url"]


def postgres_url() -> str:
    """``RACINE_BENCH_POSTGRES_URL``, else ``RACINE_TEST_POSTGRES_URL``; empty if neither
    is set (``postgresql+asyncpg://…``)."""
    return os.environ.get("RACINE_BENCH_POSTGRES_URL") or os.environ.get(
        "RACINE_TEST_POSTGRES_URL", ""
    )


async def fresh_postgres(base: str) -> str:
    """The URL of a new empty database on ``base``'s server (``postgresql+asyncpg://``)."""
    name = f"racine_bench_{secrets.token_hex(3)}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


async def drop_postgres(base: str, url: str) -> None:
    """Drop the database of ``url`` (made by :func:`fresh_postgres` on ``base``)."""
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)'))
    await admin.dispose()
