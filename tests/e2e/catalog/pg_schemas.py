"""A scratch PostgreSQL schema for end-to-end tests of PostgreSQL sources."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


@asynccontextmanager
async def postgres_schema(*statements: str) -> AsyncIterator[tuple[str, str]]:
    """A uniquely named schema in the test PostgreSQL holding what ``statements`` make
    (``{schema}`` stands for its quoted name), dropped afterwards: its name and the
    server's URL (a sync-style one, as a user registers it). Skips without PostgreSQL."""
    postgres = os.environ.get("RACINE_TEST_POSTGRES_URL")
    if not postgres:
        pytest.skip("RACINE_TEST_POSTGRES_URL not set")
    name = f"rt_{uuid.uuid4().hex[:10]}"
    engine = create_async_engine(postgres)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{name}"'))
        for statement in statements:
            await conn.execute(text(statement.format(schema=f'"{name}"')))
    url = make_url(postgres).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        yield name, url
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        await engine.dispose()
