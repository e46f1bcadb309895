"""Local fan-out of events to the subscribers of this process.

Both bus backends share this hub: the memory bus feeds it from ``publish``, the
Redis bus from its single pub/sub connection. The hub owns the one rule that
keeps memory flat under load: every subscriber has a BOUNDED buffer, and a
subscriber whose buffer is full is not waited for. It is told (a final
``gap`` event with reason ``slow_consumer``) and dropped, so a stalled
WebSocket client can neither grow our memory nor slow the publisher.

The set of channels with at least one live subscriber (:attr:`Hub.channels`)
is the reference count the Redis bus mirrors as SUBSCRIBE/UNSUBSCRIBE.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from racine.domain.errors import Unavailable, ValidationFailed
from racine.domain.events import Event

__all__ = [
    "DEFAULT_QUEUE_SIZE",
    "RECONNECTED",
    "SLOW_CONSUMER",
    "Hub",
    "Stream",
    "decode_event",
    "encode_event",
]

logger = logging.getLogger("racine.realtime")

DEFAULT_QUEUE_SIZE = 1000
SLOW_CONSUMER = "slow_consumer"
RECONNECTED = "reconnected"


def encode_event(event: Event) -> str:
    """JSON text of an event, as sent over Redis.

    Raises ``TypeError`` when the payload is not JSON-safe: both backends encode,
    so a bad payload fails the same way in embedded mode and in production.
    """
    return json.dumps(event.to_json(), separators=(",", ":"))


def decode_event(data: str | bytes) -> Event:
    """Inverse of :func:`encode_event`; raises ``ValueError`` on foreign data."""
    try:
        raw: Any = json.loads(data)
        if not isinstance(raw, dict):
            raise ValueError("event is not a JSON object")
        return Event.from_json(raw)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"malformed event: {type(exc).__name__}") from exc


class Stream:
    """One subscriber's bounded buffer; the :class:`~racine.domain.ports.Subscription`.

    Iterating yields buffered events in arrival order, then the final event (if
    any) and stops once the stream has ended. ``close()`` stops it at once.
    Local subscribers share each event object: treat payloads as read-only.
    """

    __slots__ = (
        "_buffer",
        "_closed",
        "_ended",
        "_final",
        "_maxsize",
        "_on_close",
        "_wakeup",
        "channels",
    )

    def __init__(
        self,
        channels: frozenset[str],
        maxsize: int,
        on_close: Callable[[Stream], Awaitable[None]],
    ) -> None:
        self.channels = channels
        self._maxsize = maxsize
        self._on_close = on_close
        self._buffer: deque[Event] = deque()
        self._final: Event | None = None
        self._ended = False
        self._closed = False
        self._wakeup = asyncio.Event()

    @property
    def ended(self) -> bool:
        """True once no more events will be buffered."""
        return self._ended

    def offer(self, event: Event) -> bool:
        """Buffer ``event`` without waiting; False when the buffer is full."""
        if self._ended:
            return True
        if len(self._buffer) >= self._maxsize:
            return False
        self._buffer.append(event)
        self._wakeup.set()
        return True

    def end(self, final: Event | None = None) -> None:
        """Accept no more events; ``final`` is yielded after the buffered ones."""
        if self._ended:
            return
        self._ended = True
        self._final = final
        self._wakeup.set()

    def __aiter__(self) -> Stream:
        return self

    async def __anext__(self) -> Event:
        while True:
            if self._buffer:
                return self._buffer.popleft()
            if self._final is not None:
                final, self._final = self._final, None
                return final
            if self._ended:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()

    async def close(self) -> None:
        """Stop the stream now (buffered events are discarded) and unsubscribe."""
        if self._closed:
            return
        self._closed = True
        self._buffer.clear()
        self._final = None
        self.end()
        await self._on_close(self)


class Hub:
    """Routes events to the local streams of each channel, never blocking."""

    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self._queue_size = queue_size
        self._index: dict[str, set[Stream]] = {}
        self._streams: set[Stream] = set()
        self._closed = False

    @property
    def subscriber_count(self) -> int:
        """Live streams in this process (the "active subscriptions" gauge)."""
        return len(self._streams)

    @property
    def channels(self) -> frozenset[str]:
        """Channels with at least one live stream."""
        return frozenset(self._index)

    @property
    def closed(self) -> bool:
        return self._closed

    def attach(
        self, channels: Sequence[str], on_close: Callable[[Stream], Awaitable[None]]
    ) -> Stream:
        """A new stream on ``channels``; raises ``Unavailable`` after :meth:`close`."""
        wanted = _validate(channels)
        if self._closed:
            raise Unavailable("the event bus is stopped")
        stream = Stream(wanted, self._queue_size, on_close)
        self._streams.add(stream)
        for channel in wanted:
            self._index.setdefault(channel, set()).add(stream)
        return stream

    def detach(self, stream: Stream) -> bool:
        """Forget ``stream``; True when a channel lost its last stream."""
        if stream not in self._streams:
            return False
        self._streams.discard(stream)
        released = False
        for channel in stream.channels:
            members = self._index.get(channel)
            if members is None:
                continue
            members.discard(stream)
            if not members:
                del self._index[channel]
                released = True
        return released

    def deliver(self, event: Event) -> bool:
        """Fan ``event`` out; True when a dropped slow consumer released a channel."""
        released = False
        for stream in tuple(self._index.get(event.channel, ())):
            if not stream.offer(event):
                released |= self._drop_slow(stream, event.channel)
        return released

    def announce_gap(self, reason: str) -> bool:
        """Send ``gap(channel, reason)`` to every stream, once per channel it watches."""
        released = False
        for stream in tuple(self._streams):
            for channel in sorted(stream.channels):
                if stream.ended:
                    break
                if not stream.offer(Event.gap(channel, reason)):
                    released |= self._drop_slow(stream, channel)
        return released

    def close(self) -> None:
        """End every stream (after what they buffered) and refuse new ones."""
        self._closed = True
        for stream in tuple(self._streams):
            stream.end()
        self._streams.clear()
        self._index.clear()

    def _drop_slow(self, stream: Stream, channel: str) -> bool:
        stream.end(final=Event.gap(channel, SLOW_CONSUMER))
        logger.warning(
            "dropped a slow event subscriber (buffer of %d full) on channel %s",
            self._queue_size,
            channel,
        )
        return self.detach(stream)


def _validate(channels: Iterable[str]) -> frozenset[str]:
    if isinstance(channels, str | bytes):
        # A bare string would be read as a sequence of one-letter channels.
        raise TypeError("channels must be a sequence of channel names, not a string")
    wanted = frozenset(channels)
    if not wanted:
        raise ValidationFailed("subscribe to at least one channel", field="channels")
    if any(not isinstance(c, str) or not c for c in wanted):
        raise ValidationFailed("channel names must be non-empty strings", field="channels")
    return wanted
