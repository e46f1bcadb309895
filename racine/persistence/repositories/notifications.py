"""Webhooks, their delivery log and per-user notification preferences."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.incidents.model import (
    Delivery,
    DeliveryState,
    NotificationPreference,
    Webhook,
)
from racine.domain.paging import Page, PageRequest, encode_cursor
from racine.persistence.tables.compliance import (
    NotificationPreferenceRow,
    WebhookDeliveryRow,
    WebhookRow,
)
from racine.persistence.unit_of_work import register_repository

__all__ = ["NotificationRepository"]


def _hook(r: WebhookRow) -> Webhook:
    return Webhook(
        id=r.id,
        url=r.url,
        events=list(r.events or []),
        secret=r.secret,
        min_severity=r.min_severity,
        active=r.active,
        created_by=r.created_by,
        created_at=r.created_at,
    )


def _delivery(r: WebhookDeliveryRow) -> Delivery:
    return Delivery(
        id=r.id,
        webhook_id=r.webhook_id,
        event=r.event,
        payload=r.payload or {},
        state=DeliveryState(r.state),
        attempts=r.attempts,
        next_attempt_at=r.next_attempt_at,
        last_status=r.last_status,
        last_error=r.last_error,
        last_duration_ms=r.last_duration_ms,
        created_at=r.created_at,
        delivered_at=r.delivered_at,
    )


def _delivery_values(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "webhook_id": d.webhook_id,
        "event": d.event,
        "payload": d.payload,
        "state": d.state.value,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "last_duration_ms": d.last_duration_ms,
        "created_at": d.created_at,
        "delivered_at": d.delivered_at,
    }


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- webhooks ---------------------------------------------------------------------

    async def add_webhook(self, hook: Webhook) -> None:
        await self.session.execute(
            insert(WebhookRow),
            [
                {
                    "id": hook.id,
                    "url": hook.url,
                    "events": hook.events,
                    "secret": hook.secret,
                    "min_severity": hook.min_severity,
                    "active": hook.active,
                    "created_by": hook.created_by,
                    "created_at": hook.created_at,
                }
            ],
        )

    async def save_webhook(self, hook: Webhook) -> None:
        await self.session.execute(
            update(WebhookRow)
            .where(WebhookRow.id == hook.id)
            .values(
                url=hook.url,
                events=hook.events,
                secret=hook.secret,
                min_severity=hook.min_severity,
                active=hook.active,
            )
        )

    async def delete_webhook(self, hook_id: uuid.UUID) -> None:
        """The webhook and (by its foreign key) its deliveries."""
        await self.session.execute(delete(WebhookRow).where(WebhookRow.id == hook_id))

    async def get_webhook(self, hook_id: uuid.UUID) -> Webhook | None:
        row = await self.session.get(WebhookRow, hook_id, populate_existing=True)
        return None if row is None else _hook(row)

    async def get_webhooks(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Webhook]:
        rows = await self.session.scalars(select(WebhookRow).where(WebhookRow.id.in_(list(ids))))
        return {r.id: _hook(r) for r in rows}

    async def active_webhooks(self) -> list[Webhook]:
        rows = await self.session.scalars(
            select(WebhookRow).where(WebhookRow.active.is_(True)).limit(1000)
        )
        return [_hook(r) for r in rows]

    async def list_webhooks(self, limit: int = 100) -> list[Webhook]:
        rows = await self.session.scalars(
            select(WebhookRow).order_by(WebhookRow.created_at).limit(limit)
        )
        return [_hook(r) for r in rows]

    # -- deliveries -------------------------------------------------------------------

    async def add_deliveries(self, deliveries: Sequence[Delivery]) -> None:
        if deliveries:
            await self.session.execute(
                insert(WebhookDeliveryRow), [_delivery_values(d) for d in deliveries]
            )

    async def save_delivery(self, delivery: Delivery) -> None:
        await self.session.execute(update(WebhookDeliveryRow), [_delivery_values(delivery)])

    async def get_delivery(self, delivery_id: uuid.UUID) -> Delivery | None:
        row = await self.session.get(WebhookDeliveryRow, delivery_id, populate_existing=True)
        return None if row is None else _delivery(row)

    async def due_deliveries(self, now: datetime, limit: int = 100) -> list[Delivery]:
        d = WebhookDeliveryRow
        rows = await self.session.scalars(
            select(d)
            .where(d.state == DeliveryState.PENDING.value, d.next_attempt_at <= now)
            .order_by(d.next_attempt_at)
            .limit(limit)
        )
        return [_delivery(r) for r in rows]

    async def claim(self, delivery_id: uuid.UUID, attempts: int, until: datetime) -> bool:
        """Take a PENDING delivery for one attempt (``attempts`` must still match and
        ``next_attempt_at`` moves to ``until``), so two workers never send it twice."""
        d = WebhookDeliveryRow
        result = await self.session.execute(
            update(d)
            .where(
                d.id == delivery_id, d.state == DeliveryState.PENDING.value, d.attempts == attempts
            )
            .values(attempts=attempts + 1, next_attempt_at=until)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def deliveries_page(
        self, webhook_id: uuid.UUID | None, page: PageRequest
    ) -> Page[Delivery]:
        d = WebhookDeliveryRow
        conditions = [] if webhook_id is None else [d.webhook_id == webhook_id]
        total = await self.session.scalar(select(func.count()).select_from(d).where(*conditions))
        query = select(d).where(*conditions).order_by(d.created_at.desc(), d.id)
        key = page.after_key(datetime, uuid.UUID)
        if key is not None:  # newest first, ties by id ascending
            when, ident = key
            query = query.where(or_(d.created_at < when, and_(d.created_at == when, d.id > ident)))
        rows = list(await self.session.scalars(query.limit(page.first + 1)))
        items = [_delivery(r) for r in rows[: page.first]]
        return Page(
            items=items,
            cursors=[encode_cursor([x.created_at.isoformat(), str(x.id)]) for x in items],
            total_count=int(total or 0),
            has_next_page=len(rows) > page.first,
            has_previous_page=page.after is not None,
        )

    # -- preferences ------------------------------------------------------------------

    async def preference(self, user_id: uuid.UUID) -> NotificationPreference | None:
        row = await self.session.get(NotificationPreferenceRow, user_id, populate_existing=True)
        if row is None:
            return None
        return NotificationPreference(
            user_id=row.user_id, kinds=list(row.kinds or []), min_severity=row.min_severity
        )

    async def save_preference(self, pref: NotificationPreference, now: datetime) -> None:
        p = NotificationPreferenceRow
        values = {
            "user_id": pref.user_id,
            "kinds": pref.kinds,
            "min_severity": pref.min_severity,
            "updated_at": now,
        }
        if await self.session.get(p, pref.user_id) is None:
            await self.session.execute(insert(p), [values])
        else:
            await self.session.execute(update(p), [values])


register_repository("notifications", NotificationRepository)
