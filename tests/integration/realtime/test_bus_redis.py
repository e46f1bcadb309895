"""RedisEventBus against a real Redis (RACINE_TEST_REDIS_URL).

Two RedisEventBus objects stand for two processes: each has its own pub/sub
connection, exactly as two API replicas would.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis

from racine.domain.errors import Unavailable
from racine.domain.events import GAP, Event
from racine.domain.ports import Subscription
from racine.realtime import RedisEventBus

REDIS_URL = os.environ.get("RACINE_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="RACINE_TEST_REDIS_URL is not set")

WAIT = 5.0

BusFactory = Callable[..., Awaitable[RedisEventBus]]


def channel() -> str:
    return f"test:{uuid.uuid4().hex}"


@pytest.fixture
async def make_bus() -> AsyncIterator[BusFactory]:
    buses: list[RedisEventBus] = []

    async def make(**options: object) -> RedisEventBus:
        assert REDIS_URL
        bus = RedisEventBus(REDIS_URL, **options)  # type: ignore[arg-type]
        buses.append(bus)
        await bus.start()
        return bus

    yield make
    for bus in buses:
        await bus.stop()


@pytest.fixture
async def raw() -> AsyncIterator[Redis]:
    assert REDIS_URL
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


async def numsub(raw: Redis, name: str) -> int:
    [(_, count)] = await raw.pubsub_numsub("racine:" + name)
    return int(count)


async def until(check: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(WAIT):
        while True:
            if await check():
                return
            await asyncio.sleep(0.02)


async def take(sub: Subscription, n: int) -> list[Event]:
    out: list[Event] = []
    async with asyncio.timeout(WAIT):
        async for event in sub:
            out.append(event)
            if len(out) == n:
                break
    return out


async def test_events_cross_from_one_process_to_another(make_bus: BusFactory) -> None:
    publisher = await make_bus()
    listener = await make_bus()
    ch = channel()
    async with listener.subscribe([ch]) as sub:
        sent = [Event(ch, "SCAN_PROGRESS", {"done": i, "total": 50}) for i in range(50)]
        for event in sent:
            await publisher.publish(event)
        got = await take(sub, 50)
    assert got == sent  # ids, payloads, timestamps and order survive the trip


async def test_deployments_with_their_own_channel_prefix_share_a_redis_apart(
    make_bus: BusFactory, raw: Redis
) -> None:
    # Given two deployments on one Redis (pub/sub ignores the database number), each
    # with its own prefix, and a second process of the first
    staging, production = f"staging-{uuid.uuid4().hex}:", f"prod-{uuid.uuid4().hex}:"
    listener = await make_bus(channel_prefix=production)
    replica = await make_bus(channel_prefix=production)
    other = await make_bus(channel_prefix=staging)
    ch = channel()
    async with listener.subscribe([ch]) as sub:
        [(_, count)] = await raw.pubsub_numsub(production + ch)
        assert count == 1

        # When both publish on the same channel name
        await other.publish(Event(ch, "STAGING"))
        await replica.publish(Event(ch, "PRODUCTION"))

        # Then the listener gets its own deployment's event only
        got = await take(sub, 1)
        await other.publish(Event(ch, "STAGING_AGAIN"))
        await replica.publish(Event(ch, "PRODUCTION_AGAIN"))
        got += await take(sub, 1)
    assert [e.type for e in got] == ["PRODUCTION", "PRODUCTION_AGAIN"]


async def test_a_subscriber_also_receives_its_own_process_events(make_bus: BusFactory) -> None:
    bus = await make_bus()
    a, b = channel(), channel()
    async with bus.subscribe([a, b]) as sub:
        await bus.publish(Event(a, "ONE"))
        await bus.publish(Event(channel(), "ELSEWHERE"))
        await bus.publish(Event(b, "TWO"))
        got = await take(sub, 2)
    assert [(e.channel, e.type) for e in got] == [(a, "ONE"), (b, "TWO")]


async def test_redis_subscription_is_refcounted_by_local_subscribers(
    make_bus: BusFactory, raw: Redis
) -> None:
    bus = await make_bus()
    other = await make_bus()
    ch = channel()
    first = bus.subscribe([ch])
    sub1 = await first.__aenter__()
    async with bus.subscribe([ch]) as sub2:
        assert await numsub(raw, ch) == 1  # one connection, however many local subscribers
        assert bus.subscriber_count == 2
        await first.__aexit__(None, None, None)
        assert await numsub(raw, ch) == 1  # sub2 still needs it
        await other.publish(Event(ch, "STILL_HERE"))
        [got] = await take(sub2, 1)
        assert got.type == "STILL_HERE"
    assert bus.subscriber_count == 0

    async def gone() -> bool:
        return await numsub(raw, ch) == 0

    await until(gone)
    assert [e async for e in sub1] == []


async def test_subscribing_again_after_the_last_unsubscribe_works(make_bus: BusFactory) -> None:
    bus = await make_bus()
    ch = channel()
    for round_ in range(3):
        async with bus.subscribe([ch]) as sub:
            await bus.publish(Event(ch, "ROUND", {"n": round_}))
            [got] = await take(sub, 1)
            assert got.payload == {"n": round_}


async def test_slow_consumer_is_dropped_and_its_redis_channel_released(
    make_bus: BusFactory, raw: Redis
) -> None:
    bus = await make_bus(queue_size=2)
    publisher = await make_bus()
    ch = channel()
    async with bus.subscribe([ch]) as slow:
        for i in range(20):
            await publisher.publish(Event(ch, "E", {"i": i}))

        async def dropped() -> bool:
            return bus.subscriber_count == 0

        await until(dropped)
        async with asyncio.timeout(WAIT):
            got = [e async for e in slow]
    assert [e.payload.get("i") for e in got[:2]] == [0, 1]
    assert (got[2].type, got[2].payload) == (GAP, {"reason": "slow_consumer"})
    assert len(got) == 3

    async def released() -> bool:
        return await numsub(raw, ch) == 0

    await until(released)


async def test_ping_and_clean_stop_without_leaked_tasks(make_bus: BusFactory) -> None:
    before = asyncio.all_tasks()
    assert REDIS_URL
    bus = RedisEventBus(REDIS_URL)
    await bus.start()
    assert await bus.ping() is True
    ch = channel()
    async with bus.subscribe([ch]) as sub:
        reader = asyncio.create_task(take(sub, 10))
        await asyncio.sleep(0)
        await bus.stop()
        async with asyncio.timeout(WAIT):
            assert await reader == []  # the stream ended
    assert await bus.ping() is False
    with pytest.raises(Unavailable):
        async with bus.subscribe([ch]):
            pass
    await bus.publish(Event(ch, "AFTER_STOP"))  # dropped, no error
    assert asyncio.all_tasks() == before


async def test_malformed_messages_on_our_prefix_are_ignored(
    make_bus: BusFactory, raw: Redis
) -> None:
    bus = await make_bus()
    ch = channel()
    async with bus.subscribe([ch]) as sub:
        await raw.publish("racine:" + ch, b"not json")
        await raw.publish("racine:" + ch, json.dumps(Event("elsewhere", "WRONG").to_json()))
        await bus.publish(Event(ch, "GOOD"))
        [got] = await take(sub, 1)
    assert got.type == "GOOD"
