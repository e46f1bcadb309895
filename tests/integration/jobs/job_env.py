"""What a job test works with (``conftest.py``'s ``env`` fixture makes one). A module
of its own, not ``conftest``: a test module importing from ``conftest`` gets whichever
directory's conftest pytest loaded first when several test directories run together."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from racine.domain.ports import UnitOfWork
from racine.domain.runs.model import JobRun, RunState
from racine.persistence.database import Database
from racine.realtime import MemoryEventBus


@dataclass
class Env:
    db: Database
    bus: MemoryEventBus
    uow_factory: Callable[[], UnitOfWork]

    async def get(self, run_id: uuid.UUID) -> JobRun:
        async with self.uow_factory() as uow:
            run = await uow.runs.get(run_id)
        assert run is not None
        return cast(JobRun, run)

    async def wait_for(
        self, run_id: uuid.UUID, pred: Callable[[JobRun], bool], within: float = 15.0
    ) -> JobRun:
        async with asyncio.timeout(within):
            while True:
                run = await self.get(run_id)
                if pred(run):
                    return run
                await asyncio.sleep(0.05)

    async def wait_state(
        self, run_id: uuid.UUID, *states: RunState, within: float = 15.0
    ) -> JobRun:
        return await self.wait_for(run_id, lambda r: r.state in states, within)

    async def clear_runs(self) -> None:
        """Modules share one PostgreSQL database: leave no run for the next test."""
        async with self.uow_factory() as uow:
            session = uow.session  # type: ignore[attr-defined]
            from sqlalchemy import text

            await session.execute(text("DELETE FROM job_runs"))
            await uow.commit()
