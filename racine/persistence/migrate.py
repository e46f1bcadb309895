"""Run Alembic migrations programmatically (``racine db upgrade``, embedded start-up),
and check a production database is migrated before a server or worker uses it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = [
    "NotMigrated",
    "alembic_config",
    "head_revision",
    "require_migrated",
    "revision_of",
    "upgrade",
    "upgrade_async",
]

_HERE = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str) -> None:
    """Alembic's env runs its own event loop, so it gets a thread of its own."""
    await asyncio.to_thread(upgrade, url)


def head_revision() -> str | None:
    """The newest migration this version knows."""
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


async def revision_of(url: str) -> str | None:
    """The migration the database at ``url`` is at (None: no Racine schema yet)."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


class NotMigrated(RuntimeError):
    """The metadata database is not at this version's schema (the message says what
    to run)."""


async def require_migrated(engine: AsyncEngine) -> None:
    """Raise :class:`NotMigrated` unless the database is at this version's newest
    migration: in production the operator migrates (``racine db upgrade``), and a
    server on an older schema would fail on its first query instead. A database a
    newer release migrated is refused too (this version may not read it)."""
    script = ScriptDirectory.from_config(alembic_config(""))
    head = script.get_current_head()
    async with engine.connect() as conn:
        current = await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
    if current == head:
        return
    if current is None:
        raise NotMigrated(
            f"the metadata database has no Racine schema; this version needs migration"
            f" {head}: run `racine db upgrade` first"
        )
    try:
        script.get_revision(current)
    except CommandError:
        raise NotMigrated(
            f"the metadata database is at migration {current}, which this version (at"
            f" {head}) does not know: a newer release migrated it; run that release"
        ) from None
    raise NotMigrated(
        f"the metadata database is at migration {current}; this version needs {head}:"
        " run `racine db upgrade` first"
    )
