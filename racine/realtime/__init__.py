"""Live events (the :class:`~racine.domain.ports.EventBus` adapters).

``build_bus(None)`` gives the in-process bus of embedded mode;
``build_bus("redis://...")`` the Redis bus that fans events out across
processes. Both hand events to local subscribers through bounded buffers: a
subscriber that falls behind gets ``gap(channel, "slow_consumer")`` and is dropped.
"""

from __future__ import annotations

from racine.domain.ports import EventBus
from racine.realtime.bus import MemoryEventBus
from racine.realtime.hub import DEFAULT_QUEUE_SIZE, RECONNECTED, SLOW_CONSUMER
from racine.realtime.redis_bus import CHANNEL_PREFIX, RedisEventBus, redact_url

__all__ = [
    "DEFAULT_QUEUE_SIZE",
    "RECONNECTED",
    "SLOW_CONSUMER",
    "MemoryEventBus",
    "RedisEventBus",
    "build_bus",
    "redact_url",
]


def build_bus(
    redis_url: str | None,
    *,
    queue_size: int = DEFAULT_QUEUE_SIZE,
    channel_prefix: str = CHANNEL_PREFIX,
) -> EventBus:
    """The bus for a deployment: Redis when ``redis_url`` is set (its channels named
    ``channel_prefix`` + the event's channel), else in-memory.

    Nothing connects until ``start()``; a malformed URL raises ``ValueError`` here.
    """
    if redis_url:
        return RedisEventBus(redis_url, queue_size=queue_size, channel_prefix=channel_prefix)
    return MemoryEventBus(queue_size=queue_size)
