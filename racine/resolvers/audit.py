"""Resolvers of the audit area."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator

from strawberry.types import Info

from racine.domain.access.model import Role
from racine.domain.audit.model import AuditFilter
from racine.domain.events import GAP, Channels
from racine.domain.paging import PageRequest
from racine.resolvers.live import live_events
from racine.schema import audit as gql
from racine.schema.relay import Connection, connection_from_page, decode_id

__all__ = ["audit_event_recorded", "audit_events", "resolve_audit_event"]


async def audit_events(
    info: Info, filter: gql.AuditEventFilter | None, first: int, after: str | None
) -> Connection[gql.AuditEvent]:
    info.context.actor.require(Role.ADMIN)
    page_request = PageRequest(first=first, after=after)
    f = filter or gql.AuditEventFilter()
    domain_filter = AuditFilter(
        actor_id=None if f.actor_id is None else decode_id(f.actor_id, "User", field="actorId"),
        action_prefix=f.action_prefix,
        target_type=f.target_type,
        target_id=f.target_id,
        since=f.since,
        until=f.until,
    )
    async with info.context.uow() as uow:
        page = await uow.audit.page(domain_filter, page_request)
    return connection_from_page(page, gql.AuditEvent.from_domain)


async def resolve_audit_event(info: Info, raw_id: str) -> gql.AuditEvent | None:
    info.context.actor.require(Role.ADMIN)
    async with info.context.uow() as uow:
        event = await uow.audit.get(uuid.UUID(raw_id))
    return None if event is None else gql.AuditEvent.from_domain(event)


async def audit_event_recorded(info: Info) -> AsyncGenerator[gql.AuditSignal, None]:
    info.context.actor.require(Role.ADMIN)
    async for event in live_events(info, [Channels.AUDIT]):
        if event.type == GAP:
            yield gql.AuditSignal(gap=True, gap_reason=event.payload.get("reason"), event=None)
            continue
        loaded = await resolve_audit_event(info, event.payload["id"])
        if loaded is not None:
            yield gql.AuditSignal(gap=False, gap_reason=None, event=loaded)
