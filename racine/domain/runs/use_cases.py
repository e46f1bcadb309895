"""Use cases on job runs: submit one, cancel one.

The run row is written and committed first; the queue is told afterwards. If
telling the queue fails, the run is still QUEUED in the database and the runners'
start-up and periodic sweeps dispatch it, so accepted work is never lost.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from racine.domain.errors import Conflict, NotFound, ValidationFailed
from racine.domain.events import Channels, Event
from racine.domain.ports import JobQueue, UnitOfWork
from racine.domain.runs.model import JobRun, RunState

__all__ = [
    "CANCELLED_ON_REQUEST",
    "add_run",
    "cancel_run",
    "dispatch_run",
    "run_event",
    "submit_run",
]

log = logging.getLogger(__name__)

CANCELLED_ON_REQUEST = "cancelled on request"
_MAX_KIND = 32  # the column width of job_runs.kind


def run_event(
    run: JobRun, type_: str, *, state: RunState | None = None, reason: str | None = None
) -> Event:
    """The live signal for a life-cycle step of ``run`` on ``Channels.job(id)``."""
    return Event(
        Channels.job(str(run.id)),
        type_,
        {
            "runId": str(run.id),
            "kind": run.kind,
            "state": (state or run.state).value,
            "reason": reason,
        },
    )


async def submit_run(
    uow: UnitOfWork,
    queue: JobQueue,
    kind: str,
    payload: Mapping[str, Any],
    actor: uuid.UUID | None,
    *,
    max_attempts: int = 3,
    run_id: uuid.UUID | None = None,
) -> JobRun:
    """Record a QUEUED run and dispatch it. ``run_id`` fixes the id (the scheduler
    derives one per tick, so two processes firing the same tick make one run);
    an existing id raises :class:`Conflict`."""
    async with uow:
        run = await add_run(uow, kind, payload, actor, max_attempts=max_attempts, run_id=run_id)
        await uow.commit()
    await dispatch_run(queue, run)
    return run


async def add_run(
    uow: UnitOfWork,
    kind: str,
    payload: Mapping[str, Any],
    actor: uuid.UUID | None,
    *,
    max_attempts: int = 3,
    run_id: uuid.UUID | None = None,
) -> JobRun:
    """Record a QUEUED run in the caller's open unit of work (committed with the
    caller's own rows); hand it to :func:`dispatch_run` after the commit."""
    if not kind or len(kind) > _MAX_KIND:
        raise ValidationFailed(f"kind must be 1 to {_MAX_KIND} characters", field="kind")
    if max_attempts < 1:
        raise ValidationFailed("max_attempts must be at least 1", field="maxAttempts")
    run = JobRun(kind=kind, payload=dict(payload), created_by=actor, max_attempts=max_attempts)
    if run_id is not None:
        run.id = run_id
        if await uow.runs.get(run_id) is not None:
            raise Conflict("a run with this id already exists")
    await uow.runs.add(run)
    uow.emit(run_event(run, "JOB_QUEUED"))
    return run


async def dispatch_run(queue: JobQueue, run: JobRun) -> None:
    """Tell the queue about a committed run; if that fails, a sweep dispatches it."""
    try:
        await queue.dispatch(str(run.id))
    except Exception:  # the row is durable; a sweep dispatches it later
        log.warning("dispatch failed; run stays queued", extra={"run_id": str(run.id)})


async def cancel_run(
    uow: UnitOfWork,
    run_id: uuid.UUID,
    actor: uuid.UUID | None,
    *,
    reason: str = CANCELLED_ON_REQUEST,
) -> JobRun:
    """A QUEUED run ends CANCELLED at once; a RUNNING one gets the cancel flag,
    which its handler sees at its next checkpoint (the runner stops it after a
    grace period otherwise). A finished run raises :class:`Conflict`."""
    async with uow:
        run = await uow.runs.get(run_id)
        if run is None:
            raise NotFound("run")
        if run.is_terminal:
            raise Conflict(f"run already ended {run.state.value}")
        # The flag first: if a worker claims the run between our read and our
        # update, it still sees the request.
        await uow.runs.request_cancel(run_id)
        if run.state is RunState.QUEUED and await uow.runs.finish(
            run_id, RunState.CANCELLED, reason=reason, from_states=(RunState.QUEUED,)
        ):
            uow.emit(run_event(run, "JOB_CANCELLED", state=RunState.CANCELLED, reason=reason))
        else:
            uow.emit(run_event(run, "JOB_CANCEL_REQUESTED", state=RunState.RUNNING))
        updated = await uow.runs.get(run_id)
        await uow.commit()
    log.info("run cancel", extra={"run_id": str(run_id), "actor": str(actor)})
    return updated or run
