"""The process pool for CPU-heavy steps of handlers (profiling, ML, analytics).

Started lazily with the ``spawn`` method: forking a process that runs an event
loop and driver threads can copy held locks into the child.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

__all__ = ["CpuPool"]

T = TypeVar("T")


class CpuPool:
    """``await pool.run(fn, *args)`` runs ``fn`` in a child process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.size, mp_context=multiprocessing.get_context("spawn")
            )
        return self._executor

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool(), functools.partial(fn, *args))

    def shutdown(self) -> None:
        """Drop queued work; a step already running in a child finishes there."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
