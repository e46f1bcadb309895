"""A shutdown step that hangs says where: it is logged while it still runs, and
with its duration when it ends."""

from __future__ import annotations

import asyncio

import pytest

import racine.logs as logs


async def test_a_slow_shutdown_step_is_logged_while_it_runs_and_when_it_ends(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(logs, "SLOW_STEP_S", 0.05)
    seen_while_running: list[str] = []
    async with logs.slow_step_warnings("jobs"):
        await asyncio.sleep(0.2)
        seen_while_running = [r.getMessage() for r in caplog.records]
    assert seen_while_running == ["shutdown step still running"]
    (_, ended) = caplog.records
    assert ended.getMessage() == "slow shutdown step"
    assert (getattr(ended, "step", None), getattr(ended, "seconds", 0) >= 0.2) == ("jobs", True)


async def test_a_quick_step_logs_nothing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(logs, "SLOW_STEP_S", 0.1)
    async with logs.slow_step_warnings("bus"):
        await asyncio.sleep(0)
    await asyncio.sleep(0.2)  # past the threshold: the step's timer was cancelled
    assert caplog.records == []
