"""Ports: what the domain needs from the outside world, as Protocols."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any, Protocol

from racine.domain.events import Event

__all__ = ["EventBus", "JobHandler", "JobQueue", "Subscription", "UnitOfWork"]


class Subscription(Protocol):
    """A live stream of events for one subscriber.

    Iterating yields events in publish order per channel. When events may have been
    lost (the bus reconnected, or this subscriber fell behind and was dropped) the
    subscriber receives ``Event.gap(...)``; after a slow-consumer gap the stream
    ends.
    """

    def __aiter__(self) -> AsyncIterator[Event]: ...

    async def close(self) -> None: ...


class EventBus(Protocol):
    """Publish/subscribe of live signals (memory in embedded mode, Redis in production)."""

    async def publish(self, event: Event) -> None: ...

    def subscribe(self, channels: Sequence[str]) -> AbstractAsyncContextManager[Subscription]: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def ping(self) -> bool: ...


JobHandler = Callable[[str, dict[str, Any]], Awaitable[None]]


class JobQueue(Protocol):
    """Dispatches durable job runs. The run row (state, attempts, reason) lives in
    our database; the queue only says "run X is ready"."""

    async def dispatch(self, run_id: str) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def depth(self) -> int: ...


# -- persistence ports ---------------------------------------------------------


class UnitOfWork(Protocol):
    """One transaction. ``async with uow:`` opens it; ``commit()`` commits and then
    publishes the events collected with ``emit()``; leaving without commit rolls back.

    Repositories are attributes; each area adds its own.
    """

    users: Any
    tokens: Any
    audit: Any
    runs: Any

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    def emit(self, event: Event) -> None: ...
