"""Crash recovery: runs left RUNNING by a process that died.

A RUNNING run whose heartbeat stopped goes back to QUEUED while it has attempts
left, else ends FAILED with the reason ``interrupted: ...``; one whose cancel was
requested (``cancelScan`` while no live worker held it) ends CANCELLED instead,
as asked, without another attempt. The updates are guarded (still RUNNING,
heartbeat still old), so a worker that is alive and just slow to beat keeps its run.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from racine.domain.ports import UnitOfWork
from racine.domain.runs.model import JobRun, RunState
from racine.domain.runs.use_cases import CANCELLED_ON_REQUEST, run_event

__all__ = ["Recovered", "recover_orphans"]

log = logging.getLogger(__name__)

_BATCH = 1000


@dataclass
class Recovered:
    requeued: list[uuid.UUID] = field(default_factory=list)
    failed: list[uuid.UUID] = field(default_factory=list)
    cancelled: list[uuid.UUID] = field(default_factory=list)


async def recover_orphans(
    uow_factory: Callable[[], UnitOfWork], *, stale_before: datetime | None
) -> Recovered:
    """Recover RUNNING runs with a heartbeat before ``stale_before`` (all of them
    when None: the embedded runner at start-up is the only process there is)."""
    out = Recovered()
    async with uow_factory() as uow:
        running = await uow.runs.in_states([RunState.RUNNING], limit=_BATCH)
        for run in running:
            beat = run.heartbeat_at
            if stale_before is not None and beat is not None and beat >= stale_before:
                continue
            if run.cancel_requested:
                if await _end(uow, run, RunState.CANCELLED, CANCELLED_ON_REQUEST):
                    out.cancelled.append(run.id)
            elif run.attempts < run.max_attempts:
                reason = (
                    f"re-queued after interruption (attempt {run.attempts} of {run.max_attempts})"
                )
                if await uow.runs.requeue(run.id, reason, heartbeat_before=stale_before):
                    out.requeued.append(run.id)
                    uow.emit(run_event(run, "JOB_REQUEUED", state=RunState.QUEUED, reason=reason))
            else:
                reason = (
                    f"interrupted: worker lost during attempt {run.attempts} of {run.max_attempts}"
                )
                if await _end(uow, run, RunState.FAILED, reason):
                    out.failed.append(run.id)
        await uow.commit()
    if out.requeued or out.failed or out.cancelled:
        log.warning(
            "recovered interrupted runs",
            extra={
                "requeued": len(out.requeued),
                "failed": len(out.failed),
                "cancelled": len(out.cancelled),
            },
        )
    return out


async def _end(uow: UnitOfWork, run: JobRun, state: RunState, reason: str) -> bool:
    """End ``run`` in ``state`` (guarded: still RUNNING) and announce it."""
    if not await uow.runs.finish(run.id, state, reason=reason, started_at=run.started_at):
        return False
    uow.emit(run_event(run, f"JOB_{state.value}", state=state, reason=reason))
    return True
