"""The process pool starts its workers on demand or at once, each prepared first."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest
from jobs_cpu_steps import die, mark_prepared, pid_and_square, prepared_pid

from racine.domain.errors import Unavailable
from racine.jobs.cpu import CpuPool, shut_down_parked


async def test_every_worker_is_prepared_before_its_first_step() -> None:
    # given a pool of two with a preparation step (registered twice: runs once)
    before = set(multiprocessing.active_children())
    pool = CpuPool(2)
    pool.prepare(mark_prepared)
    pool.prepare(mark_prepared)
    try:
        # when steps run on both workers at once
        results = await asyncio.gather(*(pool.run(prepared_pid) for _ in range(8)))
        workers = set(multiprocessing.active_children()) - before
        # then each step ran in a worker that was prepared in that same process
        assert all(pid == prepared for pid, prepared in results)
        assert {pid for pid, _ in results} <= {w.pid for w in workers}
    finally:
        pool.shutdown()


async def test_one_worker_is_prepared_on_demand() -> None:
    pool = CpuPool(1)
    pool.prepare(mark_prepared)
    try:
        pid, prepared = await pool.run(prepared_pid)
        assert prepared == pid
        assert (await pool.run(pid_and_square, 3))[1] == 9
    finally:
        pool.shutdown()


async def test_a_dead_worker_fails_its_step_and_the_next_step_gets_a_new_pool() -> None:
    pool = CpuPool(1)
    try:
        # given a worker that dies under its step
        with pytest.raises(Unavailable, match="CPU worker stopped"):
            await pool.run(die)
        # then the next step runs (the broken executor was dropped)
        assert (await pool.run(pid_and_square, 4))[1] == 16
    finally:
        await pool.close()


async def test_a_worker_killed_while_idle_fails_no_step() -> None:
    # given a pool whose only worker is killed between steps (as the OOM killer would)
    pool = CpuPool(1)
    try:
        pid, _ = await pool.run(pid_and_square, 2)
        os.kill(pid, signal.SIGKILL)
        # once the pool has seen the death (it refuses work: it is broken)
        executor = pool._executor
        assert executor is not None
        deadline = time.monotonic() + 10
        while True:
            try:
                executor.submit(os.getpid).result(timeout=10)
            except BrokenProcessPool:
                break
            assert time.monotonic() < deadline, "the pool never saw its worker die"
            await asyncio.sleep(0.01)
        # then the next step runs on a new pool instead of failing as Unavailable
        new_pid, square = await pool.run(pid_and_square, 5)
        assert (square, new_pid != pid) == (25, True)
    finally:
        await pool.close()


async def test_a_pool_that_breaks_while_spawning_hands_the_step_to_a_new_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a pool whose spawn of a worker races its breakage: the manager thread closed
    # a queue pipe whose number a new pipe then took, and CPython's fork_exec refuses
    # the duplicate (the race cannot be timed from a test, so its error is raised here,
    # once, by the standard library's submit)
    real_submit = ProcessPoolExecutor.submit
    broken: list[ProcessPoolExecutor] = []

    def submit(self: ProcessPoolExecutor, *args: Any, **kwargs: Any) -> Any:
        if not broken:
            broken.append(self)
            raise ValueError("bad value(s) in fds_to_keep")
        return real_submit(self, *args, **kwargs)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit)
    pool = CpuPool(1)
    try:
        # when a step is run, then it runs, on another pool
        assert (await pool.run(pid_and_square, 6))[1] == 36
        assert broken and pool._executor is not broken[0]
    finally:
        await pool.close()


_DIES_ABRUPTLY = """
import asyncio, multiprocessing, os
from racine.jobs.cpu import CpuPool, shut_down_parked

async def main():
    pool = CpuPool(2)
    await asyncio.gather(pool.run(os.getpid), pool.run(os.getpid))
    print(" ".join(str(c.pid) for c in multiprocessing.active_children()), flush=True)
    os._exit(0)  # no shutdown, no atexit: as if killed

if __name__ == "__main__":
    asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_workers_leave_with_a_parent_that_dies(tmp_path: Path) -> None:
    # given a process whose pool started its workers, and which then dies abruptly
    script = tmp_path / "dies.py"
    script.write_text(_DIES_ABRUPTLY)
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=True
    )
    pids = [int(p) for p in out.stdout.split()]
    assert len(pids) >= 2
    # then its workers do not wait for work forever: they are gone within seconds
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids)


async def test_a_parked_pool_is_taken_warm_by_the_next_pool_like_it() -> None:
    # given a pool of one, prepared, whose runner stopped and parked it
    first = CpuPool(1)
    first.prepare(mark_prepared)
    pid, _ = await first.run(prepared_pid)
    first.park()
    try:
        # when a pool of another size starts, then one of the same size and preparation
        other = CpuPool(2)
        other.prepare(mark_prepared)
        other_pid, _ = await other.run(prepared_pid)
        other.shutdown()
        again = CpuPool(1)
        again.prepare(mark_prepared)
        again_pid, prepared = await again.run(prepared_pid)
        again.shutdown()
        # then only the one like it runs in the parked worker, already prepared
        assert other_pid != pid
        assert (again_pid, prepared) == (pid, pid)
    finally:
        shut_down_parked()
