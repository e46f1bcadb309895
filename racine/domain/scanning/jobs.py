"""Plugging scanning into the job queue: the ``scan`` handler and cron schedules.

The composition root calls :func:`install_scan_jobs` with the queue, the connector
factory and the platform secret (the app and ``racine worker`` alike). Data sources
carry a cron ``schedule``; one queue schedule (``scan.schedule``, every minute)
starts a scan for each source whose ``next_scan_at`` has come, then advances it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from racine.domain.access.model import Principal
from racine.domain.catalog.ports import CatalogUnitOfWork
from racine.domain.errors import Conflict
from racine.domain.ports import JobQueue
from racine.domain.runs.context import JobContext
from racine.domain.runs.model import JobRun
from racine.domain.scanning.analysis import prepare_worker
from racine.domain.scanning.credentials import CredentialCipher
from racine.domain.scanning.job import ScanJob
from racine.domain.scanning.scans import SCAN_KIND, StartScan, start_scan
from racine.domain.scanning.sources import CONNECTION_CHECK_S, ConnectorFactory
from racine.domain.schedules import next_tick

__all__ = ["SCHEDULE_KIND", "fire_due_scans", "install_scan_jobs", "register_jobs"]

log = logging.getLogger(__name__)

SCHEDULE_KIND = "scan.schedule"


async def fire_due_scans(
    uow_factory: Callable[[], CatalogUnitOfWork], queue: JobQueue, now: datetime | None = None
) -> list[str]:
    """Start a scan of every source whose cron tick has come; returns their names.
    A source already being scanned skips this tick (its next tick is set anyway)."""
    now = now or datetime.now(UTC)
    async with uow_factory() as uow:
        due = await uow.sources.due_for_scan(now)
        for source in due:
            source.next_scan_at = next_tick(source.schedule, now)
            await uow.sources.save(source)
        await uow.commit()
    started = []
    for source in due:
        try:
            await start_scan(uow_factory, queue, Principal.system(), StartScan(source.id))
        except Conflict:
            continue
        started.append(source.name)
    return started


def install_scan_jobs(
    queue: Any,
    *,
    connectors: ConnectorFactory,
    secret: str | Callable[[], str],
    connect_timeout_s: Callable[[], float] = lambda: CONNECTION_CHECK_S,
) -> None:
    """Register the ``scan`` and ``scan.schedule`` handlers on a
    :class:`racine.jobs.RunQueue` and the once-a-minute schedule check. ``secret``
    may be a callable, read at the first scan; so is ``connect_timeout_s``, the
    bound of a scan's first contact with its source."""
    cipher = CredentialCipher(secret) if isinstance(secret, str) else secret
    job = ScanJob(connectors, cipher, connect_timeout_s)
    job.after_scan.append(lambda ctx, source_id: _after_scan(ctx.uow_factory, queue, source_id))
    queue.register(SCAN_KIND, job)
    queue.prepare_cpu(prepare_worker)

    async def check_schedules(ctx: JobContext, run: JobRun) -> dict[str, Any]:
        started = await fire_due_scans(ctx.uow_factory, queue)  # type: ignore[arg-type]
        return {"started": started}

    queue.register(SCHEDULE_KIND, check_schedules)
    queue.schedule(SCHEDULE_KIND, "* * * * *", dict)


async def _after_scan(uow_factory: Any, queue: Any, source_id: Any) -> Any:
    """Queue the compliance evaluation and quality checks of the scanned source."""
    from racine.domain.compliance.hooks import after_scan

    return await after_scan(uow_factory, queue, source_id)


def register_jobs(queue: Any, settings: Any = None) -> None:
    """Entry point for ``racine.wiring.AREAS``. The connector factory is
    ``racine.connectors.connector_for`` (looked up at wiring time, so the domain has
    no static dependency on it), bounded by ``RACINE_SOURCE_STATEMENT_TIMEOUT_S``. The
    secret comes from ``settings`` when given (or held by the queue), else from the
    ``RACINE_*`` environment at the first scan, as ``racine serve`` and ``racine
    worker`` both read it."""
    import importlib

    connector_for = importlib.import_module("racine.connectors").connector_for
    settings = settings or getattr(queue, "settings", None)

    def current() -> Any:
        return settings or importlib.import_module("racine.config").load_settings()

    def connectors(url: str) -> Any:
        return connector_for(url, statement_timeout_s=float(current().source_statement_timeout_s))

    install_scan_jobs(
        queue,
        connectors=connectors,
        secret=lambda: str(current().secret()),
        connect_timeout_s=lambda: float(current().source_connect_timeout_s),
    )
