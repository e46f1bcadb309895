"""Raise alerts: a live event on ``Channels.ALERTS`` plus one pending webhook
delivery per interested webhook, written in the caller's transaction.

The deliveries are sent by the ``webhook.deliver`` job after commit (the caller
dispatches the returned ids; a periodic sweep catches any it could not).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from racine.domain.events import Channels, Event
from racine.domain.incidents.model import Alert, Delivery
from racine.domain.incidents.ports import IncidentsUnitOfWork

__all__ = ["MAX_ALERTS_PER_BATCH", "raise_alerts"]

MAX_ALERTS_PER_BATCH = 200
"""Beyond this many alerts in one batch (a first evaluation of a large catalog),
one summary alert replaces the rest, so dashboards and webhooks are not flooded."""


async def raise_alerts(uow: IncidentsUnitOfWork, alerts: Sequence[Alert]) -> list[uuid.UUID]:
    """Emit ``alerts`` and queue their webhook deliveries; returns the delivery ids."""
    if not alerts:
        return []
    batch = list(alerts[:MAX_ALERTS_PER_BATCH])
    if len(alerts) > MAX_ALERTS_PER_BATCH:
        rest = alerts[MAX_ALERTS_PER_BATCH:]
        worst = max(rest, key=lambda a: ("LOW", "MEDIUM", "HIGH", "CRITICAL").index(a.severity)
                    if a.severity in ("LOW", "MEDIUM", "HIGH", "CRITICAL") else 0)
        batch.append(Alert(kind=worst.kind, severity=worst.severity,
                           title=f"{len(rest)} more alerts of this evaluation",
                           subject_id=worst.subject_id, details={"omitted": len(rest)}))
    hooks = await uow.notifications.active_webhooks()
    deliveries: list[Delivery] = []
    for alert in batch:
        body = alert.to_json()
        uow.emit(Event(Channels.ALERTS, alert.kind.value, body))
        deliveries.extend(Delivery(webhook_id=h.id, event=alert.kind.value, payload=body)
                          for h in hooks if h.wants(alert))
    if deliveries:
        await uow.notifications.add_deliveries(deliveries)
    return [d.id for d in deliveries]
