"""The uvicorn server ``racine serve`` runs.

After a graceful shutdown on SIGTERM or SIGINT, uvicorn raises the signal again, and
a process ended by a signal runs no exit handlers: the CPU pool its job runner
parked at shutdown (``CpuPool.park``) left its semaphores to multiprocessing's
resource tracker, which warned of "leaked semaphore objects" at every stop. This
server shuts the parked pool down, waiting for its workers, before that.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import uvicorn

from racine.jobs.cpu import shut_down_parked

__all__ = ["Server"]


class Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            try:
                yield
            finally:
                shut_down_parked(wait=True)
