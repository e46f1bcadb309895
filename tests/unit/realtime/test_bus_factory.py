"""build_bus and redact_url: choosing a backend and keeping secrets out of logs."""

from __future__ import annotations

import pytest

from racine.realtime import MemoryEventBus, RedisEventBus, build_bus, redact_url


async def test_build_bus_with_url_is_the_redis_bus_and_does_not_connect_yet() -> None:
    bus = build_bus("redis://127.0.0.1:1/0", queue_size=7)
    assert isinstance(bus, RedisEventBus)
    assert bus.subscriber_count == 0
    assert await bus.ping() is False  # not started
    await bus.stop()


def test_build_bus_with_empty_url_is_the_memory_bus() -> None:
    assert isinstance(build_bus(""), MemoryEventBus)


def test_build_bus_rejects_a_url_that_is_not_redis() -> None:
    with pytest.raises(ValueError):
        build_bus("http://example.org/")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://:s3cr3t@cache:6379/0", "redis://:***@cache:6379/0"),
        ("rediss://racine:s3cr3t@cache.example:6380/2", "rediss://racine:***@cache.example:6380/2"),
        ("redis://cache:6379/0?password=s3cr3t", "redis://cache:6379/0?..."),
        ("redis://racine@cache/1", "redis://racine@cache/1"),
        ("unix:///run/redis.sock", "unix:///run/redis.sock"),
    ],
)
def test_redact_url_masks_passwords(url: str, expected: str) -> None:
    assert redact_url(url) == expected
    assert "s3cr3t" not in redact_url(url)
