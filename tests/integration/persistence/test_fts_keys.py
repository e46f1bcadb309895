"""SQLite's FTS5 search rows are addressed by their asset's key (``asset_fts_keys``,
migration 0017): re-indexing replaces an asset's row, also after a ``VACUUM``, a
deleted asset's row and key go, and the migration keys the rows stored before it."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url
from test_catalog_writes import _tree, uow

from racine.domain.catalog.search import SearchQuery
from racine.domain.paging import PageRequest
from racine.persistence.database import Database
from racine.persistence.migrate import alembic_config


@pytest.fixture
def sqlite_only(database_url: str) -> str:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL searches its own GIN index: no FTS5 table")
    return str(make_url(database_url).database)


def _rows(path: str) -> tuple[list[tuple[int, str, str]], dict[str, int]]:
    """The FTS rows (rowid, asset id, description) and the keys, read apart from the app."""
    with sqlite3.connect(path) as conn:
        fts = conn.execute("SELECT rowid, asset_id, description FROM asset_fts").fetchall()
        keys = dict(conn.execute("SELECT asset_id, doc FROM asset_fts_keys").fetchall())
    return sorted(fts), keys


async def _find(db: Database, word: str) -> list[str]:
    async with uow(db) as work:
        page = await work.catalog.search(SearchQuery(word), PageRequest(first=10))
    return sorted(h.asset.name for h in page.items)


async def test_each_asset_keeps_one_search_row_under_its_key(
    db: Database, sqlite_only: str
) -> None:
    # Given three indexed assets
    source = uuid.uuid4()
    assets = _tree(source)
    names = {a.id.hex: a.name for a in assets}
    async with uow(db) as work:
        await work.catalog.save_many(assets, [])
        await work.catalog.index_assets(assets, {assets[0].id: ["id", "email", "note"]}, ())
        await work.commit()
    fts, keys = _rows(sqlite_only)
    assert set(keys) == set(names)
    assert {(rowid, asset) for rowid, asset, _ in fts} == {(d, a) for a, d in keys.items()}

    # When they are re-indexed with new descriptions, before and after a VACUUM
    for word in ("gooseberry", "quince"):
        for asset in assets:
            asset.description = f"{word} {asset.name}"
        async with uow(db) as work:
            await work.catalog.index_assets(assets, {assets[0].id: ["id", "email", "note"]})
            await work.commit()
        with sqlite3.connect(sqlite_only) as conn:
            conn.execute("VACUUM")

        # Then each has one row, under the key it was given first, with the new text
        fts, now = _rows(sqlite_only)
        assert now == keys
        assert [(asset, d.split()[0]) for _, asset, d in fts] == [
            (asset, word) for _, asset, _ in fts
        ]
        assert len(fts) == len(assets)
    assert await _find(db, "quince") == sorted(names.values())
    assert await _find(db, "gooseberry") == []

    # And a deleted source takes its assets' rows and keys with it
    async with uow(db) as work:
        await work.catalog.delete_source_assets(source)
        await work.commit()
    assert _rows(sqlite_only) == ([], {})


async def test_the_migration_keys_the_rows_stored_before_it(
    database_url: str, db: Database, sqlite_only: str
) -> None:
    config = alembic_config(database_url)
    # Given a database at 0016 whose FTS rows have rowids of their own
    await asyncio.to_thread(command.downgrade, config, "0016")
    assets = _tree(uuid.uuid4())
    async with uow(db) as work:
        await work.catalog.save_many(assets, [])
        await work.commit()
    async with db.engine.begin() as conn:
        await _documents_before_keys(conn, assets)

    # When it is upgraded
    await asyncio.to_thread(command.upgrade, config, "head")

    # Then every document has a key and its FTS row that key as rowid, with its text
    fts, keys = _rows(sqlite_only)
    assert set(keys) == {a.id.hex for a in assets}
    assert {(rowid, asset) for rowid, asset, _ in fts} == {(d, a) for a, d in keys.items()}
    assert {d for _, _, d in fts} == {f"old {a.name}" for a in assets}
    # and re-indexing replaces those rows
    for asset in assets:
        asset.description = f"new {asset.name}"
    async with uow(db) as work:
        await work.catalog.index_assets(assets, {})
        await work.commit()
    fts, _ = _rows(sqlite_only)
    assert {d for _, _, d in fts} == {f"new {a.name}" for a in assets}


async def _documents_before_keys(conn: Any, assets: list[Any]) -> None:
    """Documents as the code before 0017 stored them: FTS rows under rowids FTS5
    picked (here, far from any key)."""
    for i, asset in enumerate(assets):
        values = {
            "id": asset.id.hex,
            "name": asset.name,
            "qn": asset.qualified_name,
            "description": f"old {asset.name}",
        }
        await conn.execute(
            text(
                "INSERT INTO asset_search (asset_id, name, qualified_name, description, "
                "columns, tags, terms) VALUES (:id, :name, :qn, :description, '', '', '')"
            ),
            values,
        )
        await conn.execute(
            text(
                "INSERT INTO asset_fts (rowid, asset_id, name, qualified_name, description, "
                "columns, tags, terms) VALUES (:rowid, :id, :name, :qn, :description, '', '', '')"
            ),
            {**values, "rowid": 1000 + 7 * i},
        )
