"""RedisEventBus survives a Redis restart (a private redis-server we can kill).

Runs only where Redis tests run (RACINE_TEST_REDIS_URL set); it starts its own
``redis-server`` on a free port so killing it disturbs no one else. The server
requires a password so the test can also prove the password never reaches a log.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from racine.domain.events import GAP, Event
from racine.domain.ports import Subscription
from racine.realtime import RedisEventBus
from racine.realtime.redis_bus import CLIENT_NAME

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("RACINE_TEST_REDIS_URL"), reason="RACINE_TEST_REDIS_URL is not set"
    ),
    pytest.mark.slow,
]

WAIT = 10.0
PASSWORD = "pw-for-restart-test-4f9a"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    """One redis-server process on a fixed port that can be killed and restarted."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://:{PASSWORD}@127.0.0.1:{self.port}/0"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server must be installed to run the restart test"
        self.process = await asyncio.create_subprocess_exec(
            binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--requirepass", PASSWORD,
            "--dir", str(self.workdir),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        client = Redis.from_url(self.url)
        try:
            async with asyncio.timeout(WAIT):
                while True:
                    try:
                        if await client.ping():
                            return
                    except OSError:
                        pass
                    except Exception as exc:  # redis ConnectionError while booting
                        if "connect" not in str(exc).lower():
                            raise
                    await asyncio.sleep(0.05)
        finally:
            await client.aclose()

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        async with asyncio.timeout(WAIT):
            await self.process.wait()
        self.process = None


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    redis = PrivateRedis(tmp_path)
    await redis.start()
    yield redis
    if redis.process is not None:
        await redis.kill()


async def next_event(sub: Subscription) -> Event:
    async with asyncio.timeout(WAIT):
        return await anext(aiter(sub))


async def test_subscribers_get_a_reconnected_gap_then_later_events_after_a_restart(
    server: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="racine.realtime")
    tasks_before = asyncio.all_tasks()
    bus = RedisEventBus(server.url, backoff_initial=0.05, backoff_max=0.5, op_timeout=1.0)
    publisher = RedisEventBus(server.url, op_timeout=1.0)
    await bus.start()
    await publisher.start()
    try:
        async with bus.subscribe(["scan:1", "alerts"]) as sub:
            # Given a live subscription
            await publisher.publish(Event("scan:1", "BEFORE"))
            assert (await next_event(sub)).type == "BEFORE"

            # When Redis dies, publishing fails softly and ping says so
            await server.kill()
            async with asyncio.timeout(WAIT):
                while True:
                    if not await bus.ping():
                        break
                    await asyncio.sleep(0.05)
            await publisher.publish(Event("scan:1", "LOST"))
            await bus.publish(Event("scan:1", "LOST_TOO"))
            assert not bus.connected

            # And comes back on the same port
            await server.start()

            # Then each channel of the subscriber gets a reconnected gap
            gaps = [await next_event(sub), await next_event(sub)]
            assert {(e.type, e.channel, e.payload["reason"]) for e in gaps} == {
                (GAP, "scan:1", "reconnected"),
                (GAP, "alerts", "reconnected"),
            }
            # and, the subscriptions being in place once the gap is out, a later event
            await publisher.publish(Event("alerts", "AFTER"))
            after = await next_event(sub)
            assert (after.channel, after.type) == ("alerts", "AFTER")
            assert await bus.ping() is True

            # Still one pub/sub connection for the process, holding both channels.
            admin = Redis.from_url(server.url)
            try:
                ours = [c for c in await admin.client_list() if c.get("name") == CLIENT_NAME]
            finally:
                await admin.aclose()
            # (the publisher's own listener, with no subscriber, holds none and may
            # still be backing off)
            assert [int(c["sub"]) for c in ours if int(c["sub"])] == [2]
    finally:
        await bus.stop()
        await publisher.stop()

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("publish to Redis" in r.getMessage() for r in warnings)
    assert any("lost the Redis pub/sub connection" in r.getMessage() for r in warnings)
    assert PASSWORD not in caplog.text
    assert asyncio.all_tasks() == tasks_before


async def test_a_bus_started_while_redis_is_down_catches_up(server: PrivateRedis) -> None:
    await server.kill()
    bus = RedisEventBus(server.url, backoff_initial=0.05, backoff_max=0.5, op_timeout=0.5)
    await bus.start()  # does not raise
    try:
        assert await bus.ping() is False
        async with bus.subscribe(["catalog"]) as sub:
            await server.start()
            gap = await next_event(sub)
            assert (gap.type, gap.payload["reason"]) == (GAP, "reconnected")
            await bus.publish(Event("catalog", "ASSET_ADDED"))
            assert (await next_event(sub)).type == "ASSET_ADDED"
    finally:
        await bus.stop()


async def test_a_silent_connection_is_detected_by_ping_and_replaced(
    server: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    # CLIENT PAUSE keeps the socket open but unanswered: a half-open connection.
    bus = RedisEventBus(server.url, backoff_initial=0.05, backoff_max=0.2, health_interval=0.2)
    await bus.start()
    try:
        async with bus.subscribe(["alerts"]) as sub:
            await asyncio.sleep(0.5)  # idle long enough for answered PINGs: still fine
            assert bus.connected
            admin = Redis.from_url(server.url)
            try:
                await admin.execute_command("CLIENT", "PAUSE", "1500", "ALL")
            finally:
                await admin.aclose()
            gap = await next_event(sub)
            assert (gap.type, gap.payload["reason"]) == (GAP, "reconnected")
            await bus.publish(Event("alerts", "AFTER_PAUSE"))
            assert (await next_event(sub)).type == "AFTER_PAUSE"
    finally:
        await bus.stop()
    assert "no answer to PING" in caplog.text


async def test_a_publisher_idle_across_a_restart_still_delivers_its_next_event(
    server: PrivateRedis,
) -> None:
    # A publisher's pooled connection outlives the server that accepted it: the
    # first PUBLISH after the restart meets a socket Redis has closed, and must be
    # sent again on a new connection rather than dropped (Redis is up by then).
    bus = RedisEventBus(server.url, backoff_initial=0.05, backoff_max=0.5, op_timeout=1.0)
    publisher = RedisEventBus(server.url, op_timeout=1.0)
    await bus.start()
    await publisher.start()
    try:
        async with bus.subscribe(["catalog"]) as sub:
            await publisher.publish(Event("catalog", "BEFORE"))
            assert (await next_event(sub)).type == "BEFORE"

            # When Redis restarts while the publisher has nothing to send
            await server.kill()
            await server.start()
            gap = await next_event(sub)
            assert (gap.type, gap.payload["reason"]) == (GAP, "reconnected")

            # Then its next event arrives
            await publisher.publish(Event("catalog", "AFTER"))
            assert (await next_event(sub)).type == "AFTER"
    finally:
        await bus.stop()
        await publisher.stop()
