"""Migrations produce exactly the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from racine.persistence.tables import Base


async def test_migrated_schema_matches_models(database_url: str) -> None:
    engine = create_async_engine(database_url)

    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        with warnings.catch_warnings():
            # SQLite's expression index (ix_assets_kind_lower_name) is not reflected:
            # test_name_filter_index_exists checks it
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            warnings.filterwarnings("ignore", ".*skipping metadata-specified expression-based")
            return compare_metadata(context, Base.metadata)

    async with engine.connect() as conn:
        changes = await conn.run_sync(diff)
    await engine.dispose()
    # FTS virtual tables, the PostgreSQL search document column and its GIN index (raw
    # DDL in migration 0019) and library-owned tables are not in our metadata.
    changes = [
        c
        for c in changes
        if not (c[0] == "remove_table" and _foreign(c[1].name))
        and not (
            c[0] == "remove_index" and (c[1].name in RAW_DDL_INDEXES or _foreign(c[1].table.name))
        )
        and not (c[0] == "remove_column" and (c[2], c[3].name) in RAW_DDL_COLUMNS)
    ]
    assert changes == []


RAW_DDL_INDEXES = {"ix_asset_search_document"}
RAW_DDL_COLUMNS = {("asset_search", "document")}


def _foreign(name: str) -> bool:
    return name.startswith(("alembic_", "pgqueuer", "procrastinate")) or "_fts" in name


async def test_lineage_edge_indexes_cover_the_walk_on_postgresql(database_url: str) -> None:
    """The traversal's lookups by either end are answered from the index alone."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no INCLUDE")
    engine = create_async_engine(database_url)
    async with engine.connect() as conn:
        rows = await conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'lineage_edges'"
        )
        definitions = {name: definition for name, definition in rows}
    await engine.dispose()
    assert definitions["ix_lineage_edges_source"].endswith("INCLUDE (target_id, id)")
    assert definitions["ix_lineage_edges_target"].endswith("INCLUDE (source_id, id)")


async def test_name_filter_index_exists(database_url: str) -> None:
    """The name filter's expression index, on both databases (neither reflection
    nor the comparison above sees an expression index on SQLite)."""
    engine = create_async_engine(database_url)
    query = (
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_assets_kind_lower_name'"
        if database_url.startswith("postgresql")
        else "SELECT sql FROM sqlite_master WHERE name = 'ix_assets_kind_lower_name'"
    )
    async with engine.connect() as conn:
        definition = (await conn.exec_driver_sql(query)).scalar()
    await engine.dispose()
    assert definition is not None
    assert "(kind, lower(" in definition.lower() and "name" in definition.lower()
