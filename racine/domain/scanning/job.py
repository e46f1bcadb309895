"""The ``scan`` job: walk a source through its connector into the catalog.

Check the source, list its schemas and the tables the rule set selects, make sure
the database and schema assets exist, then hand the tables to the pipeline
(``pipeline.run_tables``: read, analyse in the process pool, store in batches).
Once every table is stored: each view's lineage from its SQL, and what the source
no longer has is soft-deleted. The scan fails only when the source itself cannot
be reached, when no schema it selects could be listed, or when every table failed.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, cast

from racine.domain.access.model import Principal
from racine.domain.audit.record import record
from racine.domain.catalog.model import Asset, AssetKind, utcnow
from racine.domain.catalog.names import qualify
from racine.domain.catalog.ports import CatalogUnitOfWork
from racine.domain.classification.custom import classifier_config as build_classifier_config
from racine.domain.classification.levels import refresh_source_sensitivity
from racine.domain.classification.ports import ClassificationUnitOfWork
from racine.domain.errors import ConnectionFailed, NotFound, RacineError
from racine.domain.lineage.ingest import ingest_view_lineage
from racine.domain.lineage.ports import LineageUnitOfWork
from racine.domain.runs.context import JobContext
from racine.domain.runs.model import JobRun
from racine.domain.scanning.credentials import CredentialCipher
from racine.domain.scanning.merging import CatalogState
from racine.domain.scanning.model import Scan, TableError
from racine.domain.scanning.pipeline import (
    CONCURRENCY,
    ScanRun,
    checkpoint,
    reason_of,
    run_tables,
)
from racine.domain.scanning.progress import ScanProgress, heartbeat, report
from racine.domain.scanning.renames import (
    apply_renames,
    apply_schema_renames,
    find_renames,
    find_schema_renames,
)
from racine.domain.scanning.rules import selects_schema, selects_table
from racine.domain.scanning.rulesets import load_rule_set
from racine.domain.scanning.source import SourceConnector, TableRef
from racine.domain.scanning.sources import (
    CONNECTION_CHECK_S,
    ConnectorFactory,
    check_connector,
)
from racine.domain.scanning.sync import ensure_container, remove_missing
from racine.domain.scanning.urls import SourceUrl

__all__ = ["REFRESH_STATISTICS_TABLES", "ScanFailed", "ScanJob"]

log = logging.getLogger(__name__)

# Our engine names → sqlglot dialects, for the lineage of views.
REFRESH_STATISTICS_TABLES = 50
"""A scan that added or removed at least this many tables and views (a first scan of a
sizeable source, a dropped schema) has the metadata database refresh its planner's
statistics (``refresh_statistics``) rather than wait for autovacuum."""
SQL_DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite"}


async def _list_all(
    connector: SourceConnector, schemas: list[str]
) -> list[list[TableRef] | ConnectionFailed | NotFound]:
    """Each schema's tables, or why they could not be listed, four schemas at a time
    (as many as the source's pool holds): listing one is a handful of catalog queries
    that mostly wait on the source (300 schemas behind a 2 ms round trip took 13 s one
    at a time)."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(schema: str) -> list[TableRef] | ConnectionFailed | NotFound:
        async with gate:
            try:
                return await connector.list_tables(schema)
            except (ConnectionFailed, NotFound) as exc:
                return exc

    try:
        async with asyncio.TaskGroup() as group:
            listings = [group.create_task(one(schema)) for schema in schemas]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in listings]


class ScanFailed(RacineError):
    """The scan as a whole failed (the message is the run's reason, secret-free)."""

    code = "SCAN_FAILED"


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
                shown = await connector.list_schemas()
                schema_keys = await connector.schema_keys()
            except ConnectionFailed as exc:
                raise ScanFailed(f"{exc.reason}: {exc.message}") from None
            schemas = [s for s in shown if selects_schema(rules, s)]
            plan: list[tuple[str, str]] = []
            keys: dict[tuple[str, str], str | None] = {}
            listed: set[str] = set()
            for schema, refs in zip(schemas, await _list_all(connector, schemas), strict=True):
                if isinstance(refs, RacineError):
                    progress.errors.append(TableError(schema, reason_of(refs), refs.message))
                    continue
                listed.add(schema)
                selected = [r for r in refs if selects_table(rules, schema, r.name)]
                plan += [(schema, r.name) for r in selected]
                keys |= {(schema, r.name): r.key for r in selected}
            if schemas and not listed:  # nothing seen: not a success with no table
                first = progress.errors[0]
                raise ScanFailed(
                    f"every schema failed ({len(schemas)}); first: {first.table}:"
                    f" {first.reason}: {first.message}"
                )
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
                    qualify(source.name, db_name),
                    root.id,
                )
                keys_of_listed = {s: schema_keys[s] for s in listed if s in schema_keys}
                schema_renames = find_schema_renames(state, database, shown, keys_of_listed)
                await apply_schema_renames(uow, actor, state, schema_renames, utcnow())
                for schema in sorted(listed):
                    containers[schema] = await ensure_container(
                        uow,
                        actor,
                        state,
                        AssetKind.SCHEMA,
                        schema,
                        qualify(database.qualified_name, schema),
                        database.id,
                        schema_keys.get(schema),
                    )
                renames = find_renames(state, database, keys, containers)
                await apply_renames(uow, actor, state, renames, containers, utcnow())
                await report(uow, progress, "SCAN_STARTED")
                await uow.commit()
            await heartbeat(ctx, progress, "SCAN_STARTED")

            work = ScanRun(
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
            await run_tables(work, plan)
            await self._view_lineage(work)

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
                    uow, actor, state, work.keep, qualified_schemas, utcnow(), dropped
                )
                progress.removed = sum(a.kind in (AssetKind.TABLE, AssetKind.VIEW) for a in gone)
                await refresh_source_sensitivity(cast(ClassificationUnitOfWork, uow), source.id)
                await report(uow, progress, "SCAN_FINISHED")
                await record(uow, actor, "scan.finish", "Scan", scan_id, progress.counters())
                await uow.commit()
            await heartbeat(ctx, progress, "SCAN_FINISHED")
            if progress.added + progress.removed >= REFRESH_STATISTICS_TABLES:
                async with make() as uow:
                    await uow.catalog.refresh_statistics()
                    await uow.commit()
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

    async def _view_lineage(self, run: ScanRun) -> None:
        """Each view's lineage from its definition, once every table of the scan is
        stored: a view read before the tables it selects from would otherwise point
        at placeholders. Bad SQL is recorded on the lineage result, never fails the scan."""
        for view, sql, schema in run.views:
            await checkpoint(run)
            await ingest_view_lineage(
                cast(LineageUnitOfWork, run.make()),
                view.source_id or run.state.source_id,
                view,
                sql,
                run.dialect,
                default_schema=schema,
                run_cpu=run.ctx.run_cpu,
            )
