"""The process pool starts its workers on demand or at once, each prepared first."""

from __future__ import annotations

import asyncio
import multiprocessing

from jobs_cpu_steps import mark_prepared, pid_and_square, prepared_pid

from racine.jobs.cpu import CpuPool


async def test_started_workers_are_all_prepared_before_any_work() -> None:
    # given a pool of two with a preparation step
    before = set(multiprocessing.active_children())
    pool = CpuPool(2)
    pool.prepare(mark_prepared)
    pool.prepare(mark_prepared)  # registered once
    try:
        # when it is started
        await pool.start()
        # then both workers exist before any work was sent
        workers = set(multiprocessing.active_children()) - before
        assert len(workers) == 2
        # and every step runs in a worker that was prepared in that same process
        results = await asyncio.gather(*(pool.run(prepared_pid) for _ in range(8)))
        assert all(pid == prepared for pid, prepared in results)
        assert {pid for pid, _ in results} <= {w.pid for w in workers}
        assert pool.start() is pool.start()  # starting twice starts nothing more
    finally:
        pool.shutdown()


async def test_a_pool_never_started_prepares_workers_on_demand() -> None:
    pool = CpuPool(1)
    pool.prepare(mark_prepared)
    try:
        pid, prepared = await pool.run(prepared_pid)
        assert prepared == pid
        assert (await pool.run(pid_and_square, 3))[1] == 9
    finally:
        pool.shutdown()
