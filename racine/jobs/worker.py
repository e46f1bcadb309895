"""``racine worker``: executes runs from the PostgreSQL queue until SIGTERM/SIGINT.

With ``RACINE_WORKER_METRICS_PORT`` set, the worker serves ``GET /metrics``
(Prometheus) on that port, all interfaces: the runs it finished, by kind and state
(``racine_job_outcomes``), which the API's ``/metrics`` cannot count when the
runs execute here. The queue's depth is the API's to report (one number for the
cluster)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from typing import cast

from prometheus_client import CollectorRegistry, start_http_server

from racine.config import Settings
from racine.domain.ports import EventBus, UnitOfWork
from racine.jobs.base import RunQueue
from racine.jobs.options import JobOptions
from racine.jobs.pgqueue import PgJobQueue
from racine.logs import slow_step_warnings
from racine.metrics import job_outcomes
from racine.persistence.database import Database
from racine.persistence.migrate import require_migrated
from racine.persistence.unit_of_work import SqlUnitOfWork

__all__ = ["run_worker"]

log = logging.getLogger(__name__)


async def run_worker(
    settings: Settings,
    *,
    setup: Callable[[RunQueue], None] | None = None,
    bus: EventBus | None = None,
    options: JobOptions | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run one worker. ``setup(queue)`` registers handlers and schedules (the same
    function the app uses). Stops gracefully on SIGTERM/SIGINT or when ``stop`` is set:
    running handlers get ``shutdown_timeout`` seconds, the rest are re-queued."""
    url = settings.resolved_database_url
    if not url.startswith("postgresql"):
        raise ValueError("racine worker needs PostgreSQL (RACINE_DATABASE_URL)")
    if bus is None:
        from racine.realtime import build_bus

        bus = build_bus(settings.redis_url, channel_prefix=settings.redis_channel_prefix)
    db = Database(
        url, statement_timeout_ms=settings.statement_timeout_ms, pool_size=settings.pool_size
    )
    event_bus = bus
    registry = CollectorRegistry()
    outcomes = job_outcomes(registry)
    queue = PgJobQueue(
        lambda: cast(UnitOfWork, SqlUnitOfWork(db, event_bus)),
        event_bus,
        options or JobOptions.from_settings(settings),
        database_url=url,
        consume=True,
        on_outcome=lambda kind, state: outcomes.labels(kind=kind, state=state).inc(),
    )
    if setup is not None:
        setup(queue)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await event_bus.start()
    server = None
    try:
        await require_migrated(db.engine)
        if settings.worker_metrics_port is not None:
            server, _ = start_http_server(settings.worker_metrics_port, registry=registry)
        await queue.start()
        log.info("worker started", extra={"kinds": sorted(queue.registry.kinds)})
        await stop.wait()
        log.info("worker stopping")
        async with slow_step_warnings("jobs"):
            await queue.stop()
    finally:
        if server is not None:  # its thread polls for shutdown every 0.5 s: not on the loop
            await asyncio.to_thread(server.shutdown)
            server.server_close()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        async with slow_step_warnings("bus"):
            await event_bus.stop()
        async with slow_step_warnings("database"):
            await db.dispose()
