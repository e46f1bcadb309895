"""Hub: the fan-out shared by both buses (gap announcements, channel refcount)."""

from __future__ import annotations

import asyncio

import pytest

from racine.domain.events import GAP, Event
from racine.realtime.hub import Hub, Stream, decode_event, encode_event


async def _noop(stream: Stream) -> None:
    return None


async def _all(stream: Stream) -> list[Event]:
    stream.end()
    async with asyncio.timeout(1):
        return [event async for event in stream]


async def test_channels_are_refcounted_across_streams() -> None:
    hub = Hub()
    a = hub.attach(["x", "y"], _noop)
    b = hub.attach(["y"], _noop)
    assert hub.channels == {"x", "y"}
    assert hub.detach(b) is False  # y still has a
    assert hub.channels == {"x", "y"}
    assert hub.detach(a) is True
    assert hub.channels == frozenset()
    assert hub.detach(a) is False


async def test_announce_gap_reaches_every_stream_once_per_channel() -> None:
    hub = Hub()
    a = hub.attach(["x", "y"], _noop)
    b = hub.attach(["y"], _noop)
    hub.announce_gap("reconnected")
    got_a = await _all(a)
    got_b = await _all(b)
    assert [(e.type, e.channel, e.payload["reason"]) for e in got_a] == [
        (GAP, "x", "reconnected"),
        (GAP, "y", "reconnected"),
    ]
    assert [(e.channel, e.payload["reason"]) for e in got_b] == [("y", "reconnected")]


async def test_gap_into_a_full_buffer_drops_the_stream_and_releases_its_channel() -> None:
    hub = Hub(queue_size=1)
    a = hub.attach(["x"], _noop)
    hub.deliver(Event("x", "E1"))
    assert hub.announce_gap("reconnected") is True
    assert hub.subscriber_count == 0
    got = await _all(a)
    assert [(e.type, e.payload.get("reason")) for e in got] == [
        ("E1", None),
        (GAP, "slow_consumer"),
    ]


def test_codec_round_trips_and_rejects_foreign_data() -> None:
    event = Event("scan:9", "SCAN_PROGRESS", {"done": 3, "total": 10})
    assert decode_event(encode_event(event)) == event
    for bad in (b"not json", b"[1, 2]", b'{"type": "x"}'):
        with pytest.raises(ValueError):
            decode_event(bad)
