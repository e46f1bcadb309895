"""The in-process event bus: the embedded default (one process, no Redis).

Events still make a JSON round trip so that what a subscriber sees (and what
fails on a payload that is not JSON-safe) is the same as with the Redis bus.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from racine.domain.events import Event
from racine.realtime.hub import DEFAULT_QUEUE_SIZE, Hub, Stream, decode_event, encode_event

__all__ = ["MemoryEventBus"]


class MemoryEventBus:
    """:class:`~racine.domain.ports.EventBus` within one process.

    ``publish`` hands the event to every local subscriber without waiting; a
    subscriber whose buffer of ``queue_size`` events is full receives
    ``gap(channel, "slow_consumer")`` and its stream ends. ``stop()`` is final.
    """

    def __init__(self, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._hub = Hub(queue_size)

    @property
    def subscriber_count(self) -> int:
        """Live subscriptions in this process."""
        return self._hub.subscriber_count

    async def start(self) -> None:
        """Nothing to connect; present for the port."""

    async def stop(self) -> None:
        """End every subscription stream; later ``subscribe`` calls raise ``Unavailable``."""
        self._hub.close()

    async def ping(self) -> bool:
        return not self._hub.closed

    async def publish(self, event: Event) -> None:
        """Deliver ``event`` to current subscribers; dropped silently after ``stop()``."""
        copy = decode_event(encode_event(event))
        self._hub.deliver(copy)

    @asynccontextmanager
    async def subscribe(self, channels: Sequence[str]) -> AsyncIterator[Stream]:
        """Subscribe for the duration of the ``async with`` block."""
        stream = self._hub.attach(channels, self._release)
        try:
            yield stream
        finally:
            await stream.close()

    async def _release(self, stream: Stream) -> None:
        self._hub.detach(stream)
