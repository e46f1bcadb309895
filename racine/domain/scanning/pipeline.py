"""The tables of one scan, read, analysed and stored: readers (bounded) feed one
batching writer.

Per table: reflect, sample (bounded by the rule set, whatever the table's size:
row counts are the engine's estimates), classify and profile in the process
pool, store, report progress. A table that fails (dropped mid-scan, a type the
driver cannot read, a timeout) is recorded as a per-table error and the scan
carries on; one whose rows the source refuses (permission denied, a materialized
view never populated, a foreign table's server failing) but whose shape it
showed is catalogued without them, with an entry in the errors (``partial``).

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
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from racine.domain.access.model import Principal
from racine.domain.catalog.model import Asset, utcnow
from racine.domain.catalog.names import qualify
from racine.domain.catalog.ports import CatalogUnitOfWork
from racine.domain.errors import ConnectionFailed, NotFound, RacineError, Unavailable
from racine.domain.runs.context import JobContext
from racine.domain.scanning.analysis import ColumnAnalysis
from racine.domain.scanning.merging import CatalogState, StoredTable
from racine.domain.scanning.model import ScanRuleSet, TableError
from racine.domain.scanning.partial import partial_read, refused_rows, unread_columns
from racine.domain.scanning.progress import ScanProgress, heartbeat, progress_event, publish
from racine.domain.scanning.source import MAX_SAMPLE_ROWS, SourceConnector, TableKind, TableMeta
from racine.domain.scanning.sync import analyze_for_storage, load_columns, store_tables
from racine.domain.throttle import TokenBucket

__all__ = [
    "BATCH_SECONDS",
    "BATCH_TABLES",
    "CANCEL_CHECK_S",
    "CONCURRENCY",
    "REFLECT_TABLES",
    "ScanRun",
    "checkpoint",
    "reason_of",
    "run_tables",
]

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
_STARTED_BURST = 8
_STARTED_PER_S = 4.0
_TABLE_ERRORS = (RacineError, UnicodeError, ValueError, OverflowError)


@dataclass
class ScanRun:
    """One attempt of one scan: what the pipeline's stages share."""

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


@dataclass
class _Finished:
    """A table read and analysed (``stored`` set) or failed (``error`` set)."""

    qualified: str
    stored: StoredTable | None = None
    error: BaseException | None = None
    partial: TableError | None = None  # stored, but some columns could not be read


