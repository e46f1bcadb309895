"""Compliance tallies and evaluation runs. Mixed into
:class:`~racine.persistence.repositories.compliance.ComplianceRepository`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.compliance.model import EvaluationRun
from racine.domain.compliance.model import TallyRow as Tally
from racine.persistence.tables.compliance import EvaluationRow, TallyRow

__all__ = ["RunsMixin"]


def _run(r: EvaluationRow) -> EvaluationRun:
    return EvaluationRun(
        id=r.id,
        frameworks=list(r.frameworks or []),
        source_ids=None if r.source_ids is None else [uuid.UUID(s) for s in r.source_ids],
        state=r.state,
        created_by=r.created_by,
        created_at=r.created_at,
        finished_at=r.finished_at,
        scores=r.scores or {},
        counts=r.counts or {},
        error=r.error,
    )


def _run_values(run: EvaluationRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "frameworks": run.frameworks,
        "source_ids": None if run.source_ids is None else [str(s) for s in run.source_ids],
        "state": run.state,
        "created_by": run.created_by,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "scores": run.scores,
        "counts": run.counts,
        "error": run.error,
    }


class RunsMixin:
    session: AsyncSession

    # -- tallies ----------------------------------------------------------------------

    async def replace_tallies(
        self,
        frameworks: Sequence[str],
        source_ids: Sequence[uuid.UUID] | None,
        rows: Sequence[Tally],
        when: datetime | None = None,
    ) -> None:
        """Replace the tallies of ``frameworks`` (within ``source_ids`` if given).
        ``when`` (the evaluation time) is also the "last seen" of every finding of
        those controls and sources that is not RESOLVED (see ``_seen``)."""
        t = TallyRow
        now = when or datetime.now(UTC)
        values: dict[tuple[str, str, str], int] = {}
        for row in rows:
            key = (
                row.framework,
                row.control_id,
                "" if row.source_id is None else str(row.source_id),
            )
            values[key] = values.get(key, 0) + row.evaluated
        scope: Any = t.framework.in_(list(frameworks))
        if source_ids:
            keys = {str(s) for s in source_ids} | {k[2] for k in values}
            scope = and_(scope, t.source_key.in_(sorted(keys)))
        await self.session.execute(delete(t).where(scope))
        if values:
            await self.session.execute(
                insert(t),
                [
                    {
                        "framework": fw,
                        "control_id": c,
                        "source_key": s,
                        "evaluated": n,
                        "updated_at": now,
                    }
                    for (fw, c, s), n in values.items()
                ],
            )

    async def tallies(self, frameworks: Sequence[str]) -> list[Tally]:
        t = TallyRow
        rows = await self.session.execute(
            select(t.framework, t.control_id, t.source_key, t.evaluated).where(
                t.framework.in_(list(frameworks))
            )
        )
        return [Tally(fw, c, uuid.UUID(s) if s else None, n) for fw, c, s, n in rows]

    # -- evaluation runs --------------------------------------------------------------

    async def add_run(self, run: EvaluationRun) -> None:
        await self.session.execute(insert(EvaluationRow), [_run_values(run)])

    async def save_run(self, run: EvaluationRun) -> None:
        await self.session.execute(update(EvaluationRow), [_run_values(run)])

    async def get_run(self, run_id: uuid.UUID) -> EvaluationRun | None:
        row = await self.session.get(EvaluationRow, run_id, populate_existing=True)
        return None if row is None else _run(row)

    async def recent_runs(self, framework: str, limit: int) -> list[EvaluationRun]:
        """Newest first, the finished and running evaluations that included it."""
        if limit <= 0:
            return []
        out: list[EvaluationRun] = []
        rows = await self.session.scalars(
            select(EvaluationRow).order_by(EvaluationRow.created_at.desc()).limit(limit * 10)
        )
        for row in rows:
            if framework in (row.frameworks or []):
                out.append(_run(row))
                if len(out) >= limit:
                    break
        return out
