"""The distributed queue: pgqueuer on PostgreSQL carries run ids to ``racine worker``s.

A pgqueuer job holds only the run id, deduplicated on it (at most one queued or
picked job per run). The run row stays the truth: a worker claims it with a
guarded update, so a duplicate or late job is a no-op. Workers sweep every
``poll_every`` seconds: orphaned RUNNING runs (heartbeat older than
``stale_after``) are recovered, and QUEUED runs without a pgqueuer job (dispatch
failed, or re-queued at a shutdown) get one.

API processes use this class with ``consume=False``: they enqueue, never execute.

Both asyncpg connections (the producer's and pgqueuer's consumer) are replaced when
the server drops them (a PostgreSQL restart or failover): an enqueue on a closed
connection reconnects and tries once more, and a consumer whose connection fails
starts again on a new one after ``poll_every`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg
from pgqueuer.db import AsyncpgDriver
from pgqueuer.models import Job
from pgqueuer.qm import QueueManager
from pgqueuer.queries import Queries

from racine.domain.ports import EventBus, UnitOfWork
from racine.domain.runs.model import RunState
from racine.jobs.base import RunQueue
from racine.jobs.options import JobOptions
from racine.jobs.reasons import failure_reason
from racine.jobs.recovery import Recovered, recover_orphans
from racine.jobs.registry import HandlerRegistry
from racine.jobs.runner import OutcomeHook
from racine.jobs.schema import asyncpg_dsn, install_queue_schema

__all__ = ["ENTRYPOINT", "PgJobQueue"]

log = logging.getLogger(__name__)

ENTRYPOINT = "racine.run"
_REDISPATCH_BATCH = 1000
# What asyncpg raises on a connection the server closed or is closing.
_CONNECTION_LOST = (
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, terminated backend
    OSError,
)


def _lost(exc: Exception, conn: asyncpg.Connection | None) -> bool:
    return isinstance(exc, _CONNECTION_LOST) or conn is None or conn.is_closed()


class PgJobQueue(RunQueue):
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        bus: EventBus,
        options: JobOptions,
        *,
        database_url: str,
        consume: bool,
        registry: HandlerRegistry | None = None,
        on_outcome: OutcomeHook | None = None,
    ) -> None:
        super().__init__(uow_factory, bus, options, registry=registry, on_outcome=on_outcome)
        self._dsn = asyncpg_dsn(database_url)
        self._database_url = database_url
        self.consume = consume
        self._producer: asyncpg.Connection | None = None
        self._queries: Queries | None = None
        self._lock = asyncio.Lock()
        self._consumer: asyncpg.Connection | None = None
        self._qm: QueueManager | None = None
        self._qm_task: asyncio.Task[None] | None = None
        self._stopping = False
        self.recovered: Recovered | None = None

    async def start(self) -> None:
        await install_queue_schema(self._database_url)
        self._stopping = False
        await self._connect_producer()
        if not self.consume:
            return
        await self.runner.start()
        await self.sweep()
        await self._open_consumer()
        self._qm_task = asyncio.create_task(self._consume_forever(), name="racine-jobs-pgqueuer")
        self._spawn(self._sweep_forever(), "racine-jobs-sweep")
        self._spawn(self.scheduler.run_forever(), "racine-jobs-schedule")

    async def _connect_producer(self) -> None:
        old, self._producer = self._producer, await asyncpg.connect(self._dsn)
        self._queries = Queries(AsyncpgDriver(self._producer))
        if old is not None:
            with contextlib.suppress(Exception):
                await old.close()

    async def _open_consumer(self) -> None:
        self._consumer = await asyncpg.connect(self._dsn)
        self._qm = QueueManager(Queries(AsyncpgDriver(self._consumer)))
        self._qm.entrypoint(ENTRYPOINT, accepts_context=False)(self._consume)

    async def _consume_forever(self) -> None:
        """Run pgqueuer until stopped; when its connection fails, start it again on a
        new one (its picked jobs come back to a worker after ``stale_after``)."""
        while not self._stopping:
            qm = self._qm
            try:
                if qm is None:
                    raise RuntimeError("no consumer connection")
                # pgqueuer wants its cap to be at least twice the batch; one extra picked
                # job then waits on the runner's slots, with pgqueuer's heartbeat alive.
                await qm.run(
                    dequeue_timeout=timedelta(seconds=self.options.poll_every),
                    batch_size=1,
                    max_concurrent_tasks=max(2, self.options.workers),
                    heartbeat_timeout=timedelta(seconds=self.options.stale_after),
                )
                if self._stopping:
                    return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._stopping:
                    return
                log.warning(
                    "job consumer lost its connection; reconnecting",
                    extra={"error": failure_reason(exc)},
                )
            await self._close_consumer()
            await asyncio.sleep(self.options.poll_every)
            if self._stopping:
                return
            try:
                await self._open_consumer()
            except Exception as exc:
                log.warning(
                    "job consumer cannot reconnect yet", extra={"error": failure_reason(exc)}
                )

    async def _close_consumer(self) -> None:
        conn, self._consumer, self._qm = self._consumer, None, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    async def dispatch(self, run_id: str) -> None:
        await self._enqueue([run_id])

    async def stop(self, wait_s: float | None = None) -> None:
        """Stop taking jobs, wait up to ``wait_s`` for running handlers, re-queue the
        rest and hand them back to pgqueuer for another worker."""
        self._stopping = True
        await self._cancel_tasks()
        if self._qm_task is not None:
            if self._qm is not None:
                self._qm.shutdown.set()
            await self.runner.drain(self.options.shutdown_timeout if wait_s is None else wait_s)
            try:
                await asyncio.wait_for(self._qm_task, 15)
            except Exception as exc:
                log.warning("pgqueuer stopped uncleanly", extra={"error": failure_reason(exc)})
            with contextlib.suppress(Exception):
                await self._redispatch_queued()
        self.runner.close()
        for conn in (self._consumer, self._producer):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
        self._consumer = self._producer = None
        self._queries = None
        self._qm = self._qm_task = None

    async def sweep(self) -> Recovered:
        """Recover orphaned runs and give every QUEUED run a pgqueuer job."""
        cutoff = datetime.now(UTC) - timedelta(seconds=self.options.stale_after)
        self.recovered = await recover_orphans(self.uow_factory, stale_before=cutoff)
        await self._redispatch_queued()
        return self.recovered

    async def _consume(self, job: Job) -> None:
        if job.payload is None:
            return
        try:
            run_id = uuid.UUID(job.payload.decode())
        except ValueError:
            log.warning("malformed job payload dropped", extra={"job_id": int(job.id)})
            return
        await self.runner.execute(run_id)

    async def _redispatch_queued(self) -> None:
        async with self.uow_factory() as uow:
            queued = await uow.runs.in_states([RunState.QUEUED], limit=_REDISPATCH_BATCH)
        if queued:
            await self._enqueue([str(r.id) for r in queued])

    async def _enqueue(self, run_ids: list[str]) -> None:
        if self._queries is None:
            raise RuntimeError("the job queue is not started")
        async with self._lock:
            try:
                await self._enqueue_once(run_ids)
            except Exception as exc:
                if not _lost(exc, self._producer):
                    raise
                # The server dropped the connection (restart, failover): once more on
                # a new one. The enqueue is deduplicated on run id, so a retry of one
                # that did commit adds nothing.
                await self._connect_producer()
                await self._enqueue_once(run_ids)

    async def _enqueue_once(self, run_ids: list[str]) -> None:
        assert self._queries is not None
        await self._queries.enqueue(
            [ENTRYPOINT] * len(run_ids),
            [r.encode() for r in run_ids],
            [0] * len(run_ids),
            dedupe_key=list[str | None](run_ids),
            on_conflict="skip",
        )

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.options.poll_every)
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("job sweep failed", extra={"error": failure_reason(exc)})
