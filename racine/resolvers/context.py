"""The typed per-request context (per connection for WebSockets)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from racine.domain.access.model import Principal
from racine.domain.errors import Unauthenticated
from racine.domain.ports import EventBus, JobQueue, UnitOfWork
from racine.resolvers.denials import DenialPacer

if TYPE_CHECKING:
    from racine.resolvers.loaders import DataLoaders

__all__ = ["Context", "Services"]


@dataclass
class Services:
    """Application-wide collaborators, built once by the composition root."""

    uow_factory: Callable[[], UnitOfWork]
    bus: EventBus
    jobs: JobQueue | None = None
    settings: Any = None
    metrics: Any = None
    extras: dict[str, Any] = field(default_factory=dict)
    denials: DenialPacer = field(default_factory=DenialPacer)
    """Which refused mutations are audited one by one (``resolvers.denials``)."""


@dataclass
class Context:
    services: Services
    request: Any
    response: Any
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    principal: Principal | None = None
    connection_params: dict[str, Any] | None = None
    _loaders: DataLoaders | None = None

    def uow(self) -> UnitOfWork:
        return self.services.uow_factory()

    @property
    def bus(self) -> EventBus:
        return self.services.bus

    @property
    def actor(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated("authentication required")
        return self.principal

    @property
    def loaders(self) -> DataLoaders:
        from racine.resolvers.loaders import DataLoaders

        if self._loaders is None:
            self._loaders = DataLoaders.build(self)
        return self._loaders

    def reset_loaders(self) -> None:
        """Long-lived subscriptions call this per event so caches never go stale."""
        self._loaders = None
