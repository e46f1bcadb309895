"""What a job handler sees while it runs, as a Protocol the domain can type against.

Handlers for scans, compliance checks and the like live in their domain areas; the
concrete context comes from ``racine.jobs`` (an outer layer), so the domain only
knows this shape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from racine.domain.ports import EventBus, UnitOfWork
from racine.domain.runs.model import JobRun

__all__ = ["JobContext", "RunCancelled", "RunHandler"]

T = TypeVar("T")


class RunCancelled(Exception):
    """Raised by ``raise_if_cancelled()``: the run stops and ends CANCELLED.

    Not a :class:`~racine.domain.errors.RacineError`: it never reaches a client,
    it only unwinds a handler at a checkpoint.
    """


class JobContext(Protocol):
    """Handed to every handler for one attempt of one run."""

    @property
    def run_id(self) -> str: ...

    @property
    def uow_factory(self) -> Callable[[], UnitOfWork]: ...

    @property
    def bus(self) -> EventBus: ...

    async def run_cpu(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in the process pool (never on the event loop).
        ``fn`` and its arguments must be picklable (module-level functions)."""
        ...

    async def progress(self, progress: dict[str, Any]) -> None:
        """Persist progress (and a heartbeat), then publish ``JOB_PROGRESS``."""
        ...

    async def cancelled(self) -> bool:
        """Whether cancellation was requested (read from the database)."""
        ...

    async def raise_if_cancelled(self) -> None:
        """A checkpoint: raise :class:`RunCancelled` if cancellation was requested."""
        ...


RunHandler = Callable[[JobContext, JobRun], Awaitable[dict[str, Any] | None]]