async def run_tables(run: ScanRun, plan: list[tuple[str, str]]) -> None:
    """Every (schema, table) of ``plan`` read, analysed and stored, or recorded as
    failed; raises what failed the scan as a whole (or its cancellation)."""
    finished: asyncio.Queue[_Finished | None] = asyncio.Queue(maxsize=2 * BATCH_TABLES)
    slots = asyncio.Semaphore(CONCURRENCY)
    try:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(_writer(run, finished))
            for first in range(0, len(plan), REFLECT_TABLES):
                chunk = plan[first : first + REFLECT_TABLES]
                names = [qualify(run.containers[s].qualified_name, n) for s, n in chunk]
                async with run.make() as uow:
                    known = await load_columns(
                        uow, run.state, names, classified_types=run.classified_types
                    )
                metas = await _reflect(run, chunk)
                for (schema, name), qualified in zip(chunk, names, strict=True):
                    await slots.acquire()  # released by the reader
                    tasks.create_task(
                        _read_table(
                            run,
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


async def checkpoint(run: ScanRun) -> None:
    """Raise if the run was cancelled; asks at most every ``CANCEL_CHECK_S``."""
    now = time.monotonic()
    if now - run.cancel_checked >= CANCEL_CHECK_S:
        run.cancel_checked = now
        await run.ctx.raise_if_cancelled()


async def _read_table(
    run: ScanRun,
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
        await checkpoint(run)
        if run.started_events.take():
            await publish(run.ctx, run.progress.payload("TABLE_STARTED", qualified))
        try:
            if meta is None:  # not in the chunk's reflection: alone (or NotFound)
                meta = await run.connector.reflect_table(schema, name)
            analysis, sampled = await _analyze(run, meta, known)
            meta = _counted(meta, sampled, min(run.rules.sample_size, MAX_SAMPLE_ROWS))
            unread, partial = unread_columns(meta), partial_read(qualified, meta)
        except _TABLE_ERRORS as exc:
            refused = None if meta is None else refused_rows(qualified, meta, exc)
            if meta is None or refused is None:
                await finished.put(_Finished(qualified, error=exc))
                return
            # its shape without its rows: every column unread, stored facts kept
            unread, partial = frozenset(c.name for c in meta.columns), refused
            analysis = {c: ColumnAnalysis() for c in unread}
        stored = StoredTable(run.containers[schema], meta, analysis, run.classified_types, unread)
        await finished.put(_Finished(qualified, stored=stored, partial=partial))
    finally:
        slots.release()


async def _reflect(run: ScanRun, chunk: list[tuple[str, str]]) -> dict[tuple[str, str], TableMeta]:
    """The chunk's tables reflected together, one call per schema. If that fails,
    nothing: each table is then reflected alone and fails on its own."""
    by_schema: dict[str, list[str]] = {}
    for schema, name in chunk:
        by_schema.setdefault(schema, []).append(name)
    metas: dict[tuple[str, str], TableMeta] = {}
    for schema, names in by_schema.items():
        try:
            found = await run.connector.reflect_tables(schema, names)
        except _TABLE_ERRORS:
            continue
        metas.update(((schema, name), meta) for name, meta in found.items())
    return metas


async def _analyze(run: ScanRun, meta: TableMeta, known: frozenset[str]) -> tuple[Any, int | None]:
    """The table's analysis by column, and how many rows its sample holds (None when
    it read none, or had no column to read them by)."""
    # Columns the scanning user may not read are catalogued without profile or
    # labels (their stored labels stay: see ``StoredTable.unread``).
    unread = unread_columns(meta)
    analysis = {c.name: ColumnAnalysis() for c in meta.columns if c.name in unread}
    readable = [c for c in meta.columns if c.name not in unread]
    if not run.rules.profiling and run.config is None:
        # A metadata-only rule set: nothing to sample, nothing for the pool to do.
        return analysis | {c.name: ColumnAnalysis() for c in readable}, None
    sample = await run.connector.sample_portable(
        meta.schema, meta.name, readable, run.rules.sample_size
    )
    sampled = len(next(iter(sample.columns.values()))) if sample.columns else None
    found = await run.ctx.run_cpu(
        analyze_for_storage,
        meta.name,
        [(c.name, c.data_type) for c in readable],
        sample,
        run.config,
        run.rules.profiling,
        known,
    )
    return (found if not analysis else analysis | found), sampled


def _counted(meta: TableMeta, sampled: int | None, limit: int) -> TableMeta:
    """``meta`` with its exact row count where the sample read every row (fewer than
    ``limit``): better than an estimate, and the only count a PostgreSQL table never
    analyzed has. Not where row-level security may have hidden rows from the scanning
    user, nor for a view or a foreign table."""
    if (
        sampled is None
        or sampled >= limit
        or meta.kind is not TableKind.TABLE
        or meta.row_security
        or meta.foreign_server is not None
    ):
        return meta
    return replace(meta, row_count=sampled)


async def _writer(run: ScanRun, finished: asyncio.Queue[_Finished | None]) -> None:
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
            await run.ctx.raise_if_cancelled()
            await _store(run, batch)
            batch, deadline = [], None
        if end:
            return


async def _store(run: ScanRun, batch: list[_Finished]) -> None:
    """One transaction for a batch: assets, labels, search documents, per-table
    errors, the scan's counters, and one progress event per table."""
    progress = run.progress
    done = [f for f in batch if f.stored is not None]
    async with run.make() as uow:
        outcomes = await store_tables(
            uow, run.actor, run.state, [f.stored for f in done if f.stored], utcnow()
        )
        for f, outcome in zip(done, outcomes, strict=True):
            meta = f.stored.meta if f.stored else None
            if meta is not None and meta.kind is TableKind.VIEW and meta.view_sql:
                run.views.append((outcome.asset, meta.view_sql, meta.schema))
            run.keep.add(f.qualified)
            progress.tables_done += 1
            progress.columns_done += outcome.columns
            progress.added += int(outcome.added)
            progress.changed += int(outcome.changed)
            if f.partial is not None:
                progress.errors.append(f.partial)
            uow.emit(progress_event(progress.payload("TABLE_FINISHED", f.qualified, f.partial)))
        for f in batch:
            if f.error is None:
                continue
            if not isinstance(f.error, NotFound):
                run.keep.add(f.qualified)  # still there, only unreadable: keep its entry
            error = TableError(f.qualified, reason_of(f.error), _message(f.error))
            progress.failed += 1
            progress.errors.append(error)
            uow.emit(progress_event(progress.payload("TABLE_FAILED", f.qualified, error)))
        await uow.sources.update_scan_counters(progress.scan_id, progress.counters())
        await uow.commit()
    for f in batch:  # stored or not, this table's columns are no longer needed
        table = run.state.by_name.get(f.qualified)
        if table is not None:
            run.state.forget(table)
    await heartbeat(run.ctx, progress, "TABLE_FINISHED")


def reason_of(exc: BaseException) -> str:
    """The ``TableError.reason`` of what a table (or a schema) failed with."""
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
