"""Job runs. State changes are guarded updates, so two workers cannot both claim a run."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.runs.model import JobRun, RunState
from racine.persistence.tables.runs import JobRunRow

__all__ = ["RunRepository"]


def _run(row: JobRunRow) -> JobRun:
    return JobRun(
        id=row.id,
        kind=row.kind,
        payload=row.payload,
        state=RunState(row.state),
        reason=row.reason,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        progress=row.progress,
        result=row.result,
        cancel_requested=row.cancel_requested,
        created_by=row.created_by,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        heartbeat_at=row.heartbeat_at,
    )


class RunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, run: JobRun) -> None:
        self.session.add(
            JobRunRow(
                id=run.id,
                kind=run.kind,
                payload=run.payload,
                state=run.state.value,
                reason=run.reason,
                attempts=run.attempts,
                max_attempts=run.max_attempts,
                progress=run.progress,
                result=run.result,
                cancel_requested=run.cancel_requested,
                created_by=run.created_by,
                created_at=run.created_at,
                started_at=run.started_at,
                finished_at=run.finished_at,
                heartbeat_at=run.heartbeat_at,
            )
        )
        await self.session.flush()

    async def get(self, run_id: uuid.UUID) -> JobRun | None:
        row = await self.session.get(JobRunRow, run_id, populate_existing=True)
        return None if row is None else _run(row)

    async def get_many(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, JobRun]:
        rows = await self.session.scalars(select(JobRunRow).where(JobRunRow.id.in_(list(ids))))
        return {r.id: _run(r) for r in rows}

    async def claim(self, run_id: uuid.UUID) -> JobRun | None:
        """QUEUED → RUNNING, attempts + 1. None when another worker got it first.
        Clears ``reason``: why the run was re-queued no longer applies once it runs."""
        now = datetime.now(UTC)
        result = await self.session.execute(
            update(JobRunRow)
            .where(JobRunRow.id == run_id, JobRunRow.state == RunState.QUEUED.value)
            .values(
                state=RunState.RUNNING.value,
                attempts=JobRunRow.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                reason=None,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return await self.get(run_id)

    async def finish(
        self,
        run_id: uuid.UUID,
        state: RunState,
        *,
        reason: str | None = None,
        result: dict[str, Any] | None = None,
        from_states: Sequence[RunState] = (RunState.RUNNING,),
        started_at: datetime | None = None,
    ) -> bool:
        """Move to a final ``state``. ``started_at`` (the claim's, a lease token) makes
        the update apply only while the run is still held by that claim."""
        values: dict[str, Any] = {
            "state": state.value,
            "reason": reason,
            "finished_at": datetime.now(UTC),
        }
        if result is not None:
            values["result"] = result
        query = update(JobRunRow).where(
            JobRunRow.id == run_id, JobRunRow.state.in_([s.value for s in from_states])
        )
        if started_at is not None:
            query = query.where(JobRunRow.started_at == started_at)
        res = await self.session.execute(query.values(**values))
        return bool(res.rowcount == 1)  # type: ignore[attr-defined]

    async def requeue(
        self,
        run_id: uuid.UUID,
        reason: str,
        *,
        started_at: datetime | None = None,
        heartbeat_before: datetime | None = None,
    ) -> bool:
        """RUNNING → QUEUED. ``started_at`` limits it to the claim holding the run;
        ``heartbeat_before`` to a run whose holder has gone silent (crash recovery),
        so a live worker that just beat is not robbed of its run."""
        query = update(JobRunRow).where(
            JobRunRow.id == run_id, JobRunRow.state == RunState.RUNNING.value
        )
        if started_at is not None:
            query = query.where(JobRunRow.started_at == started_at)
        if heartbeat_before is not None:
            query = query.where(
                or_(JobRunRow.heartbeat_at.is_(None), JobRunRow.heartbeat_at < heartbeat_before)
            )
        res = await self.session.execute(query.values(state=RunState.QUEUED.value, reason=reason))
        return bool(res.rowcount == 1)  # type: ignore[attr-defined]

    async def touch(self, run_id: uuid.UUID, started_at: datetime) -> bool:
        """Heartbeat of the claim that started at ``started_at``. False means the run
        is no longer held by that claim (finished, cancelled or recovered elsewhere)."""
        res = await self.session.execute(
            update(JobRunRow)
            .where(
                JobRunRow.id == run_id,
                JobRunRow.state == RunState.RUNNING.value,
                JobRunRow.started_at == started_at,
            )
            .values(heartbeat_at=datetime.now(UTC))
        )
        return bool(res.rowcount == 1)  # type: ignore[attr-defined]

    async def set_progress(self, run_id: uuid.UUID, progress: dict[str, Any]) -> None:
        await self.session.execute(
            update(JobRunRow)
            .where(JobRunRow.id == run_id)
            .values(progress=progress, heartbeat_at=datetime.now(UTC))
        )

    async def request_cancel(self, run_id: uuid.UUID) -> None:
        await self.session.execute(
            update(JobRunRow).where(JobRunRow.id == run_id).values(cancel_requested=True)
        )

    async def is_cancel_requested(self, run_id: uuid.UUID) -> bool:
        return bool(
            await self.session.scalar(
                select(JobRunRow.cancel_requested).where(JobRunRow.id == run_id)
            )
        )

    async def in_states(
        self, states: Sequence[RunState], *, kind: str | None = None, limit: int = 1000
    ) -> list[JobRun]:
        query = select(JobRunRow).where(JobRunRow.state.in_([s.value for s in states]))
        if kind is not None:
            query = query.where(JobRunRow.kind == kind)
        rows = await self.session.scalars(query.order_by(JobRunRow.created_at).limit(limit))
        return [_run(r) for r in rows]

    async def count_in_state(self, state: RunState) -> int:
        return int(
            await self.session.scalar(
                select(func.count()).select_from(JobRunRow).where(JobRunRow.state == state.value)
            )
            or 0
        )
