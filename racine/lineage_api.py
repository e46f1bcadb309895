"""OpenLineage REST endpoints (Marquez-compatible) and the lineage runtime wiring.

``POST /api/v1/lineage`` takes a RunEvent, DatasetEvent or JobEvent as JSON, plain
or ``Content-Encoding: gzip``. Gzip is inflated incrementally and stops at
:data:`MAX_EVENT_BYTES` decompressed, so a gzip bomb costs at most that much
memory. Answers: 201 accepted (also for a retry of an accepted event), 400 with
``{"code": 400, "message", "field"}`` for a bad event, 401 without a valid
Bearer token, 403 below EDITOR.

``GET /api/v1/lineage?nodeId=dataset:ns:name&depth=N`` and
``GET /api/v1/column-lineage?nodeId=datasetField:ns:name:field&depth=N`` answer
Marquez' ``{"graph": [...]}``.

:func:`install` also starts the propagation listener: catalog-channel events
that change labels or column edges become ``lineage.propagate`` jobs (batched),
run on the job queue when the app has one, inline otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
import zlib
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import racine.persistence.repositories.lineage  # noqa: F401  (registers uow.lineage)
from racine.domain.access.model import Principal
from racine.domain.access.use_cases import authenticate
from racine.domain.errors import (
    NotFound,
    PermissionDenied,
    RacineError,
    Unauthenticated,
    ValidationFailed,
)
from racine.domain.events import Channels
from racine.domain.lineage.events import propagation_targets
from racine.domain.lineage.intake import ingest_openlineage
from racine.domain.lineage.jobs import register_jobs
from racine.domain.lineage.marquez import column_lineage_graph, lineage_graph
from racine.domain.lineage.ports import LineageUnitOfWork
from racine.domain.lineage.relabel import JOB_KIND, propagate_from
from racine.domain.ports import EventBus, UnitOfWork
from racine.domain.text import NUL_MESSAGE, has_nul
from racine.schema.view import bearer

__all__ = ["MAX_EVENT_BYTES", "decode_body", "install", "routes"]

log = logging.getLogger("racine.lineage")

MAX_EVENT_BYTES = 20 * 1024 * 1024
_BATCH_S = 0.2


def _reply(status: int, message: str, field: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"code": status, "message": message}
    if field:
        body["field"] = field
    response = JSONResponse(body, status_code=status)
    if status == 401:
        response.headers["www-authenticate"] = 'Bearer realm="racine"'
    return response


def decode_body(raw: bytes, encoding: str) -> Any:
    """JSON of ``raw``, inflating gzip incrementally up to :data:`MAX_EVENT_BYTES`;
    an event with a NUL character in any of its text is refused (``racine.domain.text``)."""
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = bytearray()
        data = raw
        try:
            while data:
                out += inflater.decompress(data, MAX_EVENT_BYTES + 1 - len(out))
                if len(out) > MAX_EVENT_BYTES:
                    raise ValidationFailed(
                        "event larger than 20 MB once decompressed", field="body"
                    )
                data = inflater.unconsumed_tail
        except zlib.error:
            raise ValidationFailed("body is not valid gzip", field="body") from None
        if not inflater.eof:
            raise ValidationFailed("gzip stream is truncated", field="body")
        raw = bytes(out)
    elif encoding not in ("", "identity"):
        raise ValidationFailed(f"unsupported Content-Encoding {encoding!r}", field="body")
    if len(raw) > MAX_EVENT_BYTES:
        raise ValidationFailed("event larger than 20 MB", field="body")
    try:
        event = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationFailed(f"body is not JSON: {error}"[:200], field="body") from None
    if has_nul(event):
        raise ValidationFailed(NUL_MESSAGE, field="body")
    return event


def routes(uow_factory: Callable[[], UnitOfWork]) -> list[Route]:
    def uow() -> LineageUnitOfWork:
        return cast(LineageUnitOfWork, uow_factory())

    async def principal(request: Request) -> Principal:
        return await authenticate(uow_factory(), bearer(request.headers.get("authorization")))

    async def post_event(request: Request) -> Response:
        try:
            actor = await principal(request)
            raw = bytearray()
            async for chunk in request.stream():
                raw += chunk
                if len(raw) > MAX_EVENT_BYTES:
                    raise ValidationFailed("event larger than 20 MB", field="body")
            payload = await asyncio.to_thread(
                decode_body, bytes(raw), request.headers.get("content-encoding", "")
            )
            try:
                outcome = await ingest_openlineage(uow(), actor, payload)
            except IntegrityError:  # the same event raced us: it is stored, answer as a retry
                outcome = await ingest_openlineage(uow(), actor, payload)
        except Unauthenticated as exc:
            return _reply(401, exc.message)
        except PermissionDenied as exc:
            return _reply(403, exc.message)
        except RacineError as exc:
            return _reply(400, exc.message, exc.field)
        return JSONResponse(
            {
                "status": "duplicate" if outcome.duplicate else "created",
                "key": outcome.key,
                "kind": outcome.kind,
                "edges": outcome.edges,
            },
            status_code=201,
        )

    async def read(request: Request, build: Any) -> Response:
        try:
            actor = await principal(request)
            node_id = request.query_params.get("nodeId") or ""
            if not node_id:
                raise ValidationFailed("nodeId is required", field="nodeId")
            try:
                depth = int(request.query_params.get("depth") or 20)
            except ValueError:
                raise ValidationFailed("depth must be an integer", field="depth") from None
            graph = await build(uow(), actor, node_id, depth)
        except Unauthenticated as exc:
            return _reply(401, exc.message)
        except PermissionDenied as exc:
            return _reply(403, exc.message)
        except NotFound as exc:
            return _reply(404, exc.message, exc.field)
        except RacineError as exc:
            return _reply(400, exc.message, exc.field)
        return JSONResponse(graph)

    async def lineage_endpoint(request: Request) -> Response:
        if request.method == "POST":
            return await post_event(request)
        return await read(request, lineage_graph)

    async def column_endpoint(request: Request) -> Response:
        return await read(request, column_lineage_graph)

    return [
        Route("/api/v1/lineage", lineage_endpoint, methods=["GET", "POST"]),
        Route("/api/v1/column-lineage", column_endpoint, methods=["GET"]),
    ]


class PropagationListener:
    """Turns label- and edge-changing catalog events into propagation runs, batching
    the asset ids of events that arrive within 200 ms into one run."""

    def __init__(
        self, bus: EventBus, uow_factory: Callable[[], UnitOfWork], jobs: Callable[[], Any]
    ) -> None:
        self.bus = bus
        self.uow_factory = uow_factory
        self.jobs = jobs
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="lineage-propagation")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.ready.wait(), 5)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                async with self.bus.subscribe([Channels.CATALOG]) as events:
                    self.ready.set()
                    pending: set[uuid.UUID] = set()
                    iterator = events.__aiter__()
                    while True:
                        try:
                            # not wait_for: on 3.11 it can swallow a cancellation
                            async with asyncio.timeout(_BATCH_S if pending else None):
                                event = await iterator.__anext__()
                        except TimeoutError:
                            await self._dispatch(pending)
                            pending = set()
                            continue
                        pending |= propagation_targets(event)
            except asyncio.CancelledError:
                raise
            except StopAsyncIteration:
                continue
            except Exception:
                log.warning("propagation listener restarting", exc_info=True)
                await asyncio.sleep(1)

    async def _dispatch(self, asset_ids: set[uuid.UUID]) -> None:
        if not asset_ids:
            return
        queue = self.jobs()
        try:
            if queue is not None and hasattr(queue, "submit"):
                await queue.submit(JOB_KIND, {"assetIds": sorted(str(i) for i in asset_ids)})
            else:
                await propagate_from(cast(LineageUnitOfWork, self.uow_factory()), asset_ids)
        except Exception:
            log.warning("label propagation failed", exc_info=True)


def install(runtime: Any) -> list[Route]:
    """Lineage routes, plus start/stop hooks for propagation, on ``runtime``."""
    listener = PropagationListener(runtime.bus, runtime.uow, lambda: runtime.jobs)

    async def on_start(rt: Any) -> None:
        if rt.jobs is not None and hasattr(rt.jobs, "register"):
            register_jobs(rt.jobs)  # idempotent; the wiring registers it for workers too
        await listener.start()

    async def on_stop(rt: Any) -> None:
        await listener.stop()

    runtime.on_start.append(on_start)
    runtime.on_stop.append(on_stop)
    runtime.lineage_listener = listener
    return routes(runtime.uow)
