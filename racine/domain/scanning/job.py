"""The ``scan`` job: walk a source through its connector into the catalog.

Per table: reflect, sample (bounded by the rule set, whatever the table's size:
row counts are the engine's estimates), classify and profile in the process
pool, store, report progress. A table that fails (dropped mid-scan, permission
denied, a type the driver cannot read) is recorded as a per-table error and the
scan carries on. The scan fails only when the source itself cannot be reached,
or when every table failed.

Throughput: several tables are read and analysed at once (``CONCURRENCY``; that
also bounds the samples held in memory), one process-pool call per table does
all of its CPU work, and a single writer stores finished tables in batches
(``BATCH_TABLES`` per transaction, or whatever finished within
``BATCH_SECONDS``). Stored columns are loaded a chunk of tables at a time and
dropped once stored, so memory does not grow with the source. ``TABLE_STARTED``
events are rate-limited; ``TABLE_FINISHED``/``TABLE_FAILED`` are sent for every
table, after its batch committed. Cancellation is checked before each table (at
most every ``CANCEL_CHECK_S``) and before each batch is stored: a running scan
stops within a table or two, and stores nothing more once cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

from racine.domain.access.model import Principal
from racine.domain.audit.record import record
from racine.domain.catalog.model import Asset, AssetKind, utcnow
from racine.domain.catalog.ports import CatalogUnitOfWork
from racine.domain.classification.custom import classifier_config as build_classifier_config
from racine.domain.classification.levels import refresh_source_sensitivity
from racine.domain.classification.ports import ClassificationUnitOfWork
from racine.domain.errors import ConnectionFailed, NotFound, RacineError, Unavailable
from racine.domain.events import Channels, Event
from racine.domain.lineage.ingest import ingest_view_lineage
from racine.domain.lineage.ports import LineageUnitOfWork
from racine.domain.runs.context import JobContext
from racine.domain.runs.model import JobRun
from racine.domain.scanning.analysis import ColumnAnalysis
from racine.domain.scanning.credentials import CredentialCipher
from racine.domain.scanning.merging import CatalogState, StoredTable
from racine.domain.scanning.model import Scan, ScanRuleSet, TableError
from racine.domain.scanning.partial import partial_read, unread_columns
from racine.domain.scanning.progress import ScanProgress
from racine.domain.scanning.rules import selects_schema, selects_table
from racine.domain.scanning.rulesets import load_rule_set
from racine.domain.scanning.source import SourceConnector, TableKind, TableMeta
from racine.domain.scanning.sources import (
    CONNECTION_CHECK_S,
    ConnectorFactory,
    check_connector,
)
from racine.domain.scanning.sync import (
    analyze_for_storage,
    ensure_container,
    load_columns,
    remove_missing,
    store_tables,
)
from racine.domain.scanning.urls import SourceUrl
from racine.domain.throttle import TokenBucket

__all__ = [
    "BATCH_SECONDS",
    "BATCH_TABLES",
    "CONCURRENCY",
    "REFLECT_TABLES",
    "ScanFailed",
    "ScanJob",
]

log = logging.getLogger(__name__)

# Our engine names → sqlglot dialects, for the lineage of views.
SQL_DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite"}

CONCURRENCY = 4
"""Tables reflected, sampled and analysed at once (the source connector pools 4
connections; the process pool has one worker per core)."""
BATCH_TABLES = 25
"""Finished tables stored per metadata transaction."""
REFLECT_TABLES = 100
"""Tables reflected together, and whose stored columns are loaded together: per
1,000 PostgreSQL tables, chunks of 25 cost 2.0 s of CPU (client and server), of
100 1.2 s (each chunk's catalog queries also list the whole schema)."""
BATCH_SECONDS = 1.0
"""A batch is written at the latest this long after its first table finished."""
CANCEL_CHECK_S = 0.5
_PERSIST_EVERY_S = 2.0
_STARTED_BURST = 8
_STARTED_PER_S = 4.0
_TABLE_ERRORS = (RacineError, UnicodeError, ValueError, OverflowError)


class ScanFailed(RacineError):
    """The scan as a whole failed (the message is the run's reason, secret-free)."""

    code = "SCAN_FAILED"


@dataclass
class _Finished:
    """A table read and analysed (``stored`` set) or failed (``error`` set)."""

    qualified: str
    stored: StoredTable | None = None
    error: BaseException | None = None
    partial: TableError | None = None  # stored, but some columns could not be read


@dataclass
class _Run:
    """One attempt of one scan: what the pipeline stages share."""

    ctx: JobContext
    make: Callable[[], CatalogUnitOfWork]
    actor: Principal
    rules: ScanRuleSet
    config: Any
    connector: SourceConnector
    state: CatalogState
    progress: ScanProgress
    containers: dict[str, Asset]
    dialect: str = "postgres"  # sqlglot's name for the source's SQL
    keep: set[str] = field(default_factory=set)
    views: list[tuple[Asset, str, str | None]] = field(default_factory=list)  # asset, SQL, schema
    started_events: TokenBucket = field(
        default_factory=lambda: TokenBucket(_STARTED_PER_S, _STARTED_BURST)
    )
    cancel_checked: float = float("-inf")

    @property
    def classified_types(self) -> frozenset[str] | None:
        """The label types this scan looks for: None for every type, none when the
        rule set turns classification off."""
        return frozenset() if self.config is None else self.config.enabled_types


class ScanJob:
    """The handler registered for kind ``scan`` (see ``racine.domain.scanning.jobs``)."""

    def __init__(
        self,
        connectors: ConnectorFactory,
        cipher: CredentialCipher | Callable[[], str],
        connect_timeout_s: Callable[[], float] = lambda: CONNECTION_CHECK_S,
    ) -> None:
        """``cipher`` may be a callable returning the platform secret, read at the
        first scan (the secret need not be known when handlers are registered);
        ``connect_timeout_s`` returns the bound of the first contact with a source."""
        self.connectors = connectors
        self._cipher = cipher
        self._connect_timeout_s = connect_timeout_s
        # Called with (ctx, source_id) after a successful scan (see ``jobs.py``).
        self.after_scan: list[Callable[[JobContext, uuid.UUID], Awaitable[Any]]] = []

    @property
    def cipher(self) -> CredentialCipher:
        if not isinstance(self._cipher, CredentialCipher):
            self._cipher = CredentialCipher(self._cipher())
        return self._cipher

    async def __call__(self, ctx: JobContext, run: JobRun) -> dict[str, Any]:
        make: Callable[[], CatalogUnitOfWork] = ctx.uow_factory  # type: ignore[assignment]
        scan_id = uuid.UUID(str(run.payload["scan_id"]))
        async with make() as uow:
            scan: Scan | None = await uow.sources.get_scan(scan_id)
            if scan is None:
                raise ScanFailed("the scan record is missing")
            source = await uow.sources.get(scan.source_id)
            if source is None:
                raise ScanFailed("the data source was deleted")
            rules = await load_rule_set(uow, scan.rule_set_id)
            config = (
                await build_classifier_config(cast(ClassificationUnitOfWork, uow), rules)
                if rules.classification
                else None
            )
            state = CatalogState(
                source.id,
                {a.qualified_name: a for a in await uow.catalog.structure_of(source.id)},
                scan_id=scan_id,
            )
        actor = Principal.system()  # who started the scan is in its ``scan.start`` audit
        url = self.cipher.decrypt(source.secret)
        target = SourceUrl.parse(url)
        progress = ScanProgress(scan_id)
        connector = self.connectors(url)
        try:
            # Bounded as testDataSourceConnection is: a server that accepts the TCP
            # connection and never answers fails the scan as TIMEOUT within the bound.
            check = await check_connector(connector, url, timeout_s=self._connect_timeout_s())
            if not check.ok:
                raise ScanFailed(f"{check.reason}: {check.message}")
            try:
                schemas = [s for s in await connector.list_schemas() if selects_schema(rules, s)]
            except ConnectionFailed as exc:
                raise ScanFailed(f"{exc.reason}: {exc.message}") from None
            plan: list[tuple[str, str]] = []
            listed: set[str] = set()
            for schema in schemas:
                try:
                    refs = await connector.list_tables(schema)
                except (ConnectionFailed, NotFound) as exc:
                    progress.errors.append(TableError(schema, _reason(exc), exc.message))
                    continue
                listed.add(schema)
                plan += [(schema, r.name) for r in refs if selects_table(rules, schema, r.name)]
            progress.total = len(plan)

            containers: dict[str, Asset] = {}
            async with make() as uow:
                root = await uow.catalog.get(source.id)
                db_name = target.database_name
                database = await ensure_container(
                    uow,
                    actor,
                    state,
                    AssetKind.DATABASE,
                    db_name,
                    f"{source.name}.{db_name}",
                    root.id,
                )
                for schema in sorted(listed):
                    containers[schema] = await ensure_container(
                        uow,
                        actor,
                        state,
                        AssetKind.SCHEMA,
                        schema,
                        f"{database.qualified_name}.{schema}",
                        database.id,
                    )
                await self._report(uow, progress, "SCAN_STARTED")
                await uow.commit()
            await self._heartbeat(ctx, progress, "SCAN_STARTED")

            job = _Run(
                ctx,
                make,
                actor,
                rules,
                config,
                connector,
                state,
                progress,
                containers,
                dialect=SQL_DIALECTS.get(target.engine, "postgres"),
            )
            await self._pipeline(job, plan)
            await self._view_lineage(job)

            async with make() as uow:
                qualified_schemas = {containers[s].qualified_name for s in listed}
                # Stored schemas the rules select that the source no longer lists
                # were dropped: they go, with their tables (a schema the rules
                # leave out is not read, and its assets stay as they are).
                # A database the source no longer points at (its URL was changed to
                # another database) goes with every schema under it, whatever the rules.
                moved = {
                    a.id: a.qualified_name
                    for a in state.by_name.values()
                    if a.kind is AssetKind.DATABASE and a.id != database.id and a.deleted_at is None
                }
                dropped = frozenset(
                    a.qualified_name
                    for a in state.by_name.values()
                    if a.kind is AssetKind.SCHEMA
                    and a.deleted_at is None
                    and (
                        a.parent_id in moved
                        or (
                            a.parent_id == database.id
                            and a.name not in schemas
                            and selects_schema(rules, a.name)
                        )
                    )
                ).union(moved.values())
                gone = await remove_missing(
                    uow, actor, state, job.keep, qualified_schemas, utcnow(), dropped
                )
                progress.removed = sum(a.kind in (AssetKind.TABLE, AssetKind.VIEW) for a in gone)
                await refresh_source_sensitivity(cast(ClassificationUnitOfWork, uow), source.id)
                await self._report(uow, progress, "SCAN_FINISHED")
                await record(uow, actor, "scan.finish", "Scan", scan_id, progress.counters())
                await uow.commit()
            await self._heartbeat(ctx, progress, "SCAN_FINISHED")
        finally:
            await connector.close()
        if progress.total and progress.failed == progress.total:
            raise ScanFailed(
                f"every table failed ({progress.failed}); first: {progress.errors[-1].message}"
            )
        for follow_up in self.after_scan:  # e.g. compliance and quality runs, queued
            try:
                await follow_up(ctx, source.id)
            except Exception:  # a follow-up never fails the scan that succeeded
                log.warning("post-scan follow-up failed", extra={"scan": str(scan_id)})
        return progress.counters()

    # -- the pipeline: readers (bounded) -> one batching writer ---------------------------

    async def _pipeline(self, job: _Run, plan: list[tuple[str, str]]) -> None:
        finished: asyncio.Queue[_Finished | None] = asyncio.Queue(maxsize=2 * BATCH_TABLES)
        slots = asyncio.Semaphore(CONCURRENCY)
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._writer(job, finished))
                for first in range(0, len(plan), REFLECT_TABLES):
                    chunk = plan[first : first + REFLECT_TABLES]
                    names = [f"{job.containers[s].qualified_name}.{n}" for s, n in chunk]
                    async with job.make() as uow:
                        known = await load_columns(
                            uow, job.state, names, classified_types=job.classified_types
                        )
                    metas = await self._reflect(job, chunk)
                    for (schema, name), qualified in zip(chunk, names, strict=True):
                        await slots.acquire()  # released by the reader
                        tasks.create_task(
                            self._read_table(
                                job,
                                slots,
                                finished,
                                schema,
                                name,
                                qualified,
                                known.get(qualified, frozenset()),
                                metas.get((schema, name)),
                            )
                        )
                for _ in range(CONCURRENCY):  # every reader has handed over its table
                    await slots.acquire()
                await finished.put(None)
        except BaseExceptionGroup as group:
            # One stage failed (or the run was cancelled at a checkpoint): the others
            # were cancelled; surface the cause as the handler's own exception.
            raise group.exceptions[0] from None

    async def _read_table(
        self,
        job: _Run,
        slots: asyncio.Semaphore,
        finished: asyncio.Queue[_Finished | None],
        schema: str,
        name: str,
        qualified: str,
        known: frozenset[str],
        meta: TableMeta | None,
    ) -> None:
        """Reflect, sample and analyse one table; hand the result to the writer. Holds
        its slot until the result is queued: at most ``CONCURRENCY`` samples are alive
        at a time, and a slow writer (bounded queue) holds the readers back."""
        try:
            await self._checkpoint(job)
            if job.started_events.take():
                await self._publish(job.ctx, job.progress.payload("TABLE_STARTED", qualified))
            try:
                if meta is None:  # not in the chunk's reflection: alone (or NotFound)
                    meta = await job.connector.reflect_table(schema, name)
                analysis = await self._analyze(job, meta, known)
            except _TABLE_ERRORS as exc:
                await finished.put(_Finished(qualified, error=exc))
                return
            unread = unread_columns(meta)
            stored = StoredTable(
                job.containers[schema], meta, analysis, job.classified_types, unread
            )
            await finished.put(
                _Finished(qualified, stored=stored, partial=partial_read(qualified, meta))
            )
        finally:
            slots.release()

    async def _reflect(
        self, job: _Run, chunk: list[tuple[str, str]]
    ) -> dict[tuple[str, str], TableMeta]:
        """The chunk's tables reflected together, one call per schema. If that fails,
        nothing: each table is then reflected alone and fails on its own."""
        by_schema: dict[str, list[str]] = {}
        for schema, name in chunk:
            by_schema.setdefault(schema, []).append(name)
        metas: dict[tuple[str, str], TableMeta] = {}
        for schema, names in by_schema.items():
            try:
                found = await job.connector.reflect_tables(schema, names)
            except _TABLE_ERRORS:
                continue
            metas.update(((schema, name), meta) for name, meta in found.items())
        return metas

    async def _analyze(self, job: _Run, meta: TableMeta, known: frozenset[str]) -> Any:
        # Columns the scanning user may not read are catalogued without profile or
        # labels (their stored labels stay: see ``StoredTable.unread``).
        unread = unread_columns(meta)
        analysis = {c.name: ColumnAnalysis() for c in meta.columns if c.name in unread}
        readable = [c for c in meta.columns if c.name not in unread]
        if not job.rules.profiling and job.config is None:
            # A metadata-only rule set: nothing to sample, nothing for the pool to do.
            return analysis | {c.name: ColumnAnalysis() for c in readable}
        sample = await job.connector.sample_portable(
            meta.schema, meta.name, readable, job.rules.sample_size
        )
        found = await job.ctx.run_cpu(
            analyze_for_storage,
            meta.name,
            [(c.name, c.data_type) for c in readable],
            sample,
            job.config,
            job.rules.profiling,
            known,
        )
        return found if not analysis else analysis | found

    async def _view_lineage(self, job: _Run) -> None:
        """Each view's lineage from its definition, once every table of the scan is
        stored: a view read before the tables it selects from would otherwise point
        at placeholders. Bad SQL is recorded on the lineage result, never fails the scan."""
        for view, sql, schema in job.views:
            await self._checkpoint(job)
            await ingest_view_lineage(
                cast(LineageUnitOfWork, job.make()),
                view.source_id or job.state.source_id,
                view,
                sql,
                job.dialect,
                default_schema=schema,
                run_cpu=job.ctx.run_cpu,
            )

    async def _checkpoint(self, job: _Run) -> None:
        now = time.monotonic()
        if now - job.cancel_checked >= CANCEL_CHECK_S:
            job.cancel_checked = now
            await job.ctx.raise_if_cancelled()

    async def _writer(self, job: _Run, finished: asyncio.Queue[_Finished | None]) -> None:
        """Collect finished tables; store them ``BATCH_TABLES`` at a time, or when the
        oldest waited ``BATCH_SECONDS``, and at the end (``None``)."""
        batch: list[_Finished] = []
        deadline: float | None = None
        loop = asyncio.get_running_loop()
        while True:
            end = False
            try:
                wait = None if deadline is None else max(0.0, deadline - loop.time())
                # not wait_for: on 3.11 it swallows a cancellation that arrives as
                # the get completes, and the writer would wait forever
                async with asyncio.timeout(wait):
                    item = await finished.get()
            except TimeoutError:
                item = None
            else:
                end = item is None
            if item is not None:
                batch.append(item)
                deadline = deadline or loop.time() + BATCH_SECONDS
            due = deadline is not None and loop.time() >= deadline
            if batch and (end or due or len(batch) >= BATCH_TABLES):
                # Unthrottled, once a batch: readers check at most every
                # CANCEL_CHECK_S, and fast tables could all pass in that time.
                await job.ctx.raise_if_cancelled()
                await self._store(job, batch)
                batch, deadline = [], None
            if end:
                return

    async def _store(self, job: _Run, batch: list[_Finished]) -> None:
        """One transaction for a batch: assets, labels, search documents, per-table
        errors, the scan's counters, and one progress event per table."""
        progress = job.progress
        done = [f for f in batch if f.stored is not None]
        async with job.make() as uow:
            outcomes = await store_tables(
                uow, job.actor, job.state, [f.stored for f in done if f.stored], utcnow()
            )
            for f, outcome in zip(done, outcomes, strict=True):
                meta = f.stored.meta if f.stored else None
                if meta is not None and meta.kind is TableKind.VIEW and meta.view_sql:
                    job.views.append((outcome.asset, meta.view_sql, meta.schema))
                job.keep.add(f.qualified)
                progress.tables_done += 1
                progress.columns_done += outcome.columns
                progress.added += int(outcome.added)
                progress.changed += int(outcome.changed)
                if f.partial is not None:
                    progress.errors.append(f.partial)
                uow.emit(self._event(progress.payload("TABLE_FINISHED", f.qualified, f.partial)))
            for f in batch:
                if f.error is None:
                    continue
                if not isinstance(f.error, NotFound):
                    job.keep.add(f.qualified)  # still there, only unreadable: keep its entry
                error = TableError(f.qualified, _reason(f.error), _message(f.error))
                progress.failed += 1
                progress.errors.append(error)
                uow.emit(self._event(progress.payload("TABLE_FAILED", f.qualified, error)))
            await uow.sources.update_scan_counters(progress.scan_id, progress.counters())
            await uow.commit()
        for f in batch:  # stored or not, this table's columns are no longer needed
            table = job.state.by_name.get(f.qualified)
            if table is not None:
                job.state.forget(table)
        await self._heartbeat(job.ctx, progress, "TABLE_FINISHED")

    # -- progress ------------------------------------------------------------------------

    def _event(self, payload: dict[str, Any]) -> Event:
        return Event(Channels.scan(payload["scanId"]), "SCAN_PROGRESS", payload)

    async def _report(
        self,
        uow: CatalogUnitOfWork,
        progress: ScanProgress,
        type_: str,
        table: str | None = None,
        error: TableError | None = None,
    ) -> None:
        await uow.sources.update_scan_counters(progress.scan_id, progress.counters())
        uow.emit(self._event(progress.payload(type_, table, error)))

    async def _heartbeat(self, ctx: JobContext, progress: ScanProgress, type_: str) -> None:
        """The run's own progress record, at most every two seconds. Called outside
        any open unit of work: on SQLite a second writer would wait for the first."""
        now = time.monotonic()
        if (
            type_ in ("SCAN_STARTED", "SCAN_FINISHED")
            or now - progress.persisted >= _PERSIST_EVERY_S
        ):
            progress.persisted = now
            await ctx.progress(progress.payload(type_))

    async def _publish(self, ctx: JobContext, payload: dict[str, Any]) -> None:
        await ctx.bus.publish(self._event(payload))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionFailed):
        return exc.reason
    if isinstance(exc, NotFound):
        return "NOT_FOUND"
    if isinstance(exc, UnicodeError):
        return "ENCODING"
    if isinstance(exc, Unavailable):
        return "UNAVAILABLE"
    return "UNREADABLE"


def _message(exc: BaseException) -> str:
    if isinstance(exc, NotFound):
        return "the table disappeared during the scan"
    if isinstance(exc, RacineError):
        return exc.message
    return f"could not read the table ({type(exc).__name__})"
