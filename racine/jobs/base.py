"""What both queues share: handler registry, scheduler, outcome hook, depth, submit."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any

from racine.domain.ports import EventBus, UnitOfWork
from racine.domain.runs.context import RunHandler
from racine.domain.runs.model import JobRun, RunState
from racine.domain.runs.use_cases import submit_run
from racine.jobs.options import JobOptions
from racine.jobs.reasons import failure_reason
from racine.jobs.registry import HandlerRegistry
from racine.jobs.runner import OutcomeHook, Runner
from racine.jobs.scheduler import Schedule, Scheduler

__all__ = ["RunQueue"]

log = logging.getLogger("racine.jobs")

_CANCEL_WAIT_S = 10.0


class RunQueue:
    """A :class:`~racine.domain.ports.JobQueue` plus what the composition root needs.

    Subclasses implement ``dispatch``, ``start`` and ``stop``.
    """

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        bus: EventBus,
        options: JobOptions,
        *,
        registry: HandlerRegistry | None = None,
        on_outcome: OutcomeHook | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.bus = bus
        self.options = options
        self.registry = registry or HandlerRegistry()
        self.on_outcome = on_outcome
        self.runner = Runner(uow_factory, bus, self.registry, options, lambda: self.on_outcome)
        self.scheduler = Scheduler(uow_factory, self, max_attempts=options.max_attempts)
        self._tasks: list[asyncio.Task[None]] = []

    def register(self, kind: str, handler: RunHandler) -> None:
        """Run ``handler(ctx, run)`` for runs of ``kind``; its dict is stored as the result."""
        self.registry.register(kind, handler)

    def prepare_cpu(self, step: Callable[[], object]) -> None:
        """Run ``step`` once in every process-pool worker as it starts (``CpuPool.prepare``)."""
        self.runner.cpu.prepare(step)

    def schedule(
        self, kind: str, cron: str, payload_factory: Callable[[], dict[str, Any]]
    ) -> Schedule:
        """Enqueue a run of ``kind`` at every tick of ``cron`` (fired where runs execute)."""
        return self.scheduler.schedule(kind, cron, payload_factory)

    async def submit(
        self, kind: str, payload: dict[str, Any], actor: uuid.UUID | None = None
    ) -> JobRun:
        """:func:`~racine.domain.runs.use_cases.submit_run` with this queue's settings."""
        return await submit_run(
            self.uow_factory(), self, kind, payload, actor, max_attempts=self.options.max_attempts
        )

    async def depth(self) -> int:
        """Runs waiting (QUEUED), across every process."""
        async with self.uow_factory() as uow:
            return int(await uow.runs.count_in_state(RunState.QUEUED))

    async def dispatch(self, run_id: str) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    # -- helpers for subclasses --------------------------------------------------

    def _spawn(self, coro: Any, name: str) -> None:
        self._tasks.append(asyncio.create_task(coro, name=name))

    async def _cancel_tasks(self) -> None:
        """Cancel the background loops and wait for them, at most ``_CANCEL_WAIT_S``: a
        loop that ignores its cancellation is named in the log, and stopping goes on."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if not tasks:
            return
        done, stuck = await asyncio.wait(tasks, timeout=_CANCEL_WAIT_S)
        for task in done:
            error = None if task.cancelled() else task.exception()
            if error is not None:
                log.warning(
                    "job queue task had failed",
                    extra={"task": task.get_name(), "error": failure_reason(error)},
                )
        for task in stuck:
            log.warning(
                "job queue task did not stop when cancelled", extra={"task": task.get_name()}
            )
