"""The distributed queue on a real PostgreSQL database: pgqueuer carries run ids,
``racine worker`` processes execute them, and a worker killed mid-run loses nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import asyncpg
import httpx
import pytest
from job_env import Env

from racine.config import Settings
from racine.domain.ports import UnitOfWork
from racine.domain.runs import JobContext, JobRun, RunState, cancel_run
from racine.jobs import JobOptions, PgJobQueue, build_job_queue, install_queue_schema
from racine.jobs.schema import asyncpg_dsn
from racine.persistence.database import Database
from racine.persistence.unit_of_work import SqlUnitOfWork
from racine.realtime import MemoryEventBus

FAST = JobOptions(
    workers=2,
    heartbeat_every=0.2,
    stale_after=1.5,
    cancel_grace=0.3,
    shutdown_timeout=0.5,
    poll_every=0.3,
    cpu_workers=1,
)


@pytest.fixture
async def pg(pg_url: str) -> Any:
    """The ``env`` of conftest, PostgreSQL only."""
    db = Database(pg_url)
    bus = MemoryEventBus()
    e = Env(db, bus, lambda: cast(UnitOfWork, SqlUnitOfWork(db, bus)))
    await e.clear_runs()
    conn = await asyncpg.connect(asyncpg_dsn(pg_url))
    try:  # no pgqueuer job may outlive its test
        if await conn.fetchval("SELECT to_regclass('pgqueuer') IS NOT NULL"):
            await conn.execute("DELETE FROM pgqueuer")
    finally:
        await conn.close()
    yield e
    await e.clear_runs()
    await bus.stop()
    await db.dispose()


def make_queue(env: Any, *, consume: bool) -> PgJobQueue:
    settings = Settings(database_url=env.db.url, distributed_jobs=True)
    queue = build_job_queue(
        settings, env.db, env.bus, env.uow_factory, options=FAST, consume=consume
    )
    assert isinstance(queue, PgJobQueue)
    return queue


async def echo(ctx: JobContext, run: JobRun) -> dict[str, Any]:
    await ctx.progress({"pid": os.getpid()})
    return {"echo": run.payload["x"]}


async def slow(ctx: JobContext, run: JobRun) -> dict[str, Any]:
    for _ in range(200):
        await ctx.raise_if_cancelled()
        await asyncio.sleep(0.05)
    return {}


async def test_install_schema_is_idempotent(pg_url: str) -> None:
    await install_queue_schema(pg_url)
    assert await install_queue_schema(pg_url) is False  # second call: nothing to create
    assert await install_queue_schema("sqlite+aiosqlite:///x.db") is False


async def test_api_enqueues_and_worker_executes(pg: Any) -> None:
    api = make_queue(pg, consume=False)
    worker = make_queue(pg, consume=True)
    worker.register("echo", echo)
    await api.start()
    await worker.start()
    try:
        run = await api.submit("echo", {"x": "hello"})
        done = await pg.wait_state(run.id, RunState.SUCCEEDED)
        assert done.result == {"echo": "hello"} and done.attempts == 1
        assert await api.depth() == 0
    finally:
        await worker.stop()
        await api.stop()


async def test_cancel_running_run_on_a_worker(pg: Any) -> None:
    api = make_queue(pg, consume=False)
    worker = make_queue(pg, consume=True)
    worker.register("slow", slow)
    await api.start()
    await worker.start()
    try:
        run = await api.submit("slow", {})
        await pg.wait_state(run.id, RunState.RUNNING)
        await cancel_run(pg.uow_factory(), run.id, None)
        done = await pg.wait_state(run.id, RunState.CANCELLED, within=5)
        assert done.reason == "cancelled on request"
    finally:
        await worker.stop()
        await api.stop()


async def test_sweep_recovers_a_stale_run_and_dispatches_it(pg: Any) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    orphan = JobRun(
        kind="echo",
        payload={"x": 1},
        state=RunState.RUNNING,
        attempts=1,
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    fresh = JobRun(
        kind="echo",
        payload={"x": 2},
        state=RunState.RUNNING,
        attempts=1,
        started_at=datetime.now(UTC),
        heartbeat_at=datetime.now(UTC) + timedelta(hours=1),
    )
    async with pg.uow_factory() as uow:
        await uow.runs.add(orphan)
        await uow.runs.add(fresh)
        await uow.commit()
    worker = make_queue(pg, consume=True)
    worker.register("echo", echo)
    await worker.start()
    try:
        done = await pg.wait_state(orphan.id, RunState.SUCCEEDED)
        assert done.attempts == 2
        assert (await pg.get(fresh.id)).state is RunState.RUNNING  # its worker is alive
    finally:
        await worker.stop()


async def test_worker_stop_requeues_and_another_worker_finishes(pg: Any) -> None:
    first = make_queue(pg, consume=True)
    first.register("slow", slow)
    await first.start()
    api = make_queue(pg, consume=False)
    await api.start()
    try:
        run = await api.submit("slow", {})
        await pg.wait_state(run.id, RunState.RUNNING)
        await first.stop(wait_s=0.1)
        parked = await pg.get(run.id)
        assert parked.state is RunState.QUEUED and parked.reason == "re-queued at shutdown"

        second = make_queue(pg, consume=True)

        async def quick(ctx: JobContext, run: JobRun) -> dict[str, Any]:
            return {"by": "second"}

        second.register("slow", quick)
        await second.start()
        try:
            done = await pg.wait_state(run.id, RunState.SUCCEEDED)
        finally:
            await second.stop()
        assert done.result == {"by": "second"} and done.attempts == 2
    finally:
        await api.stop()


async def _drop_queue_connections(pg_url: str) -> int:
    """What a PostgreSQL restart or failover does to the queue's own asyncpg
    connections (pgqueuer's producer and consumer): the server ends them. Only this
    module's throw-away database is touched."""
    conn = await asyncpg.connect(asyncpg_dsn(pg_url))
    try:
        return int(
            await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await conn.close()


async def test_queues_reconnect_after_the_database_drops_their_connections(
    pg: Any, pg_url: str
) -> None:
    # Given an API queue and a worker that have both been used
    api = make_queue(pg, consume=False)
    worker = make_queue(pg, consume=True)
    worker.register("echo", echo)
    await api.start()
    await worker.start()
    try:
        first = await api.submit("echo", {"x": "before"})
        await pg.wait_state(first.id, RunState.SUCCEEDED)

        # When the server ends every connection (a restart, a failover)
        assert await _drop_queue_connections(pg_url) > 0

        # Then a run submitted afterwards still reaches a worker and ends
        run = await api.submit("echo", {"x": "after"})
        done = await pg.wait_state(run.id, RunState.SUCCEEDED, within=20)
        assert done.result == {"echo": "after"}
    finally:
        await worker.stop()
        await api.stop()


async def test_a_worker_serves_the_outcomes_of_its_runs_on_its_metrics_port(
    pg: Any, pg_url: str
) -> None:
    from racine.jobs import run_worker

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    # Given an API that only enqueues, and a worker with a metrics port
    api = make_queue(pg, consume=False)
    await api.start()
    stop = asyncio.Event()
    settings = Settings(database_url=pg_url, distributed_jobs=True, worker_metrics_port=port)
    worker = asyncio.create_task(
        run_worker(
            settings,
            setup=lambda q: q.register("echo", echo),
            bus=MemoryEventBus(),
            options=FAST,
            stop=stop,
        )
    )
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        # When the worker runs a job
        run = await api.submit("echo", {"x": "counted"})
        await pg.wait_state(run.id, RunState.SUCCEEDED, within=20)
        # Then Prometheus reads its outcome from the worker (the API never saw it end)
        counted = 'racine_job_outcomes_total{kind="echo",state="SUCCEEDED"} 1.0'
        async with httpx.AsyncClient() as client:
            for _ in range(50):
                body = (await client.get(url)).text
                if counted in body:
                    break
                await asyncio.sleep(0.1)
        assert counted in body, body
        # and nothing the worker does not know (the queue's depth is the API's)
        assert "racine_job_queue_depth" not in body
    finally:
        stop.set()
        await asyncio.wait_for(worker, 30)
        await api.stop()
    # The port closes with the worker
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(url)


WORKER = textwrap.dedent(
    """
    import asyncio, os
    from racine.config import Settings
    from racine.jobs import JobOptions, run_worker
    from racine.realtime import MemoryEventBus

    async def steps(ctx, run):
        for i in range(run.payload["steps"]):
            await ctx.progress({"step": i, "pid": os.getpid()})
            await asyncio.sleep(run.payload["pause"])
        return {"pid": os.getpid()}

    asyncio.run(run_worker(
        Settings(),
        setup=lambda queue: queue.register("steps", steps),
        bus=MemoryEventBus(),
        options=JobOptions(workers=2, heartbeat_every=0.2, stale_after=1.5,
                           poll_every=0.3, shutdown_timeout=1.0),
    ))
    """
)


def spawn_worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RACINE_DATABASE_URL": url, "RACINE_DISTRIBUTED_JOBS": "true"}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", WORKER],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).parent,
        )


