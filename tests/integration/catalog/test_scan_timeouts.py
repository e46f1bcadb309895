"""A relation whose sample outlasts the source's statement timeout (a view that computes
much, a table someone holds locked) is catalogued with its shape, and the scan says
why it has no profile."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from catalog_scan_env import scan_environment
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from racine.connectors import connector_for
from racine.domain.catalog.model import AssetFilter, AssetKind
from racine.domain.paging import PageRequest
from racine.domain.runs.model import RunState

POSTGRES = os.environ.get("RACINE_TEST_POSTGRES_URL")


@pytest.fixture
async def slow_view() -> AsyncIterator[tuple[str, str]]:
    """A PostgreSQL schema with a quick table and a view that takes 3 s to read."""
    if not POSTGRES:
        pytest.skip("RACINE_TEST_POSTGRES_URL not set")
    schema = f"rt_slow_{uuid.uuid4().hex[:8]}"
    engine = create_async_engine(POSTGRES)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.execute(text(f'CREATE TABLE "{schema}".quick (id int, email text)'))
        await conn.execute(
            text(
                f"INSERT INTO \"{schema}\".quick SELECT g, 'u' || g || '@mail.example'"
                " FROM generate_series(1, 30) g"
            )
        )
        await conn.execute(
            text(f'CREATE VIEW "{schema}".slow AS SELECT id, pg_sleep(3)::text AS pause'
                 f' FROM "{schema}".quick')
        )  # fmt: skip
    url = make_url(POSTGRES).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        yield schema, url
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()


@pytest.fixture
async def scan_env(database_url: str, tmp_path: Path) -> AsyncIterator[Any]:
    """Sources read under a one-second statement timeout."""
    async with scan_environment(
        database_url, tmp_path, lambda url: connector_for(url, statement_timeout_s=1)
    ) as env:
        yield env


async def test_a_view_that_outlasts_the_timeout_is_catalogued_without_its_rows(
    scan_env: Any, slow_view: tuple[str, str]
) -> None:
    schema, url = slow_view
    source = await scan_env.add_source(url, include_schemas=(schema,))

    # When the source is scanned
    scan = await scan_env.scan(source, timeout=60)

    # Then it succeeds, the view's entry saying why it has no profile
    assert scan.state is RunState.SUCCEEDED, scan.reason
    assert (scan.tables_done, scan.tables_total) == (2, 2)
    assert [(e["table"].rsplit(".", 1)[1], e["reason"]) for e in scan.errors] == [
        ("slow", "SAMPLE_TIMEOUT")
    ]
    # ...and both relations are catalogued: the table profiled, the view with its columns
    async with scan_env.uow_factory() as uow:
        page = await uow.catalog.page(
            AssetFilter(kinds=(AssetKind.COLUMN,), source_ids=(source,)), PageRequest(first=10)
        )
    columns = {c.qualified_name.split(".", 3)[-1]: c for c in page.items}
    assert set(columns) == {"quick.id", "quick.email", "slow.id", "slow.pause"}
    assert columns["quick.email"].profile is not None
    assert columns["slow.id"].profile is None and columns["slow.pause"].profile is None
