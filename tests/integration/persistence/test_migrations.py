"""Migrations produce exactly the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from racine.persistence.tables import Base


async def test_migrated_schema_matches_models(database_url: str) -> None:
    engine = create_async_engine(database_url)

    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as conn:
        changes = await conn.run_sync(diff)
    await engine.dispose()
    # FTS virtual tables, the PostgreSQL full-text expression index (raw DDL in
    # migration 0003) and library-owned tables are not in our metadata.
    changes = [
        c
        for c in changes
        if not (c[0] == "remove_table" and _foreign(c[1].name))
        and not (
            c[0] == "remove_index"
            and (c[1].name in RAW_DDL_INDEXES or _foreign(c[1].table.name))
        )
    ]
    assert changes == []


RAW_DDL_INDEXES = {"ix_asset_search_fts"}


def _foreign(name: str) -> bool:
    return name.startswith(("alembic_", "pgqueuer", "procrastinate")) or "_fts" in name
