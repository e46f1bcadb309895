"""The embedded queue: one process, the ``job_runs`` table is the queue.

``dispatch`` only wakes the dispatcher, which takes the oldest QUEUED runs for
its free slots. So a run inserted while the process was down, or re-queued at
shutdown, is found again without any in-memory state surviving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from racine.domain.runs.model import RunState
from racine.jobs.base import RunQueue
from racine.jobs.reasons import failure_reason
from racine.jobs.recovery import Recovered, recover_orphans

__all__ = ["InProcessJobQueue"]

log = logging.getLogger(__name__)


class InProcessJobQueue(RunQueue):
    """asyncio runner with ``options.workers`` concurrent runs and a process pool."""

    recovered: Recovered | None = None

    async def start(self) -> None:
        # One process: anything RUNNING now was interrupted by our own last exit.
        self.recovered = await recover_orphans(self.uow_factory, stale_before=None)
        self._wake = asyncio.Event()
        self._wake.set()
        self._runs: set[asyncio.Task[None]] = set()
        self.runner.on_slot_free = self._wake.set
        await self.runner.start()
        self._spawn(self._dispatch_forever(), "racine-jobs-dispatch")
        self._spawn(self.scheduler.run_forever(), "racine-jobs-schedule")

    async def dispatch(self, run_id: str) -> None:
        self._wake.set()

    async def stop(self, wait_s: float | None = None) -> None:
        """Wait up to ``wait_s`` seconds (default ``options.shutdown_timeout``) for
        running handlers; the rest go back to QUEUED and resume at the next start."""
        await self._cancel_tasks()
        await self.runner.drain(self.options.shutdown_timeout if wait_s is None else wait_s)
        for task in list(self._runs):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.runner.close()

    async def _dispatch_forever(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancellation
            # that arrives as the wait completes, and this loop would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.options.poll_every):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self._dispatch_queued()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("job dispatch failed", extra={"error": failure_reason(exc)})

    async def _dispatch_queued(self) -> None:
        free = self.runner.free_slots
        if free == 0:
            return
        busy = self.runner.active_ids
        async with self.uow_factory() as uow:
            queued = await uow.runs.in_states([RunState.QUEUED], limit=free + len(busy))
        for run in [r for r in queued if r.id not in busy][:free]:
            self._start_run(run.id)

    def _start_run(self, run_id: uuid.UUID) -> None:
        task = asyncio.create_task(self.runner.execute(run_id), name=f"racine-run-{run_id}")
        self._runs.add(task)
        task.add_done_callback(self._runs.discard)
