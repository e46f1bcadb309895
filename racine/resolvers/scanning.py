"""Resolvers of the scanning area: data sources, rule sets, scans, live progress."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncGenerator, Callable
from typing import Any, cast

from strawberry.types import Info

from racine.domain.access.model import Role
from racine.domain.catalog.ports import CatalogUnitOfWork
from racine.domain.errors import NotFound, RacineError, ValidationFailed
from racine.domain.events import GAP, Channels, Event
from racine.domain.paging import PageRequest
from racine.domain.runs.model import TERMINAL, RunState
from racine.domain.scanning import rulesets, sources
from racine.domain.scanning import scans as scan_cases
from racine.domain.scanning.credentials import CredentialCipher
from racine.domain.scanning.model import (
    DEFAULT_RULE_SET_ID,
    STORED_REASONS,
    Scan,
    ScanRuleSet,
)
from racine.domain.scanning.urls import SourceUrl
from racine.resolvers.live import live_events
from racine.schema import scanning as gql
from racine.schema.errors import ErrorCode, UserError, run_mutation
from racine.schema.relay import Connection, connection_from_page, decode_id, encode_id

__all__ = [
    "cancel_scan",
    "create_data_source",
    "create_scan_rule_set",
    "data_sources",
    "delete_data_source",
    "delete_scan_rule_set",
    "resolve_data_source",
    "resolve_scan",
    "resolve_scan_rule_set",
    "rule_set_of",
    "scan_progress",
    "scan_rule_sets",
    "scans",
    "start_scan",
    "test_data_source_connection",
    "update_data_source",
    "update_scan_rule_set",
]

_POLL_S = 2.0  # how often a quiet scanProgress stream re-reads the scan's state


def _uow(info: Info) -> CatalogUnitOfWork:
    return cast(CatalogUnitOfWork, info.context.uow())


def _factory(info: Info) -> Callable[[], CatalogUnitOfWork]:
    return cast(Callable[[], CatalogUnitOfWork], info.context.services.uow_factory)


def _cipher(info: Info) -> CredentialCipher:
    return CredentialCipher(info.context.services.settings.secret())


def _connectors(info: Info) -> sources.ConnectorFactory:
    """The composition root may provide the factory in ``services.extras``; by default
    it is ``racine.connectors.connector_for``."""
    factory = info.context.services.extras.get("connectors")
    if factory is None:
        from racine.connectors import connector_for as factory
    return cast(sources.ConnectorFactory, factory)


def _parts(value: gql.ConnectionFieldsInput | None, password: str | None) -> SourceUrl | None:
    if value is None:
        return None
    return SourceUrl.from_parts(
        value.engine,
        host=value.host,
        port=value.port,
        database=value.database,
        user=value.user,
        password=password,
        path=value.path,
    )


# -- queries ---------------------------------------------------------------------------


async def data_sources(info: Info, first: int, after: str | None) -> Connection[gql.DataSource]:
    info.context.actor.require(Role.VIEWER)
    request = PageRequest(first=first, after=after)
    async with _uow(info) as uow:
        page = await uow.sources.page(request)
    return connection_from_page(page, gql.DataSource.from_domain)


async def resolve_data_source(info: Info, raw_id: str) -> gql.DataSource | None:
    info.context.actor.require(Role.VIEWER)
    found = await info.context.loaders.data_source.load(uuid.UUID(raw_id))
    return None if found is None else gql.DataSource.from_domain(found)


async def scan_rule_sets(info: Info) -> list[gql.ScanRuleSet]:
    info.context.actor.require(Role.VIEWER)
    async with _uow(info) as uow:
        stored = await uow.sources.list_rule_sets(limit=100)
    return [gql.ScanRuleSet.from_domain(r) for r in [ScanRuleSet.default(), *stored]]


async def rule_set_of(info: Info, rule_set_id: uuid.UUID | None) -> gql.ScanRuleSet:
    async with _uow(info) as uow:
        return gql.ScanRuleSet.from_domain(await rulesets.load_rule_set(uow, rule_set_id))


async def resolve_scan_rule_set(info: Info, raw_id: str) -> gql.ScanRuleSet | None:
    info.context.actor.require(Role.VIEWER)
    ident = uuid.UUID(raw_id)
    async with _uow(info) as uow:
        if ident == DEFAULT_RULE_SET_ID:
            return gql.ScanRuleSet.from_domain(ScanRuleSet.default())
        found = await uow.sources.get_rule_set(ident)
    return None if found is None else gql.ScanRuleSet.from_domain(found)


async def scans(
    info: Info, data_source_id: str | None, first: int, after: str | None
) -> Connection[gql.Scan]:
    info.context.actor.require(Role.VIEWER)
    request = PageRequest(first=first, after=after)
    source = (
        None
        if data_source_id is None
        else decode_id(data_source_id, "DataSource", field="dataSourceId")
    )
    async with _uow(info) as uow:
        page = await uow.sources.scan_page(source, request)
    return connection_from_page(page, gql.Scan.from_domain)


async def resolve_scan(info: Info, raw_id: str) -> gql.Scan | None:
    info.context.actor.require(Role.VIEWER)
    async with _uow(info) as uow:
        found = await uow.sources.get_scan(uuid.UUID(raw_id))
    return None if found is None else gql.Scan.from_domain(found)


# -- data sources --------------------------------------------------------------------------


async def create_data_source(info: Info, input: gql.CreateDataSourceInput) -> gql.DataSourcePayload:
    async def action() -> dict[str, Any]:
        cmd = sources.SaveDataSource(
            name=input.name,
            url=input.url,
            parts=_parts(input.connection, input.password),
            password=input.password if input.connection is None else None,
            description=input.description,
            rule_set_id=None
            if input.rule_set_id is None
            else decode_id(input.rule_set_id, "ScanRuleSet", field="ruleSetId"),
            schedule=input.schedule,
        )
        source = await sources.create_data_source(
            _uow(info), info.context.actor, _cipher(info), cmd, connectors=_connectors(info)
        )
        return {"data_source": gql.DataSource.from_domain(source)}

    return await run_mutation(info, gql.DataSourcePayload, action)


async def update_data_source(info: Info, input: gql.UpdateDataSourceInput) -> gql.DataSourcePayload:
    async def action() -> dict[str, Any]:
        cmd = sources.SaveDataSource(
            source_id=decode_id(input.id, "DataSource"),
            name=input.name,
            url=input.url,
            parts=_parts(input.connection, input.password),
            password=input.password if input.connection is None else None,
            description=input.description,
            rule_set_id=None
            if input.rule_set_id is None
            else decode_id(input.rule_set_id, "ScanRuleSet", field="ruleSetId"),
            schedule=input.schedule,
        )
        source = await sources.update_data_source(
            _uow(info), info.context.actor, _cipher(info), cmd, connectors=_connectors(info)
        )
        return {"data_source": gql.DataSource.from_domain(source)}

    return await run_mutation(info, gql.DataSourcePayload, action)


async def delete_data_source(info: Info, input: gql.DeleteDataSourceInput) -> gql.DataSourcePayload:
    async def action() -> dict[str, Any]:
        source = await sources.delete_data_source(
            _uow(info), info.context.actor, decode_id(input.id, "DataSource")
        )
        return {"data_source": gql.DataSource.from_domain(source)}

    return await run_mutation(info, gql.DataSourcePayload, action)


async def _target_to_test(info: Info, input: gql.TestDataSourceConnectionInput) -> SourceUrl:
    info.context.actor.require(Role.STEWARD)
    target: SourceUrl | None
    if input.id is not None:
        ident = decode_id(input.id, "DataSource")
        async with _uow(info) as uow:
            source = await uow.sources.get(ident)
        if source is None:
            raise NotFound("DataSource", field="id")
        target = SourceUrl.parse(_cipher(info).decrypt(source.secret))
    elif input.url is not None:
        target = SourceUrl.parse(input.url)
    else:
        target = _parts(input.connection, None)
        if target is None:
            raise ValidationFailed("give an id, a url or connection fields", field="id")
    return target if input.password is None else target.with_password(input.password)


async def test_data_source_connection(
    info: Info, input: gql.TestDataSourceConnectionInput
) -> gql.TestDataSourceConnectionPayload:
    payload = gql.TestDataSourceConnectionPayload
    try:
        target = await _target_to_test(info, input)
        check = await sources.test_connection(
            _connectors(info),
            target.render(hide_password=False),
            timeout_s=info.context.services.settings.source_connect_timeout_s,
        )
    except RacineError as exc:
        return payload(errors=[UserError.from_exception(exc)])
    if check.ok:
        return payload(errors=[], ok=True, latency_ms=check.latency_ms)
    return payload(
        errors=[
            UserError(
                code=ErrorCode.CONNECTION_FAILED,
                field="url",
                message=check.message or "the connection failed",
            )
        ],
        ok=False,
        latency_ms=check.latency_ms,
        failure_reason=gql.ConnectionFailureReason(check.reason or "UNKNOWN"),
    )


# -- rule sets -----------------------------------------------------------------------------


def _rule_cmd(input: gql.ScanRuleSetInput, rule_set_id: uuid.UUID | None) -> rulesets.SaveRuleSet:
    def tup(value: list[str] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(value)

    return rulesets.SaveRuleSet(
        rule_set_id=rule_set_id,
        name=input.name,
        description=input.description,
        include_schemas=tup(input.include_schemas),
        exclude_schemas=tup(input.exclude_schemas),
        include_tables=tup(input.include_tables),
        exclude_tables=tup(input.exclude_tables),
        sample_size=input.sample_size,
        profiling=input.profiling,
        classification=input.classification,
        min_match_ratio=input.min_match_ratio,
        auto_confirm_threshold=input.auto_confirm_threshold,
        min_confidence=input.min_confidence,
        enabled_types=tup(input.enabled_types),
        use_ml=input.use_ml,
    )


async def create_scan_rule_set(info: Info, input: gql.ScanRuleSetInput) -> gql.ScanRuleSetPayload:
    async def action() -> dict[str, Any]:
        rules = await rulesets.create_rule_set(
            _uow(info), info.context.actor, _rule_cmd(input, None)
        )
        return {"rule_set": gql.ScanRuleSet.from_domain(rules)}

    return await run_mutation(info, gql.ScanRuleSetPayload, action)


async def update_scan_rule_set(
    info: Info, input: gql.UpdateScanRuleSetInput
) -> gql.ScanRuleSetPayload:
    async def action() -> dict[str, Any]:
        cmd = _rule_cmd(input, decode_id(input.id, "ScanRuleSet"))
        rules = await rulesets.update_rule_set(_uow(info), info.context.actor, cmd)
        return {"rule_set": gql.ScanRuleSet.from_domain(rules)}

    return await run_mutation(info, gql.ScanRuleSetPayload, action)


async def delete_scan_rule_set(
    info: Info, input: gql.DeleteScanRuleSetInput
) -> gql.ScanRuleSetPayload:
    async def action() -> dict[str, Any]:
        rules = await rulesets.delete_rule_set(
            _uow(info), info.context.actor, decode_id(input.id, "ScanRuleSet")
        )
        return {"rule_set": gql.ScanRuleSet.from_domain(rules)}

    return await run_mutation(info, gql.ScanRuleSetPayload, action)


# -- scans ----------------------------------------------------------------------------------


async def start_scan(info: Info, input: gql.StartScanInput) -> gql.ScanPayload:
    async def action() -> dict[str, Any]:
        cmd = scan_cases.StartScan(
            source_id=decode_id(input.data_source_id, "DataSource", field="dataSourceId"),
            rule_set_id=None
            if input.rule_set_id is None
            else decode_id(input.rule_set_id, "ScanRuleSet", field="ruleSetId"),
        )
        scan = await scan_cases.start_scan(
            _factory(info), info.context.services.jobs, info.context.actor, cmd
        )
        async with _uow(info) as uow:
            scan = await uow.sources.get_scan(scan.id) or scan
        return {"scan": gql.Scan.from_domain(scan)}

    return await run_mutation(info, gql.ScanPayload, action)


async def cancel_scan(info: Info, input: gql.CancelScanInput) -> gql.ScanPayload:
    async def action() -> dict[str, Any]:
        scan = await scan_cases.cancel_scan(
            _factory(info), info.context.actor, decode_id(input.id, "Scan")
        )
        return {"scan": gql.Scan.from_domain(scan)}

    return await run_mutation(info, gql.ScanPayload, action)


def _progress(scan: Scan, type_: str, payload: dict[str, Any] | None = None) -> gql.ScanProgress:
    p = payload or {}
    error = p.get("error")
    # Failed tables (a schema's error names no table; a table read in part was stored).
    failed = len(
        [
            e
            for e in scan.errors
            if "." in str(e.get("table", "")) and e.get("reason") not in STORED_REASONS
        ]
    )
    done = scan.tables_done + failed
    percent = p.get("percent")
    if percent is None:
        # A scan that has not counted its tables yet (QUEUED, or RUNNING before
        # reflection) has made no progress; only an ended one is complete.
        if scan.state in TERMINAL:
            percent = 100.0
        elif not scan.tables_total:
            percent = 0.0
        else:
            percent = round(100.0 * done / scan.tables_total, 1)
    return gql.ScanProgress(
        scan_id=encode_id("Scan", scan.id),
        type=type_,
        state=gql.ScanState(scan.state.value),
        reason=scan.reason,
        table=p.get("table"),
        tables_total=int(p.get("tablesTotal", scan.tables_total)),
        tables_done=int(p.get("tablesDone", scan.tables_done)),
        tables_failed=int(p.get("tablesFailed", failed)),
        columns_done=int(p.get("columnsDone", scan.columns_done)),
        percent=float(percent),
        eta_seconds=p.get("etaSeconds"),
        error=None if not error else gql.TableError.from_record(error),
        # A step read from the scan's record carries every per-table error so far
        errors=[] if payload else [gql.TableError.from_record(e) for e in scan.errors],
    )


async def scan_progress(info: Info, scan_id: str) -> AsyncGenerator[gql.ScanProgress, None]:
    """Snapshot first, then live steps; ends with a ``STATE`` step of the terminal
    state, however the stream learnt of it (event, re-read after a GAP, poll). Events are
    pumped into a queue so a quiet stream can re-read the state every few seconds
    (a terminal event published before we subscribed is not waited for forever).

    The queue holds one event: a client that reads slowly leaves the events in the
    bus's bounded buffer, which drops the subscription with a final GAP once full. The
    pump then subscribes again, so the steps after the GAP's re-read still come live
    (the few published in between are lost; every step carries the scan's totals)."""
    info.context.actor.require(Role.VIEWER)
    ident = decode_id(scan_id, "Scan", field="scanId")
    channels = [Channels.scan(str(ident)), Channels.job(str(ident))]
    queue: asyncio.Queue[Event | BaseException] = asyncio.Queue(maxsize=1)

    async def pump() -> None:
        try:
            while True:
                last: Event | None = None
                async for last in live_events(info, channels):
                    await queue.put(last)
                if last is None or last.type != GAP:
                    return  # the bus closed the stream (shutdown): the poll carries on
                # Dropped for falling behind (the GAP ended the stream): listen again.
        except asyncio.CancelledError:
            raise  # the stream is over: never wait on the queue again
        except Exception as exc:
            await queue.put(exc)

    task = asyncio.create_task(pump())
    try:
        await asyncio.sleep(0)  # let the pump subscribe before the snapshot is read
        await asyncio.sleep(0.05)
        scan = await _load_scan(info, ident)
        yield _progress(scan, "SNAPSHOT")
        if scan.state in TERMINAL:
            # Already over: close the stream as a live one ends, with the terminal STATE.
            yield _progress(scan, "STATE")
            return
        while True:
            try:
                # not wait_for: on 3.11 it can swallow a cancellation (a stream that
                # never ends after its client left)
                async with asyncio.timeout(_POLL_S):
                    item = await queue.get()
            except TimeoutError:
                scan = await _load_scan(info, ident)
                if scan.state in TERMINAL:
                    yield _progress(scan, "STATE")
                    return
                continue
            if isinstance(item, BaseException):
                raise item
            if item.type == GAP:
                scan = await _load_scan(info, ident)
                yield _progress(scan, "GAP")
                if scan.state in TERMINAL:
                    # Its terminal event was missed: close as a live stream does.
                    yield _progress(scan, "STATE")
                    return
                continue
            if item.type == "SCAN_PROGRESS":
                scan.state = RunState.RUNNING if scan.state is RunState.QUEUED else scan.state
                yield _progress(scan, str(item.payload.get("type")), item.payload)
            elif item.payload.get("state") in {s.value for s in TERMINAL}:
                scan = await _load_scan(info, ident)
                yield _progress(scan, "STATE")
                return
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task


async def _load_scan(info: Info, ident: uuid.UUID) -> Scan:
    async with _uow(info) as uow:
        scan = await uow.sources.get_scan(ident)
    if scan is None:
        raise NotFound("Scan", field="scanId")
    return scan
