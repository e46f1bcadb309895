"""The ``quality.schedule`` tick over both metadata databases: assertions whose cron
tick came are queued, but not those of an asset a scan removed once they have
recorded their SKIPPED result (their run would do nothing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from racine.connectors import connector_for
from racine.domain.quality.model import AssertionKind, ResultStatus
from racine.domain.quality.sources import source_opener
from racine.domain.quality.use_cases import (
    CreateAssertion,
    create_assertion,
    fire_due_assertions,
    run_assertions,
)
from racine.jobs.inprocess import InProcessJobQueue
from racine.jobs.options import JobOptions
from racine.persistence.tables.catalog import AssetRow


async def test_ticks_skip_assertions_of_removed_assets(env: Any, shop: Any) -> None:
    # Given two scheduled row-count assertions, one on a table a scan then removed,
    # whose run recorded its one SKIPPED result
    every_hour = "0 * * * *"
    live, gone = [
        await create_assertion(
            env.uow(),
            env.admin,
            CreateAssertion(
                shop.ids[table], AssertionKind.ROW_COUNT, {"min": 1}, schedule=every_hour
            ),
        )
        for table in ("payments", "employees")
    ]
    async with env.uow() as uow:
        await uow.session.execute(
            update(AssetRow)
            .where(AssetRow.id == shop.ids["employees"])
            .values(deleted_at=datetime.now(UTC))
        )
        await uow.commit()
    opener = source_opener(
        env.uow, env.cipher, lambda url: connector_for(url, statement_timeout_s=5)
    )
    ran = await run_assertions(env.uow, opener, [gone.id], env.admin)
    assert [r.status for r in ran.results] == [ResultStatus.SKIPPED]

    # When the schedule ticks after both assertions came due
    tick = datetime.now(UTC) + timedelta(hours=2)
    queue = InProcessJobQueue(env.uow, env.bus, JobOptions())
    queued = await fire_due_assertions(env.uow, queue, tick)

    # Then only the live one is queued, and the other's next tick moved on all the same
    assert queued == [live.id]
    async with env.uow() as uow:
        after = await uow.quality.get(gone.id)
    assert after.next_run_at is not None and after.next_run_at > tick
