"""A scan that fills the catalog has PostgreSQL refresh its planner's statistics, so
searches right after a first scan are planned for the catalog as it is."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from test_catalog_mutations import _source

from racine.domain.scanning.job import REFRESH_STATISTICS_TABLES


async def test_a_scan_adding_many_tables_refreshes_the_planner_statistics(
    gql: Any, tmp_path: Path, scan_and_wait: Any, database_url: str, dialect: str
) -> None:
    if dialect != "postgresql":
        pytest.skip("SQLite keeps no planner statistics these queries need")
    # Given a source with more tables than the threshold
    path = tmp_path / "many.db"
    conn = sqlite3.connect(path)
    for i in range(REFRESH_STATISTICS_TABLES + 5):
        conn.execute(f"CREATE TABLE t{i:03d} (id INTEGER PRIMARY KEY, label TEXT)")
    conn.commit()
    conn.close()

    # When it is scanned for the first time
    source = await _source(gql, "many", f"sqlite:///{path}")
    assert (await scan_and_wait(source["id"]))["state"] == "SUCCEEDED"

    # Then the planner knows how many assets there are (ANALYZE reads every row of a
    # table this small), not the count of the nearly empty catalog it last saw
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as db:
            planned = await db.scalar(
                text("SELECT reltuples FROM pg_class WHERE relname = 'assets'")
            )
            stored = await db.scalar(text("SELECT count(*) FROM assets"))
            searched = await db.scalar(
                text("SELECT reltuples FROM pg_class WHERE relname = 'asset_search'")
            )
    finally:
        await engine.dispose()
    assert stored >= 2 * (REFRESH_STATISTICS_TABLES + 5)
    assert (planned, searched) == (stored, stored)
