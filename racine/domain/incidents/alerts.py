"""Raise alerts: a live event on ``Channels.ALERTS`` plus one pending webhook
delivery per interested webhook, written in the caller's transaction.

The deliveries are sent by the ``webhook.deliver`` job after commit (the caller
dispatches the returned ids; a periodic sweep catches any it could not).

One batch (an evaluation, an assertion run) raises at most
``MAX_ALERTS_PER_KIND`` alerts of each kind, most severe first, and one summary
alert of that kind for the rest, so a first evaluation of a large catalog does
not flood dashboards and webhooks (nor build an alert per finding).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import TypeVar

from racine.domain.events import Channels, Event
from racine.domain.incidents.model import Alert, AlertKind, Delivery, severity_rank
from racine.domain.incidents.ports import IncidentsUnitOfWork

__all__ = ["MAX_ALERTS_PER_KIND", "capped", "raise_alerts"]

MAX_ALERTS_PER_KIND = 100
"""Alerts of one kind raised individually per batch; one summary stands for the rest."""

T = TypeVar("T")

_DESCENDING = {level: -severity_rank(level) for level in ("LOW", "MEDIUM", "HIGH", "CRITICAL")}


def capped(
    kind: AlertKind,
    items: Sequence[T],
    build: Callable[[T], Alert],
    severity: Callable[[T], str],
    subject: Callable[[T], uuid.UUID],
    noun: str,
    details: dict[str, object] | None = None,
) -> list[Alert]:
    """Alerts for the ``MAX_ALERTS_PER_KIND`` most severe ``items`` (``build`` is
    called for those only), then one summary alert of the same ``kind``: severity
    and subject of the most severe omitted item, ``details.omitted`` (count) and
    ``details.bySeverity`` (counts), plus ``details``."""
    # Ordered without a Python call per item beyond ``severity`` (pass an
    # ``operator.attrgetter`` and there is none): a first evaluation passes 22,566.
    levels = list(map(severity, items))
    ranks = list(map(_DESCENDING.get, levels, repeat(0)))
    order = sorted(range(len(items)), key=ranks.__getitem__)  # stable: most severe first
    alerts = [build(items[i]) for i in order[:MAX_ALERTS_PER_KIND]]
    rest = order[MAX_ALERTS_PER_KIND:]
    if rest:
        counts = Counter(map(levels.__getitem__, rest))
        first = items[rest[0]]
        alerts.append(
            Alert(
                kind,
                str(severity(first)),
                f"{len(rest)} more {noun}",
                subject(first),
                details={
                    **(details or {}),
                    "omitted": len(rest),
                    "bySeverity": {str(k): n for k, n in counts.items()},
                },
            )
        )
    return alerts


def _cap(alerts: Sequence[Alert]) -> list[Alert]:
    by_kind: dict[AlertKind, list[Alert]] = {}
    for alert in alerts:
        by_kind.setdefault(alert.kind, []).append(alert)
    out: list[Alert] = []
    for kind, items in by_kind.items():
        if len(items) <= MAX_ALERTS_PER_KIND + 1:  # already capped (or small)
            out.extend(items)
            continue
        out.extend(
            capped(
                kind,
                items,
                lambda a: a,
                lambda a: a.severity,
                lambda a: a.subject_id,
                "alerts of this kind",
            )
        )
    return out


async def raise_alerts(uow: IncidentsUnitOfWork, alerts: Sequence[Alert]) -> list[uuid.UUID]:
    """Emit ``alerts`` (capped per kind) and queue their webhook deliveries;
    returns the delivery ids."""
    if not alerts:
        return []
    batch = _cap(alerts)
    hooks = await uow.notifications.active_webhooks()
    deliveries: list[Delivery] = []
    for alert in batch:
        body = alert.to_json()
        uow.emit(Event(Channels.ALERTS, alert.kind.value, body))
        deliveries.extend(
            Delivery(webhook_id=h.id, event=alert.kind.value, payload=body)
            for h in hooks
            if h.wants(alert)
        )
    if deliveries:
        await uow.notifications.add_deliveries(deliveries)
    return [d.id for d in deliveries]
