"""Real databases for the job tests: SQLite in tmp_path, and a throw-away PostgreSQL
database per module (created and dropped here), so pgqueuer's tables and NOTIFY
channel never meet other engineers' tests in the shared ``test`` database."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import asyncpg
import pytest
from job_env import Env
from sqlalchemy.engine import make_url

from racine.domain.ports import UnitOfWork
from racine.persistence.database import Database
from racine.persistence.migrate import upgrade
from racine.persistence.unit_of_work import SqlUnitOfWork
from racine.realtime import MemoryEventBus

PG_URL = os.environ.get("RACINE_TEST_POSTGRES_URL")
needs_pg = pytest.mark.skipif(not PG_URL, reason="RACINE_TEST_POSTGRES_URL is not set")


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this module, dropped afterwards."""
    if not PG_URL:
        pytest.skip("RACINE_TEST_POSTGRES_URL is not set")
    name = f"racine_jobs_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(_plain(PG_URL))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    url = f"sqlite+aiosqlite:///{(tmp_path / 'jobs.db').as_posix()}"
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_pg)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Every test using it runs on both dialects."""
    return cast(
        str, request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")
    )


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    db = Database(db_url)
    bus = MemoryEventBus()
    e = Env(db, bus, lambda: cast(UnitOfWork, SqlUnitOfWork(db, bus)))
    await e.clear_runs()
    yield e
    await e.clear_runs()
    await bus.stop()
    await db.dispose()
