"""A production server or worker checks the metadata database is at this version's
schema before using it (``require_migrated``), on SQLite and PostgreSQL. The test's
database is at head; it is moved back and to an unknown revision, then restored."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from racine.persistence.migrate import NotMigrated, alembic_config, require_migrated, upgrade


async def test_only_a_database_at_this_versions_schema_passes(database_url: str) -> None:
    engine = create_async_engine(database_url)
    config = alembic_config(database_url)
    try:
        # At head: nothing to say
        await require_migrated(engine)
        (head,) = await _versions(engine)

        # One migration behind: upgrade first
        await asyncio.to_thread(command.downgrade, config, "-1")
        (behind,) = await _versions(engine)
        with pytest.raises(NotMigrated, match=f"at migration {behind}; this version needs {head}"):
            await require_migrated(engine)

        # Migrated by a newer release: not this version's to upgrade
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(NotMigrated, match=r"9999, which this version \(at \d+\) does not know"):
            await require_migrated(engine)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": behind})
    finally:
        await engine.dispose()
        await asyncio.to_thread(upgrade, database_url)


async def _versions(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())
