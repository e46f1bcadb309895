"""The history a scan writes when many assets leave the source and come back, on
both metadata databases: one entry per asset, in a few batched inserts."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from catalog_scan_env import scan_environment
from sqlalchemy import event, func, select

from racine.domain.runs.model import RunState
from racine.domain.scanning.pipeline import BATCH_TABLES
from racine.persistence.tables.audit import AuditEventRow

TABLES = 2 * BATCH_TABLES + 10  # several write batches when they come back
COLUMNS = 4


@pytest.fixture
async def scan_env(database_url: str, tmp_path: Path) -> AsyncIterator[Any]:
    async with scan_environment(database_url, tmp_path) as env:
        yield env


def _create(path: Path, first: int = 0) -> None:
    conn = sqlite3.connect(path)
    for t in range(first, TABLES):
        conn.execute(f"CREATE TABLE t{t:03d} (id INTEGER PRIMARY KEY, a TEXT, b REAL, c TEXT)")
    conn.commit()
    conn.close()


def _drop_all_but_first(path: Path) -> None:
    conn = sqlite3.connect(path)
    for t in range(1, TABLES):
        conn.execute(f"DROP TABLE t{t:03d}")
    conn.commit()
    conn.close()


@contextmanager
def _audit_inserts(env: Any, action: str) -> Iterator[list[str]]:
    """The INSERT statements into the audit trail run inside the block that write
    ``action`` entries (an executemany counts once: one round trip of many rows)."""
    seen: list[str] = []
    engine = env.db.engine.sync_engine

    def on_execute(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS") and (
            action in str(parameters)
        ):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


async def _entries(env: Any, action: str) -> int:
    async with env.uow_factory() as uow:
        count = await uow.session.scalar(select(func.count()).where(AuditEventRow.action == action))
    return int(count or 0)


async def test_many_removed_and_revived_assets_are_recorded_in_a_few_inserts(
    scan_env: Any, tmp_path: Path
) -> None:
    # Given a scanned source of many tables (metadata only: nothing to sample)
    path = tmp_path / "many.db"
    _create(path)
    source = await scan_env.add_source(f"sqlite:///{path}", profiling=False, classification=False)
    assert (await scan_env.scan(source)).state is RunState.SUCCEEDED

    # When all tables but one are dropped and the source rescanned
    _drop_all_but_first(path)
    with _audit_inserts(scan_env, "asset.remove") as inserts:
        removal = await scan_env.scan(source)

    # Then every dropped table and column has its ``asset.remove`` entry, written in
    # one insert rather than one per asset.
    assert removal.state is RunState.SUCCEEDED, removal.reason
    assert removal.removed == TABLES - 1
    gone = (TABLES - 1) * (1 + COLUMNS)
    assert await _entries(scan_env, "asset.remove") == gone
    assert len(inserts) == 1, inserts

    # When they come back
    _create(path, first=1)
    with _audit_inserts(scan_env, "asset.revive") as inserts:
        revival = await scan_env.scan(source)

    # Then each has its ``asset.revive`` entry, an insert per write batch at most.
    assert revival.state is RunState.SUCCEEDED, revival.reason
    assert revival.added == TABLES - 1
    assert await _entries(scan_env, "asset.revive") == gone
    assert len(inserts) < TABLES // 5, inserts
