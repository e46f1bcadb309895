"""Cron schedules: "enqueue a run of this kind when the cron expression says so".

Every runner process keeps the same schedules and fires due ticks; each tick's run
gets an id derived from (kind, cron, tick time), so the primary key of
``job_runs`` lets exactly one process record it, on SQLite and PostgreSQL alike.
Missed ticks (the process was down) are not caught up: the next tick is the next
one after now.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from croniter import croniter
from sqlalchemy.exc import IntegrityError

from racine.domain.errors import Conflict
from racine.domain.ports import JobQueue, UnitOfWork
from racine.domain.runs.use_cases import submit_run

__all__ = ["Schedule", "Scheduler", "tick_run_id"]

log = logging.getLogger(__name__)

_NAMESPACE = uuid.UUID("5f0c2a53-8d8e-4c63-9a39-52c1c9f0a6d1")
_MAX_SLEEP = 30.0


def tick_run_id(kind: str, cron: str, tick: datetime) -> uuid.UUID:
    """The run id of one tick of one schedule: the same in every process."""
    return uuid.uuid5(_NAMESPACE, f"{kind}|{cron}|{tick.astimezone(UTC).isoformat()}")


@dataclass
class Schedule:
    kind: str
    cron: str  # five fields, or six with seconds last (croniter's convention)
    payload_factory: Callable[[], dict[str, Any]]
    next_tick: datetime

    def advance(self, now: datetime) -> None:
        self.next_tick = croniter(self.cron, max(self.next_tick, now)).get_next(datetime)


class Scheduler:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        queue: JobQueue,
        *,
        max_attempts: int = 3,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._uow_factory = uow_factory
        self._queue = queue
        self._max_attempts = max_attempts
        self._clock = clock
        self.schedules: list[Schedule] = []

    def schedule(
        self, kind: str, cron: str, payload_factory: Callable[[], dict[str, Any]]
    ) -> Schedule:
        if not croniter.is_valid(cron):
            raise ValueError(f"invalid cron expression {cron!r}")
        first = croniter(cron, self._clock()).get_next(datetime)
        entry = Schedule(kind, cron, payload_factory, first)
        self.schedules.append(entry)
        return entry

    async def fire_due(self, now: datetime | None = None) -> list[uuid.UUID]:
        """Submit a run for every schedule whose tick has come; returns the runs this
        process created (a tick another process recorded first is skipped)."""
        now = now or self._clock()
        created: list[uuid.UUID] = []
        for entry in self.schedules:
            if entry.next_tick > now:
                continue
            tick = entry.next_tick
            entry.advance(now)
            run_id = tick_run_id(entry.kind, entry.cron, tick)
            try:
                payload = entry.payload_factory()
                await submit_run(
                    self._uow_factory(),
                    self._queue,
                    entry.kind,
                    payload,
                    None,
                    max_attempts=self._max_attempts,
                    run_id=run_id,
                )
            except (Conflict, IntegrityError):
                continue  # another process fired this tick
            except Exception:
                log.exception("scheduled run not submitted", extra={"kind": entry.kind})
                continue
            created.append(run_id)
        return created

    def seconds_to_next(self) -> float:
        if not self.schedules:
            return _MAX_SLEEP
        soonest = min(s.next_tick for s in self.schedules)
        return min(_MAX_SLEEP, max(0.0, (soonest - self._clock()).total_seconds()))

    async def run_forever(self) -> None:
        while True:
            await asyncio.sleep(self.seconds_to_next())
            await self.fire_due()
