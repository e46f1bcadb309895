"""The process pool for CPU-heavy steps of handlers (profiling, ML, analytics).

Started with the ``spawn`` method: forking a process that runs an event loop and
driver threads can copy held locks into the child. Workers start when work first
arrives. Handlers register what every worker should do once as it starts
(:meth:`CpuPool.prepare`: a scan's workers pin BLAS and load the classifier
before their first table). Workers leave with their parent process. A worker that
dies (killed, out of memory) fails the steps in flight with ``Unavailable`` (a scan
records it as that table's error and carries on); the next step gets a new pool, not
the broken one. A job runner that stops parks its pool, warm, for the next runner of
the same process (:meth:`CpuPool.park`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import io
import multiprocessing
import multiprocessing.connection
import os
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from racine.domain.errors import Unavailable

__all__ = ["CpuPool", "shut_down_parked"]

T = TypeVar("T")


def _call(payload: bytes) -> Any:
    fn, args = pickle.loads(payload)
    return fn(*args)


def _dumps(value: object) -> bytes:
    """``value`` pickled without the memo (``Pickler.fast``): a scan's sample is
    thousands of cells, and memoizing each one cost ~45% of pickling it. Objects
    shared inside the arguments arrive as copies; cyclic ones need the memo."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # deprecated, but the C pickler honours it
    try:
        pickler.dump(value)
    except ValueError:  # "fast mode: can't pickle cyclic objects"
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return buffer.getvalue()


def _prepare_worker(steps: tuple[Callable[[], object], ...]) -> None:
    _exit_with_parent()
    for step in steps:
        step()


def _exit_with_parent() -> None:
    """Leave when the parent process ends. A worker whose parent was killed, or
    exited while the worker was still starting, would otherwise wait for work
    forever, holding its memory."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="racine-cpu-parent", daemon=True).start()


_Steps = tuple[Callable[[], object], ...]
_parked: dict[tuple[int, _Steps], ProcessPoolExecutor] = {}
"""Warm executors a stopped job runner left for the next pool of this process with the
same size and preparation (``CpuPool.park``)."""


def shut_down_parked(*, wait: bool = False) -> None:
    """Shut down the warm pools parked in this process (the next pool starts cold);
    with ``wait``, until their workers have exited: a process about to end so leaves
    none of their semaphores to multiprocessing's resource tracker."""
    while _parked:
        _, executor = _parked.popitem()
        executor.shutdown(wait=wait, cancel_futures=True)


class CpuPool:
    """``await pool.run(fn, *args)`` runs ``fn`` in a child process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._executor: ProcessPoolExecutor | None = None
        self._steps: list[Callable[[], object]] = []

    def prepare(self, step: Callable[[], object]) -> None:
        """Run ``step`` (a module-level function: it is pickled by name) in every
        worker as it starts, e.g. importing and loading a model."""
        if step not in self._steps:
            self._steps.append(step)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = _parked.pop((self.size, tuple(self._steps)), None)
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.size,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_prepare_worker,
                initargs=(tuple(self._steps),),
            )
        return self._executor

    def park(self) -> None:
        """Leave the workers, warm, to the next pool of this process with the same size
        and preparation, instead of shutting them down: a process that starts its job
        runner again (an app restarted in one process, as the tests do for every test)
        then skips ~2 s of spawning workers and loading the model. A process that exits
        instead shuts them down as it does any pool (CPython joins them at exit, and a
        worker leaves with its parent). A pool already parked there is shut down."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if getattr(executor, "_broken", False) or getattr(executor, "_shutdown_thread", False):
            executor.shutdown(wait=False, cancel_futures=True)
            return
        older = _parked.pop((self.size, tuple(self._steps)), None)
        if older is not None:
            older.shutdown(wait=False, cancel_futures=True)
        _parked[(self.size, tuple(self._steps))] = executor

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        executor, future = self._submit(_dumps((fn, args)))
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            raise self._broken(executor) from None

    def _submit(
        self, payload: bytes, *, again: bool = True
    ) -> tuple[ProcessPoolExecutor, concurrent.futures.Future[Any]]:
        """Hand ``payload`` to a worker. A pool that broke before taking it never ran
        the step, so the step is handed to a new pool, once. It broke when its worker
        died while idle, or died while the pool was spawning another: the pool's
        manager thread then closes the queues the new worker is being given, which
        surfaces as ``OSError: handle is closed``, or, when a closed pipe's number was
        reused meanwhile, as ``ValueError: bad value(s) in fds_to_keep`` (``payload``
        is bytes already: nothing else in ``submit`` raises either)."""
        executor = self._pool()
        try:
            return executor, executor.submit(_call, payload)
        except (BrokenProcessPool, OSError, ValueError):
            if not again:
                raise self._broken(executor) from None
            self._drop(executor)
        return self._submit(payload, again=False)

    def _broken(self, executor: ProcessPoolExecutor) -> Unavailable:
        self._drop(executor)
        return Unavailable("a CPU worker stopped during this step (killed or out of memory)")

    def _drop(self, executor: ProcessPoolExecutor) -> None:
        # A dead worker breaks its executor for good: later steps get a new one.
        if self._executor is executor:
            workers = list((getattr(executor, "_processes", None) or {}).values())
            self.shutdown()
            # What is left of a broken pool goes too. CPython's pool can spawn a worker
            # for a submit that raced the breakage after it terminated the others; its
            # manager thread then waits for that idle worker forever, and so does the
            # interpreter's exit (seen here: a process that never exited).
            for worker in workers:
                with contextlib.suppress(Exception):
                    worker.kill()

    def shutdown(self) -> None:
        """Drop queued work; a step already running in a child finishes there."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def close(self) -> None:
        """Drop queued work and wait for the workers to exit (reaped: their CPU time
        counts as this process's children's)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, True, cancel_futures=True)
