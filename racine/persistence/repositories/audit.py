"""The audit trail: append and page through, newest first."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.audit.model import AuditEvent, AuditFilter
from racine.domain.paging import Page, PageRequest, encode_cursor
from racine.persistence.repositories.keyset import after_cursor
from racine.persistence.tables.audit import AuditEventRow

__all__ = ["AuditRepository"]

_EVENTS: Table = AuditEventRow.__table__  # type: ignore[assignment]


def _event(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        id=row.id,
        occurred_at=row.occurred_at,
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        outcome=row.outcome,
        request_id=row.request_id,
        diff=row.diff,
    )


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, event: AuditEvent) -> None:
        self.session.add(
            AuditEventRow(
                id=event.id,
                occurred_at=event.occurred_at,
                actor_id=event.actor_id,
                actor_name=event.actor_name,
                action=event.action,
                target_type=event.target_type,
                target_id=event.target_id,
                outcome=event.outcome,
                request_id=event.request_id,
                diff=event.diff,
            )
        )

    async def add_many(self, events: list[AuditEvent]) -> None:
        """Append ``events`` with one Core executemany (no ORM work per row)."""
        await self.session.execute(
            insert(_EVENTS),
            [
                {
                    "id": e.id,
                    "occurred_at": e.occurred_at,
                    "actor_id": e.actor_id,
                    "actor_name": e.actor_name,
                    "action": e.action,
                    "target_type": e.target_type,
                    "target_id": e.target_id,
                    "outcome": e.outcome,
                    "request_id": e.request_id,
                    "diff": e.diff,
                }
                for e in events
            ],
        )

    async def get(self, event_id: uuid.UUID) -> AuditEvent | None:
        row = await self.session.get(AuditEventRow, event_id)
        return None if row is None else _event(row)

    @staticmethod
    def _filtered(
        query: Select[tuple[AuditEventRow]], f: AuditFilter
    ) -> Select[tuple[AuditEventRow]]:
        t = AuditEventRow
        if f.actor_id is not None:
            query = query.where(t.actor_id == f.actor_id)
        if f.action_prefix:
            query = query.where(t.action.startswith(f.action_prefix, autoescape=True))
        if f.target_type:
            query = query.where(t.target_type == f.target_type)
        if f.target_id:
            query = query.where(t.target_id == f.target_id)
        if f.since is not None:
            query = query.where(t.occurred_at >= f.since)
        if f.until is not None:
            query = query.where(t.occurred_at < f.until)
        return query

    async def page(self, f: AuditFilter, page: PageRequest) -> Page[AuditEvent]:
        t = AuditEventRow
        total = await self.session.scalar(
            self._filtered(select(func.count()).select_from(t), f)  # type: ignore[arg-type]
        )
        query = self._filtered(select(t), f).order_by(t.occurred_at.desc(), t.id.desc())
        after = after_cursor(page, (t.occurred_at, t.id), True, datetime)
        if after is not None:
            query = query.where(after)
        rows: list[AuditEventRow] = list(await self.session.scalars(query.limit(page.first + 1)))
        items = [_event(r) for r in rows[: page.first]]
        return Page(
            items=items,
            cursors=[encode_cursor([e.occurred_at.isoformat(), str(e.id)]) for e in items],
            total_count=int(total or 0),
            has_next_page=len(rows) > page.first,
            has_previous_page=page.after is not None,
        )
