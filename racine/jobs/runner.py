"""Executes runs: claim, hand to the handler, record the outcome.

Shared by both queues; they differ only in how run ids reach :meth:`Runner.execute`.
While a handler runs, a watcher beats the run's heartbeat and reads its cancel
flag. The heartbeat is guarded by the claim's ``started_at`` (a lease token): if
it no longer matches, another worker recovered the run and this attempt stops
without writing anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from racine.domain.ports import EventBus, UnitOfWork
from racine.domain.runs.context import RunCancelled, RunHandler
from racine.domain.runs.model import JobRun, RunState
from racine.domain.runs.use_cases import CANCELLED_ON_REQUEST, run_event
from racine.jobs.context import RunnerContext
from racine.jobs.cpu import CpuPool
from racine.jobs.options import JobOptions
from racine.jobs.reasons import failure_reason, origin
from racine.jobs.registry import HandlerRegistry

__all__ = ["REQUEUED_AT_SHUTDOWN", "OutcomeHook", "Runner"]

log = logging.getLogger(__name__)

REQUEUED_AT_SHUTDOWN = "re-queued at shutdown"
_CANCEL_FORCED = "cancelled on request (stopped after the grace period)"

OutcomeHook = Callable[[str, str], None]
"""``on_outcome(kind, state)``, called once per run that ends or is re-queued."""


@dataclass
class _Active:
    run_id: uuid.UUID
    run: JobRun | None = None
    task: asyncio.Task[dict[str, Any] | None] | None = None
    stop: str | None = None  # why we cancelled the handler: cancel | shutdown | lost
    cancel_seen: float | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Runner:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        bus: EventBus,
        registry: HandlerRegistry,
        options: JobOptions,
        on_outcome: Callable[[], OutcomeHook | None] = lambda: None,
    ) -> None:
        self.uow_factory = uow_factory
        self.bus = bus
        self.registry = registry
        self.options = options
        self.cpu = CpuPool(options.cpu_pool_size)
        self._on_outcome = on_outcome
        self._slots = asyncio.Semaphore(options.workers)
        self._active: dict[uuid.UUID, _Active] = {}
        self._closing = False
        self._watcher: asyncio.Task[None] | None = None
        self.requeued_at_shutdown: list[uuid.UUID] = []
        self.on_slot_free: Callable[[], None] = lambda: None

    # -- life cycle ----------------------------------------------------------

    async def start(self) -> None:
        self._closing = False
        self._watcher = asyncio.create_task(self._watch(), name="racine-jobs-watch")

    @property
    def active_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(self._active)

    @property
    def free_slots(self) -> int:
        return max(0, self.options.workers - len(self._active))

    async def drain(self, wait_s: float) -> list[uuid.UUID]:
        """Stop taking runs; wait up to ``wait_s`` seconds for handlers, then cancel the rest
        and put their runs back to QUEUED. Returns the re-queued run ids."""
        self._closing = True
        handlers = [a.task for a in self._active.values() if a.task is not None]
        if handlers:
            await asyncio.wait(handlers, timeout=wait_s)
        for active in self._active.values():
            if active.task is not None and not active.task.done():
                active.stop = "shutdown"
                active.task.cancel()
        waits = [a.done.wait() for a in self._active.values()]
        if waits:
            await asyncio.wait([asyncio.ensure_future(w) for w in waits], timeout=10)
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        return list(self.requeued_at_shutdown)

    def close(self) -> None:
        self.cpu.park()

    # -- one run ---------------------------------------------------------------

    async def execute(self, run_id: uuid.UUID) -> None:
        """Claim ``run_id`` and run it to an outcome. A run already taken (here or by
        another worker) or a runner that is closing makes this a no-op."""
        if run_id in self._active or self._closing:
            return
        active = _Active(run_id)
        self._active[run_id] = active
        try:
            async with self._slots:
                if self._closing:
                    return
                async with self.uow_factory() as uow:
                    run = await uow.runs.claim(run_id)
                    if run is not None:
                        uow.emit(run_event(run, "JOB_STARTED"))
                    await uow.commit()
                if run is None:
                    return
                active.run = run
                await self._run(active, run)
        finally:
            del self._active[run_id]
            active.done.set()
            self.on_slot_free()

    async def _run(self, active: _Active, run: JobRun) -> None:
        handler = self.registry.get(run.kind)
        if handler is None:
            await self._end(run, RunState.FAILED, f"no handler registered for kind {run.kind!r}")
            return
        if run.cancel_requested:
            await self._end(run, RunState.CANCELLED, CANCELLED_ON_REQUEST)
            return
        ctx = RunnerContext(run.id, run.kind, self.uow_factory, self.bus, self.cpu)
        active.task = asyncio.create_task(_invoke(handler, ctx, run), name=f"racine-job-{run.id}")
        try:
            value = await active.task
        except asyncio.CancelledError:
            outer = (task := asyncio.current_task()) is not None and task.cancelling() > 0
            await self._stopped(active, run, "shutdown" if outer else active.stop)
            if outer:
                raise
            return
        except RunCancelled:
            await self._end(run, RunState.CANCELLED, CANCELLED_ON_REQUEST)
            return
        except Exception as exc:
            reason = failure_reason(exc)
            log.warning(
                "job failed",
                extra={
                    "run_id": str(run.id),
                    "kind": run.kind,
                    "reason": reason,
                    "origin": origin(exc),
                },
            )
            await self._end(run, RunState.FAILED, reason)
            return
        result, problem = _result(value)
        if problem is not None:
            await self._end(run, RunState.FAILED, problem)
        else:
            await self._end(run, RunState.SUCCEEDED, None, result)

    async def _stopped(self, active: _Active, run: JobRun, why: str | None) -> None:
        if why == "cancel":
            await self._end(run, RunState.CANCELLED, _CANCEL_FORCED)
        elif why == "lost":
            log.warning("run taken over elsewhere; attempt dropped", extra={"run_id": str(run.id)})
        else:
            async with self.uow_factory() as uow:
                ok = await uow.runs.requeue(run.id, REQUEUED_AT_SHUTDOWN, started_at=run.started_at)
                if ok:
                    uow.emit(
                        run_event(
                            run, "JOB_REQUEUED", state=RunState.QUEUED, reason=REQUEUED_AT_SHUTDOWN
                        )
                    )
                await uow.commit()
            if ok:
                self.requeued_at_shutdown.append(run.id)
                self._outcome(run.kind, RunState.QUEUED)

    async def _end(
        self,
        run: JobRun,
        state: RunState,
        reason: str | None,
        result: dict[str, Any] | None = None,
    ) -> None:
        try:
            async with self.uow_factory() as uow:
                ok = await uow.runs.finish(
                    run.id, state, reason=reason, result=result, started_at=run.started_at
                )
                if ok:
                    event = run_event(run, f"JOB_{state.value}", state=state, reason=reason)
                    uow.emit(event)
                await uow.commit()
        except Exception as exc:  # the run stays RUNNING; recovery picks it up
            log.error(
                "could not record job outcome",
                extra={"run_id": str(run.id), "error": failure_reason(exc)},
            )
            return
        if ok:
            self._outcome(run.kind, state)
        else:
            log.warning(
                "run changed hands before its outcome was written",
                extra={"run_id": str(run.id), "state": state.value},
            )

    def _outcome(self, kind: str, state: RunState) -> None:
        hook = self._on_outcome()
        if hook is None:
            return
        try:
            hook(kind, state.value)
        except Exception:
            log.exception("on_outcome hook failed")

    # -- heartbeat and cancel flags -------------------------------------------

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.options.heartbeat_every)
            try:
                await self._beat()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("job heartbeat failed", extra={"error": failure_reason(exc)})

    async def _beat(self) -> None:
        leases = {
            a.run_id: a.run.started_at
            for a in self._active.values()
            if a.run is not None
            and a.run.started_at is not None
            and a.task is not None
            and not a.task.done()
        }
        if not leases:
            return
        running = [self._active[run_id] for run_id in leases]
        held: dict[uuid.UUID, bool] = {}
        async with self.uow_factory() as uow:
            for run_id, started_at in leases.items():
                held[run_id] = await uow.runs.touch(run_id, started_at)
            flags = await uow.runs.get_many(list(leases))
            await uow.commit()
        now = time.monotonic()
        for active in running:
            task = active.task
            if task is None or task.done() or active.stop is not None:
                continue
            if not held[active.run_id]:
                active.stop = "lost"
                task.cancel()
                continue
            current = flags.get(active.run_id)
            if current is None or not current.cancel_requested:
                continue
            if active.cancel_seen is None:
                active.cancel_seen = now
            elif now - active.cancel_seen >= self.options.cancel_grace:
                active.stop = "cancel"
                task.cancel()


async def _invoke(handler: RunHandler, ctx: RunnerContext, run: JobRun) -> dict[str, Any] | None:
    return await handler(ctx, run)


def _result(value: object) -> tuple[dict[str, Any] | None, str | None]:
    """The handler's return as a JSON-safe dict, or why it cannot be stored."""
    if value is None:
        return {}, None
    if not isinstance(value, dict):
        return None, f"TypeError: handler returned {type(value).__name__}, expected dict or None"
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return None, "TypeError: handler result is not JSON-serialisable"
    return value, None
