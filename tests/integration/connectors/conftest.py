"""Real source databases for connector tests: one fixture, three engines.

``source`` runs each test against a SQLite file, a PostgreSQL schema and a
MySQL/MariaDB database, each created for the test with the same tables
(customers, orders with 10,050 rows, a view, documents with oversized cells)
and dropped after. PostgreSQL comes from ``RACINE_TEST_POSTGRES_URL`` and
MySQL/MariaDB from ``RACINE_TEST_MYSQL_URL``; without them those variants skip.
The connector under test is read-only, so fixtures are written through a
separate ``admin`` engine.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from connector_sources import MYSQL_URL, POSTGRES_URL, Source, _async, _fill
from sqlalchemy.ext.asyncio import create_async_engine


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def source_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    if kind == "postgresql" and not POSTGRES_URL:
        pytest.skip("RACINE_TEST_POSTGRES_URL not set")
    if kind == "mysql" and not MYSQL_URL:
        pytest.skip("RACINE_TEST_MYSQL_URL not set")
    return kind


@pytest.fixture
async def empty_source(source_kind: str, tmp_path: Path) -> AsyncIterator[Source]:
    """A source with nothing in it yet (its own schema or database, or a new file)."""
    name = f"racine_conn_{uuid.uuid4().hex[:10]}"
    if source_kind == "sqlite":
        path = tmp_path / "source.db"
        admin = create_async_engine(f"sqlite+aiosqlite:///{path}")
        src = Source("sqlite", f"sqlite:///{path}", "main", admin)
        yield src
        await admin.dispose()
        return
    if source_kind == "postgresql":
        assert POSTGRES_URL
        admin = create_async_engine(_async(POSTGRES_URL, "postgresql+asyncpg"))
        src = Source("postgresql", POSTGRES_URL, name, admin)
        await src.run(f'CREATE SCHEMA "{name}"')
        try:
            yield src
        finally:
            await src.run(f'DROP SCHEMA "{name}" CASCADE')
            await admin.dispose()
        return
    assert MYSQL_URL
    admin = create_async_engine(_async(MYSQL_URL, "mysql+asyncmy", charset="utf8mb4"))
    src = Source("mysql", MYSQL_URL, name, admin)
    await src.run(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        yield src
    finally:
        await src.run(f"DROP DATABASE `{name}`")
        await admin.dispose()


@pytest.fixture
async def source(empty_source: Source) -> Source:
    """A source filled with the shared fixture tables."""
    await _fill(empty_source)
    return empty_source
