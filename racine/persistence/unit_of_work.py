"""Unit of Work over one AsyncSession; events go out only after a successful commit."""

from __future__ import annotations

import logging
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.events import Event
from racine.domain.ports import EventBus
from racine.persistence.database import Database

__all__ = ["SqlUnitOfWork"]

# Areas register their repositories here (attribute name → factory over a session),
# so the UnitOfWork stays closed for modification as areas are added. Defined
# before the repository imports below: ``repositories/__init__`` imports the area
# modules, which call ``register_repository`` while this module is still loading.
_EXTRA_REPOSITORIES: dict[str, type] = {}


def register_repository(name: str, factory: type) -> None:
    _EXTRA_REPOSITORIES[name] = factory


from racine.persistence.repositories.access import (  # noqa: E402 - after the registry
    TokenRepository,
    UserRepository,
)
from racine.persistence.repositories.audit import AuditRepository  # noqa: E402
from racine.persistence.repositories.runs import RunRepository  # noqa: E402

log = logging.getLogger(__name__)


class SqlUnitOfWork:
    """``async with uow:`` begins; ``commit()`` commits then publishes; exit rolls back.

    A UnitOfWork object may be entered again after it exits (one transaction at a
    time); callers usually make one per use case through ``uow_factory()``.
    """

    session: AsyncSession

    def __init__(self, db: Database, bus: EventBus) -> None:
        self.db = db
        self.bus = bus
        self._events: list[Event] = []
        self._depth = 0

    async def __aenter__(self) -> SqlUnitOfWork:
        self._depth += 1
        if self._depth > 1:  # nested use case: join the open transaction
            return self
        self.session = self.db.session()
        self.users = UserRepository(self.session)
        self.tokens = TokenRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.runs = RunRepository(self.session)
        for name, factory in _EXTRA_REPOSITORIES.items():
            setattr(self, name, factory(self.session))
        self._events = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        try:
            await self.session.rollback()
        finally:
            await self.session.close()
            self._events = []

    async def commit(self) -> None:
        if self._depth > 1:
            return  # the outermost use case commits
        await self.session.commit()
        events, self._events = self._events, []
        for event in events:
            try:
                await self.bus.publish(event)
            except Exception:  # events are best-effort; state is committed
                log.warning("event publish failed", extra={"channel": event.channel})

    async def rollback(self) -> None:
        await self.session.rollback()
        self._events = []

    def emit(self, event: Event) -> None:
        self._events.append(event)
