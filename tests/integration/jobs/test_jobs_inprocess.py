"""The embedded runner on real databases (SQLite and PostgreSQL): outcomes,
cancellation, the process pool, crash recovery, graceful shutdown, schedules."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jobs_cpu_steps import pid_and_square

from racine.config import Settings
from racine.domain.errors import Conflict
from racine.domain.events import Channels
from racine.domain.runs import JobContext, JobRun, RunState, cancel_run, submit_run
from racine.jobs import (
    REQUEUED_AT_SHUTDOWN,
    InProcessJobQueue,
    JobOptions,
    Scheduler,
    build_job_queue,
)

FAST = JobOptions(
    workers=2,
    heartbeat_every=0.1,
    stale_after=1.0,
    cancel_grace=0.3,
    shutdown_timeout=0.3,
    poll_every=0.2,
    cpu_workers=1,
)


def make_queue(env: Any, **opts: Any) -> InProcessJobQueue:
    options = FAST if not opts else JobOptions(**{**FAST.__dict__, **opts})
    settings = Settings(database_url=env.db.url, distributed_jobs=False)
    queue = build_job_queue(settings, env.db, env.bus, env.uow_factory, options=options)
    assert isinstance(queue, InProcessJobQueue)
    return queue


async def ok_handler(ctx: JobContext, run: JobRun) -> dict[str, Any]:
    await ctx.progress({"done": 1, "total": 2})
    return {"echo": run.payload["x"]}


async def boom(ctx: JobContext, run: JobRun) -> None:
    raise RuntimeError("cannot reach postgresql://scanner:hunter2@db.internal/x\nline two")


async def polite_sleeper(ctx: JobContext, run: JobRun) -> dict[str, Any]:
    for _ in range(200):
        await ctx.raise_if_cancelled()
        await asyncio.sleep(0.05)
    return {"finished": True}


async def deaf_sleeper(ctx: JobContext, run: JobRun) -> dict[str, Any]:
    await asyncio.sleep(float(run.payload.get("sleep", 30)))
    return {"finished": True}


async def cpu_handler(ctx: JobContext, run: JobRun) -> dict[str, Any]:
    pid, square = await ctx.run_cpu(pid_and_square, 12)
    return {"pid": pid, "square": square}


async def test_success_stores_result_and_publishes_progress(env: Any) -> None:
    outcomes: list[tuple[str, str]] = []
    queue = make_queue(env)
    queue.on_outcome = lambda kind, state: outcomes.append((kind, state))
    queue.register("echo", ok_handler)
    await queue.start()
    try:
        run = await queue.submit("echo", {"x": 42})
        async with env.bus.subscribe([Channels.job(str(run.id))]) as sub:
            seen: list[str] = []
            async with asyncio.timeout(10):
                async for event in sub:
                    seen.append(event.type)
                    if event.type == "JOB_SUCCEEDED":
                        break
        done = await env.wait_state(run.id, RunState.SUCCEEDED)
    finally:
        await queue.stop()
    assert done.result == {"echo": 42}
    assert done.progress == {"done": 1, "total": 2}
    assert done.attempts == 1 and done.reason is None and done.finished_at is not None
    assert "JOB_PROGRESS" in seen
    assert outcomes == [("echo", "SUCCEEDED")]


async def test_failure_records_type_and_safe_first_line(env: Any) -> None:
    queue = make_queue(env)
    queue.register("boom", boom)
    await queue.start()
    try:
        run = await queue.submit("boom", {})
        done = await env.wait_state(run.id, RunState.FAILED)
    finally:
        await queue.stop()
    assert done.reason is not None
    assert done.reason.startswith("RuntimeError: cannot reach postgresql://scanner:***@")
    assert "hunter2" not in done.reason
    assert "line two" not in done.reason and "Traceback" not in done.reason


async def test_unknown_kind_fails_with_reason(env: Any) -> None:
    queue = make_queue(env)
    await queue.start()
    try:
        run = await queue.submit("nobody", {})
        done = await env.wait_state(run.id, RunState.FAILED)
    finally:
        await queue.stop()
    assert done.reason == "no handler registered for kind 'nobody'"


async def test_cancel_queued_run_ends_it_at_once(env: Any) -> None:
    queue = make_queue(env)  # not started: the run stays queued
    run = await submit_run(env.uow_factory(), queue, "echo", {"x": 1}, None)
    cancelled = await cancel_run(env.uow_factory(), run.id, None)
    assert cancelled.state is RunState.CANCELLED
    assert cancelled.reason == "cancelled on request"
    with pytest.raises(Conflict):
        await cancel_run(env.uow_factory(), run.id, None)
    queue.register("echo", ok_handler)
    await queue.start()  # a cancelled run is never picked up
    try:
        await asyncio.sleep(0.5)
        assert (await env.get(run.id)).state is RunState.CANCELLED
    finally:
        await queue.stop()


async def test_cancel_running_run_at_checkpoint(env: Any) -> None:
    queue = make_queue(env)
    queue.register("polite", polite_sleeper)
    await queue.start()
    try:
        run = await queue.submit("polite", {})
        await env.wait_state(run.id, RunState.RUNNING)
        flagged = await cancel_run(env.uow_factory(), run.id, None)
        assert flagged.state is RunState.RUNNING and flagged.cancel_requested
        done = await env.wait_state(run.id, RunState.CANCELLED, within=5)
    finally:
        await queue.stop()
    assert done.reason == "cancelled on request"
    assert done.result == {}


async def test_cancel_running_run_that_ignores_it_after_grace(env: Any) -> None:
    queue = make_queue(env)
    queue.register("deaf", deaf_sleeper)
    await queue.start()
    try:
        run = await queue.submit("deaf", {"sleep": 30})
        await env.wait_state(run.id, RunState.RUNNING)
        await cancel_run(env.uow_factory(), run.id, None)
        done = await env.wait_state(run.id, RunState.CANCELLED, within=5)
    finally:
        await queue.stop()
    assert done.reason is not None and "grace period" in done.reason


async def test_cpu_step_runs_in_another_process(env: Any) -> None:
    queue = make_queue(env)
    queue.register("cpu", cpu_handler)
    await queue.start()
    try:
        run = await queue.submit("cpu", {})
        done = await env.wait_state(run.id, RunState.SUCCEEDED, RunState.FAILED, within=60)
    finally:
        await queue.stop()
    assert done.state is RunState.SUCCEEDED, done.reason
    assert done.result["square"] == 144
    assert done.result["pid"] != os.getpid()


async def _orphan(
    env: Any, *, attempts: int, max_attempts: int = 3, cancel_requested: bool = False
) -> uuid.UUID:
    """A run as a crashed process leaves it: RUNNING, heartbeat in the past."""
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    run = JobRun(
        kind="echo",
        payload={"x": 7},
        state=RunState.RUNNING,
        attempts=attempts,
        max_attempts=max_attempts,
        started_at=long_ago,
        heartbeat_at=long_ago,
        cancel_requested=cancel_requested,
    )
    async with env.uow_factory() as uow:
        await uow.runs.add(run)
        await uow.commit()
    return run.id


async def test_crash_recovery_resumes_or_fails(env: Any) -> None:
    resumable = await _orphan(env, attempts=1)
    exhausted = await _orphan(env, attempts=3)
    queue = make_queue(env)
    queue.register("echo", ok_handler)
    await queue.start()
    try:
        resumed = await env.wait_state(resumable, RunState.SUCCEEDED)
        failed = await env.wait_state(exhausted, RunState.FAILED)
    finally:
        await queue.stop()
    assert resumed.attempts == 2 and resumed.result == {"echo": 7}
    assert failed.reason is not None and failed.reason.startswith("interrupted:")
    assert queue.recovered is not None
    assert queue.recovered.requeued == [resumable] and queue.recovered.failed == [exhausted]


async def test_crash_recovery_ends_a_run_cancelled_while_its_worker_was_dead(env: Any) -> None:
    # Given runs whose worker died, then whose cancel was requested (cancelScan while
    # no process held them), one with attempts left and one with none
    resumable = await _orphan(env, attempts=1, cancel_requested=True)
    exhausted = await _orphan(env, attempts=3, cancel_requested=True)

    # When a runner starts and recovers them
    queue = make_queue(env)
    queue.register("echo", ok_handler)
    await queue.start()
    try:
        ended = [
            await env.wait_state(r, RunState.CANCELLED, RunState.FAILED, RunState.SUCCEEDED)
            for r in (resumable, exhausted)
        ]
    finally:
        await queue.stop()

    # Then both end CANCELLED as asked, without another attempt or an "interrupted" failure
    assert [(r.state, r.reason, r.attempts) for r in ended] == [
        (RunState.CANCELLED, "cancelled on request", 1),
        (RunState.CANCELLED, "cancelled on request", 3),
    ]
    assert queue.recovered is not None and queue.recovered.cancelled == [resumable, exhausted]


async def test_queued_runs_from_before_start_are_dispatched(env: Any) -> None:
    idle = make_queue(env)
    run = await submit_run(env.uow_factory(), idle, "echo", {"x": 3}, None)
    assert await idle.depth() == 1
    queue = make_queue(env)
    queue.register("echo", ok_handler)
    await queue.start()
    try:
        await env.wait_state(run.id, RunState.SUCCEEDED)
        assert await queue.depth() == 0
    finally:
        await queue.stop()


async def test_graceful_shutdown_requeues_then_resumes(env: Any) -> None:
    queue = make_queue(env)
    queue.register("deaf", deaf_sleeper)
    await queue.start()
    run = await queue.submit("deaf", {"sleep": 30})
    await env.wait_state(run.id, RunState.RUNNING)
    await queue.stop(wait_s=0.2)
    parked = await env.get(run.id)
    assert parked.state is RunState.QUEUED
    assert parked.reason == REQUEUED_AT_SHUTDOWN

    async def quick(ctx: JobContext, run: JobRun) -> dict[str, Any]:
        stored = await env.get(run.id)
        return {
            "resumed": True,
            "stateWhileRunning": stored.state.value,
            "reasonWhileRunning": stored.reason,
        }

    again = make_queue(env)
    again.register("deaf", quick)
    await again.start()
    try:
        done = await env.wait_state(run.id, RunState.SUCCEEDED)
    finally:
        await again.stop()
    # (the claim clears the re-queue reason: a RUNNING run shows none, scans included)
    assert done.result == {
        "resumed": True,
        "stateWhileRunning": "RUNNING",
        "reasonWhileRunning": None,
    }
    assert done.attempts == 2 and done.reason is None


async def test_stop_waits_for_a_short_handler(env: Any) -> None:
    queue = make_queue(env)
    queue.register("deaf", deaf_sleeper)
    await queue.start()
    run = await queue.submit("deaf", {"sleep": 0.4})
    await env.wait_state(run.id, RunState.RUNNING)
    await queue.stop(wait_s=5)
    assert (await env.get(run.id)).state is RunState.SUCCEEDED


async def test_stop_does_not_wait_forever_for_a_loop_that_ignores_its_cancellation(
    env: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a running queue with a background loop that swallows its cancellation
    # (as asyncio.wait_for on Python 3.11 can) and goes on for a while
    import racine.jobs.base as base

    monkeypatch.setattr(base, "_CANCEL_WAIT_S", 0.3)
    started, released = asyncio.Event(), asyncio.Event()

    async def stubborn() -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            await released.wait()

    queue = make_queue(env)
    await queue.start()
    queue._spawn(stubborn(), "stubborn-loop")
    stuck = queue._tasks[-1]
    await started.wait()

    # When the queue stops
    async with asyncio.timeout(10):
        await queue.stop(wait_s=0.1)

    # Then it stopped anyway, naming the loop that did not
    assert not stuck.done()
    assert any(
        r.getMessage() == "job queue task did not stop when cancelled"
        and getattr(r, "task", None) == "stubborn-loop"
        for r in caplog.records
    )
    released.set()
    await stuck


async def test_schedule_tick_makes_exactly_one_run_across_processes(env: Any) -> None:
    start = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)
    queues = [make_queue(env), make_queue(env)]  # not started: we only count runs
    schedulers = [Scheduler(env.uow_factory, q, clock=lambda: start) for q in queues]
    for s in schedulers:
        s.schedule("echo", "*/5 * * * *", lambda: {"x": 1})
    tick = start + timedelta(minutes=5, seconds=1)
    created = [await s.fire_due(tick) for s in schedulers]
    assert sorted(len(c) for c in created) == [0, 1]
    async with env.uow_factory() as uow:
        runs = await uow.runs.in_states([RunState.QUEUED])
    assert [r.id for r in runs] == [c for cs in created for c in cs]
    assert all(s.schedules[0].next_tick == start + timedelta(minutes=10) for s in schedulers)
    with pytest.raises(ValueError):
        schedulers[0].schedule("echo", "not a cron", dict)


async def test_schedule_fires_in_a_running_queue(env: Any) -> None:
    queue = make_queue(env)
    queue.register("echo", ok_handler)
    queue.schedule("echo", "* * * * * *", lambda: {"x": "tick"})  # every second
    await queue.start()
    try:
        async with asyncio.timeout(10):
            while True:
                async with env.uow_factory() as uow:
                    done = await uow.runs.in_states([RunState.SUCCEEDED])
                if done:
                    break
                await asyncio.sleep(0.1)
    finally:
        await queue.stop()
    assert done[0].result == {"echo": "tick"}
