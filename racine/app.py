"""Composition root: build the ASGI app from settings."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from racine.config import Environment, Settings
from racine.domain.access.use_cases import bootstrap_admin
from racine.domain.ports import EventBus
from racine.http import BodyLimit, RequestId
from racine.jobs import build_job_queue
from racine.jobs.base import RunQueue
from racine.lineage_api import install as install_lineage
from racine.logs import slow_step_warnings
from racine.metrics import Metrics
from racine.persistence.database import Database
from racine.persistence.migrate import require_migrated, upgrade_async
from racine.persistence.unit_of_work import SqlUnitOfWork
from racine.realtime import build_bus
from racine.realtime.collab_app import install_rooms
from racine.realtime.yjs_endpoint import yjs_endpoint
from racine.resolvers.context import Services
from racine.schema.build import build_schema
from racine.schema.view import GraphQLEndpoint
from racine.wiring import setup_jobs

__all__ = ["Runtime", "create_app"]

log = logging.getLogger("racine")

MAX_BODY = 25 * 1024 * 1024  # OpenLineage events can be large; GraphQL stays far below


@dataclass
class Runtime:
    """Everything the app owns while it runs; tests reach in through ``app.state.runtime``."""

    settings: Settings
    db: Database
    bus: EventBus
    metrics: Metrics
    services: Services
    jobs: RunQueue | None = None
    bootstrap_secret: str | None = None
    on_start: list[Callable[[Runtime], Any]] = field(default_factory=list)
    on_stop: list[Callable[[Runtime], Any]] = field(default_factory=list)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.db, self.bus)


def create_app(settings: Settings, *, announce: Callable[[str], None] | None = None) -> Starlette:
    """Build the app. ``announce`` receives the bootstrap admin token (printed once)."""
    metrics = Metrics()
    db = Database(
        settings.resolved_database_url,
        statement_timeout_ms=settings.statement_timeout_ms,
        pool_size=settings.pool_size,
    )
    bus = build_bus(
        settings.redis_url,
        queue_size=settings.subscriber_queue_size,
        channel_prefix=settings.redis_channel_prefix,
    )
    services = Services(
        uow_factory=lambda: SqlUnitOfWork(db, bus), bus=bus, settings=settings, metrics=metrics
    )
    runtime = Runtime(settings=settings, db=db, bus=bus, metrics=metrics, services=services)
    jobs = build_job_queue(
        settings,
        db,
        bus,
        services.uow_factory,
        on_outcome=lambda kind, state: metrics.job_outcomes.labels(kind=kind, state=state).inc(),
    )
    setup_jobs(jobs, settings)
    services.jobs = runtime.jobs = jobs
    schema = build_schema(
        max_depth=settings.max_depth,
        max_tokens=settings.max_tokens,
        max_aliases=settings.max_aliases,
        max_cost=settings.max_cost,
        metrics=metrics,
    )
    graphql = GraphQLEndpoint(
        schema,
        services,
        graphiql=settings.graphiql_enabled,
        allowed_origins=settings.allowed_origins,
        max_subscriptions=settings.max_subscriptions_per_connection,
        init_timeout_s=settings.ws_init_timeout_s,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.env is Environment.EMBEDDED:
            await upgrade_async(settings.resolved_database_url)
        else:
            await require_migrated(db.engine)
        await bus.start()
        await jobs.start()
        preset = settings.bootstrap_token.get_secret_value() if settings.bootstrap_token else None
        runtime.bootstrap_secret = await bootstrap_admin(runtime.uow(), preset)
        if runtime.bootstrap_secret and announce is not None:
            announce(runtime.bootstrap_secret)
        for hook in runtime.on_start:
            await hook(runtime)
        try:
            yield
        finally:
            for hook in reversed(runtime.on_stop):
                async with slow_step_warnings(getattr(hook, "__qualname__", "stop hook")):
                    with contextlib.suppress(Exception):
                        await hook(runtime)
            async with slow_step_warnings("jobs"):
                await jobs.stop()  # finishes running jobs or re-queues them
            async with slow_step_warnings("bus"):
                await bus.stop()
            async with slow_step_warnings("database"):
                await db.dispose()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        checks = {"database": await db.ping(), "events": await bus.ping()}
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
        )

    async def metrics_endpoint(request: Request) -> Response:
        if runtime.jobs is not None:
            with contextlib.suppress(Exception):
                metrics.queue_depth.set(await runtime.jobs.depth())
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            WebSocketRoute("/yjs/{document_id:path}", yjs_endpoint),
            *install_lineage(runtime),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_rooms(runtime)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY)
    app.add_middleware(RequestId, metrics=metrics)
    return app
