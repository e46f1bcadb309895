"""MemoryEventBus: ordering, routing, bounded buffers, unsubscribe, shutdown."""

from __future__ import annotations

import asyncio

import pytest

from racine.domain.errors import Unavailable, ValidationFailed
from racine.domain.events import GAP, Event
from racine.domain.ports import EventBus, Subscription
from racine.realtime import MemoryEventBus, build_bus

WAIT = 2.0


async def take(sub: Subscription, n: int) -> list[Event]:
    """The next ``n`` events of ``sub``, failing if they do not come within WAIT."""
    out: list[Event] = []
    async with asyncio.timeout(WAIT):
        async for event in sub:
            out.append(event)
            if len(out) == n:
                break
    return out


async def drain(sub: Subscription) -> list[Event]:
    """Everything until the stream ends (fails if it never ends)."""
    async with asyncio.timeout(WAIT):
        return [event async for event in sub]


async def test_a_subscriber_receives_events_in_publish_order() -> None:
    bus = MemoryEventBus()
    await bus.start()
    async with bus.subscribe(["audit"]) as sub:
        for i in range(200):
            await bus.publish(Event("audit", "TICK", {"i": i}))
        got = await take(sub, 200)
    assert [e.payload["i"] for e in got] == list(range(200))
    await bus.stop()


async def test_events_arrive_as_published_ids_types_and_payloads() -> None:
    bus = MemoryEventBus()
    sent = Event("catalog", "ASSET_ADDED", {"assetId": "a1", "tags": ["pii"]})
    async with bus.subscribe(["catalog"]) as sub:
        await bus.publish(sent)
        [got] = await take(sub, 1)
    assert got == sent


async def test_multi_channel_subscriber_gets_only_its_channels_in_order() -> None:
    bus = MemoryEventBus()
    async with bus.subscribe(["scan:1", "alerts"]) as both, bus.subscribe(["alerts"]) as one:
        for channel, n in [("scan:1", 1), ("catalog", 2), ("alerts", 3), ("scan:1", 4)]:
            await bus.publish(Event(channel, "E", {"n": n}))
        got_both = await take(both, 3)
        got_one = await take(one, 1)
    assert [(e.channel, e.payload["n"]) for e in got_both] == [
        ("scan:1", 1),
        ("alerts", 3),
        ("scan:1", 4),
    ]
    assert [e.payload["n"] for e in got_one] == [3]


async def test_slow_consumer_gets_a_gap_and_is_dropped_without_blocking_publish() -> None:
    bus = MemoryEventBus(queue_size=3)
    async with bus.subscribe(["job:7"]) as slow, bus.subscribe(["job:7"]) as fast:
        reader = asyncio.create_task(take(fast, 5_000))
        # Given a subscriber that never reads, publishing 5,000 events still completes.
        async with asyncio.timeout(WAIT):
            for i in range(5_000):
                await bus.publish(Event("job:7", "PROGRESS", {"i": i}))
                await asyncio.sleep(0)  # the fast reader keeps up; the slow one never reads
        assert bus.subscriber_count == 1
        # Then the slow one sees what fitted in its buffer, then the gap, then the end.
        got = await drain(slow)
        assert [e.payload.get("i") for e in got[:3]] == [0, 1, 2]
        assert got[3].type == GAP
        assert got[3].channel == "job:7"
        assert got[3].payload == {"reason": "slow_consumer"}
        assert len(got) == 4
        # And the fast one lost nothing.
        assert [e.payload["i"] for e in await reader] == list(range(5_000))
    assert bus.subscriber_count == 0


async def test_unsubscribe_on_context_exit() -> None:
    bus = MemoryEventBus()
    async with bus.subscribe(["audit"]) as sub:
        assert bus.subscriber_count == 1
    assert bus.subscriber_count == 0
    await bus.publish(Event("audit", "LATE"))
    assert await drain(sub) == []


async def test_unsubscribe_on_exception_in_block() -> None:
    bus = MemoryEventBus()
    with pytest.raises(RuntimeError):
        async with bus.subscribe(["audit"]):
            raise RuntimeError("consumer failed")
    assert bus.subscriber_count == 0


async def test_close_ends_the_stream_and_unsubscribes() -> None:
    bus = MemoryEventBus()
    async with bus.subscribe(["audit"]) as sub:
        await bus.publish(Event("audit", "BUFFERED"))
        await sub.close()
        assert bus.subscriber_count == 0
        assert await drain(sub) == []


async def test_stop_ends_streams_and_refuses_new_subscriptions() -> None:
    before = asyncio.all_tasks()
    bus = MemoryEventBus()
    await bus.start()
    async with bus.subscribe(["alerts"]) as sub:
        reader = asyncio.create_task(drain(sub))
        await bus.publish(Event("alerts", "FIRED"))
        await asyncio.sleep(0)
        await bus.stop()
        got = await reader
        assert [e.type for e in got] == ["FIRED"]
        assert await bus.ping() is False
    with pytest.raises(Unavailable):
        async with bus.subscribe(["alerts"]):
            pass
    assert asyncio.all_tasks() == before


async def test_publish_refuses_a_payload_that_is_not_json_safe() -> None:
    bus = MemoryEventBus()
    with pytest.raises(TypeError):
        await bus.publish(Event("audit", "BAD", {"when": object()}))


async def test_subscribe_rejects_a_bare_string_and_empty_channel_lists() -> None:
    bus = MemoryEventBus()
    with pytest.raises(TypeError):
        async with bus.subscribe("audit"):
            pass
    with pytest.raises(ValidationFailed):
        async with bus.subscribe([]):
            pass
    with pytest.raises(ValidationFailed):
        async with bus.subscribe([""]):
            pass
    assert bus.subscriber_count == 0


def test_queue_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        MemoryEventBus(queue_size=0)


async def test_build_bus_without_url_is_the_memory_bus() -> None:
    bus: EventBus = build_bus(None, queue_size=5)
    assert isinstance(bus, MemoryEventBus)
    assert await bus.ping() is True