@pytest.mark.slow
async def test_sigkilled_worker_run_is_resumed_by_the_next_worker(
    pg: Any, pg_url: str, tmp_path: Path
) -> None:
    api = make_queue(pg, consume=False)
    await api.start()
    log = tmp_path / "workers.log"
    first = spawn_worker(pg_url, log)
    second: subprocess.Popen[bytes] | None = None
    try:
        run = await api.submit("steps", {"steps": 15, "pause": 0.1})
        await pg.wait_for(run.id, lambda r: r.progress.get("step", -1) >= 2, within=30)
        killed_pid = first.pid
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert (await pg.get(run.id)).state is RunState.RUNNING  # orphaned, for now

        second = spawn_worker(pg_url, log)
        done = await pg.wait_state(run.id, RunState.SUCCEEDED, RunState.FAILED, within=45)
        assert done.state is RunState.SUCCEEDED, done.reason
        assert done.attempts == 2
        assert done.result["pid"] == second.pid != killed_pid

        second.send_signal(signal.SIGTERM)  # graceful: exits 0
        assert second.wait(20) == 0
    except BaseException:
        print(log.read_text(errors="replace"))
        raise
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)
        await api.stop()


async def test_worker_refuses_sqlite(tmp_path: Path) -> None:
    from racine.jobs import run_worker

    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ValueError, match="PostgreSQL"):
        await run_worker(settings, bus=MemoryEventBus())


def test_distributed_needs_postgresql(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    db = Database(url)
    settings = Settings(database_url=url, distributed_jobs=True)
    with pytest.raises(ValueError, match="PostgreSQL"):
        build_job_queue(settings, db, MemoryEventBus(), lambda: cast(UnitOfWork, None))
