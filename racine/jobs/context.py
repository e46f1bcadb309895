"""The concrete :class:`~racine.domain.runs.context.JobContext` handed to handlers."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from racine.domain.events import Channels, Event
from racine.domain.ports import EventBus, UnitOfWork
from racine.domain.runs.context import RunCancelled
from racine.jobs.cpu import CpuPool

__all__ = ["RunnerContext"]

T = TypeVar("T")


class RunnerContext:
    """One attempt of one run. Every call that reads or writes opens its own short
    unit of work, so a long handler never holds a transaction open."""

    def __init__(
        self,
        run_id: uuid.UUID,
        kind: str,
        uow_factory: Callable[[], UnitOfWork],
        bus: EventBus,
        cpu: CpuPool,
    ) -> None:
        self._run_id = run_id
        self.kind = kind
        self._uow_factory = uow_factory
        self._bus = bus
        self._cpu = cpu

    @property
    def run_id(self) -> str:
        return str(self._run_id)

    @property
    def uow_factory(self) -> Callable[[], UnitOfWork]:
        return self._uow_factory

    @property
    def bus(self) -> EventBus:
        return self._bus

    async def run_cpu(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._cpu.run(fn, *args)

    async def progress(self, progress: dict[str, Any]) -> None:
        async with self._uow_factory() as uow:
            await uow.runs.set_progress(self._run_id, progress)
            uow.emit(
                Event(
                    Channels.job(self.run_id),
                    "JOB_PROGRESS",
                    {"runId": self.run_id, "kind": self.kind, "progress": progress},
                )
            )
            await uow.commit()

    async def cancelled(self) -> bool:
        async with self._uow_factory() as uow:
            return bool(await uow.runs.is_cancel_requested(self._run_id))

    async def raise_if_cancelled(self) -> None:
        if await self.cancelled():
            raise RunCancelled(self.run_id)
