"""Shared machinery of GraphQL subscriptions.

Every live stream listens to the access channel as well: when the token that
opened it is revoked, the stream ends with UNAUTHENTICATED.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Sequence

from strawberry.types import Info

from racine.domain.errors import Unauthenticated
from racine.domain.events import GAP, Channels, Event

__all__ = ["live_events"]


async def live_events(info: Info, channels: Sequence[str]) -> AsyncGenerator[Event, None]:
    context = info.context
    principal = context.actor
    metrics = context.services.metrics
    token = str(principal.token_id) if principal.token_id else None
    if metrics is not None:
        metrics.active_subscriptions.inc()
    try:
        async with context.bus.subscribe([*channels, Channels.ACCESS]) as subscription:
            async for event in subscription:
                if event.channel == Channels.ACCESS:
                    if event.type == "TOKEN_REVOKED" and event.payload.get("token_id") == token:
                        raise Unauthenticated("token revoked")
                    if event.type == GAP and principal.token_id is not None:
                        # A revocation may have been missed while the bus was away.
                        await _still_valid(context, principal.token_id)
                    continue
                context.reset_loaders()
                yield event
    finally:
        if metrics is not None:
            metrics.active_subscriptions.dec()


async def _still_valid(context: object, token_id: uuid.UUID) -> None:
    async with context.uow() as uow:  # type: ignore[attr-defined]
        token = await uow.tokens.get(token_id)
    if token is None or not token.is_active():
        raise Unauthenticated("token revoked or expired")
