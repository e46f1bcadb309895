"""The process pool for CPU-heavy steps of handlers (profiling, ML, analytics).

Started with the ``spawn`` method: forking a process that runs an event loop and
driver threads can copy held locks into the child. Workers start when work first
arrives, or all at once with :meth:`CpuPool.start` (a scan calls it as it
begins: its workers then import numpy and load the classifier, ~2 s, while the
source is listed). Handlers register what every worker should do once as it
starts (:meth:`CpuPool.prepare`). Workers leave with their parent process.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

__all__ = ["CpuPool"]

T = TypeVar("T")


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


def _ready() -> None:
    """Runs once the worker has prepared (see :meth:`CpuPool.start`)."""


class CpuPool:
    """``await pool.run(fn, *args)`` runs ``fn`` in a child process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._executor: ProcessPoolExecutor | None = None
        self._steps: list[Callable[[], object]] = []
        self._started: asyncio.Future[list[None]] | None = None

    def prepare(self, step: Callable[[], object]) -> None:
        """Run ``step`` (a module-level function: it is pickled by name) in every
        worker as it starts, e.g. importing and loading a model."""
        if step not in self._steps:
            self._steps.append(step)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.size,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_prepare_worker,
                initargs=(tuple(self._steps),),
            )
        return self._executor

    def start(self) -> asyncio.Future[list[None]]:
        """Start every worker now and prepare it; the future completes when all are
        ready (awaiting it is optional: it is kept here)."""
        if self._started is None or self._executor is None:
            loop = asyncio.get_running_loop()
            pool = self._pool()
            # The executor spawns a worker for each task that finds none idle.
            self._started = asyncio.gather(
                *(loop.run_in_executor(pool, _ready) for _ in range(self.size))
            )
            # Nobody may await it: retrieve a failure (a shutdown) so it is not logged.
            self._started.add_done_callback(lambda f: f.cancelled() or f.exception())
        return self._started

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool(), functools.partial(fn, *args))

    def shutdown(self) -> None:
        """Drop queued work; a step already running in a child finishes there."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
            self._started = None
