"""Chooses the queue for a deployment (the composition root calls this)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from racine.domain.ports import EventBus, UnitOfWork
from racine.jobs.base import RunQueue
from racine.jobs.inprocess import InProcessJobQueue
from racine.jobs.options import JobOptions
from racine.jobs.pgqueue import PgJobQueue
from racine.jobs.registry import HandlerRegistry
from racine.jobs.runner import OutcomeHook

__all__ = ["build_job_queue"]


def build_job_queue(
    settings: Any,
    db: Any,
    bus: EventBus,
    uow_factory: Callable[[], UnitOfWork],
    *,
    options: JobOptions | None = None,
    registry: HandlerRegistry | None = None,
    on_outcome: OutcomeHook | None = None,
    consume: bool = False,
) -> RunQueue:
    """``settings.distributed_jobs`` → pgqueuer on the PostgreSQL database (this
    process only enqueues unless ``consume``); otherwise the in-process runner.

    ``db`` is the :class:`~racine.persistence.database.Database` (its URL is used).
    """
    opts = options or JobOptions.from_settings(settings)
    if settings.distributed_jobs:
        if db.dialect != "postgresql":
            raise ValueError("distributed jobs need PostgreSQL (RACINE_DATABASE_URL)")
        return PgJobQueue(
            uow_factory,
            bus,
            opts,
            database_url=db.url,
            consume=consume,
            registry=registry,
            on_outcome=on_outcome,
        )
    return InProcessJobQueue(uow_factory, bus, opts, registry=registry, on_outcome=on_outcome)
