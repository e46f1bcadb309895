"""Use cases on data sources: register, change, remove, test the connection.

The URL (password included) is encrypted before it reaches the repository; every
output, audit record and event carries only the redacted URL. A source is also the
root ``DATA_SOURCE`` asset of its catalog subtree (same id).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.catalog.model import Asset, AssetKind, utcnow
from racine.domain.catalog.ports import CatalogUnitOfWork
from racine.domain.catalog.use_cases import asset_event
from racine.domain.errors import Conflict, NotFound, ValidationFailed
from racine.domain.scanning.credentials import CredentialCipher
from racine.domain.scanning.model import DataSource
from racine.domain.scanning.source import SourceConnector
from racine.domain.scanning.urls import SourceUrl
from racine.domain.schedules import cron_schedule, next_tick

__all__ = [
    "CONNECTION_CHECK_S",
    "ConnectionCheck",
    "ConnectorFactory",
    "SaveDataSource",
    "check_connector",
    "create_data_source",
    "delete_data_source",
    "test_connection",
    "update_data_source",
]

ConnectorFactory = Callable[[str], SourceConnector]
"""Builds a connector for a plain connection URL (``racine.connectors.connector_for``)."""


@dataclass(frozen=True)
class SaveDataSource:
    """Create (``source_id`` None) or update. ``url`` or ``parts`` give the target;
    ``password`` alone replaces just the password of a stored URL."""

    source_id: uuid.UUID | None = None
    name: str | None = None
    url: str | None = None
    parts: SourceUrl | None = None
    password: str | None = None
    description: str | None = None
    rule_set_id: uuid.UUID | None = None
    schedule: str | None = None  # "" clears


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    latency_ms: float
    reason: str | None = None
    message: str | None = None


def _name(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 100 or "." in value:
        raise ValidationFailed("name must be 1-100 characters, without dots", field="name")
    return value


def _target(cmd: SaveDataSource) -> SourceUrl | None:
    target = SourceUrl.parse(cmd.url) if cmd.url is not None else cmd.parts
    if target is not None and cmd.password is not None:
        target = target.with_password(cmd.password)
    return target


async def create_data_source(
    uow: CatalogUnitOfWork,
    actor: Principal,
    cipher: CredentialCipher,
    cmd: SaveDataSource,
    *,
    connectors: ConnectorFactory | None = None,
) -> DataSource:
    """``connectors``: when given, the URL is also checked as the connector will take
    it (options its driver does not know are INVALID now, not at the first scan)."""
    actor.require(Role.STEWARD)
    name = _name(cmd.name or "")
    target = _target(cmd)
    if target is None:
        raise ValidationFailed("give a url or connection fields", field="url")
    await _check_for_driver(connectors, target)
    source = DataSource(
        name=name,
        engine=target.engine,
        display_url=target.redacted,
        secret=cipher.encrypt(target.render(hide_password=False)),
        has_credentials=target.has_credentials,
        description=cmd.description,
        schedule=cron_schedule(cmd.schedule),
        created_by=actor.user_id,
    )
    if source.schedule:
        source.next_scan_at = next_tick(source.schedule, datetime.now(UTC))
    async with uow:
        if await uow.sources.get_by_name(name) is not None:
            raise Conflict("a data source with this name exists", field="name")
        if cmd.rule_set_id is not None:
            # Locked until commit, as startScan does: a deleteScanRuleSet at the same
            # moment either sees this source (CONFLICT) or went first (NOT_FOUND here),
            # instead of the insert failing on the foreign key.
            await uow.sources.lock_rule_set(cmd.rule_set_id)
            if await uow.sources.get_rule_set(cmd.rule_set_id) is None:
                raise NotFound("ScanRuleSet", field="ruleSetId")
            source.rule_set_id = cmd.rule_set_id
        await uow.sources.add(source)
        root = Asset(
            kind=AssetKind.DATA_SOURCE,
            name=name,
            qualified_name=name,
            source_id=source.id,
            id=source.id,
            description=cmd.description,
            detail={"engine": source.engine, "url": source.display_url},
        )
        await uow.catalog.add(root)
        await uow.catalog.reindex([root.id])
        await record(uow, actor, "datasource.create", "DataSource", source.id, _diff(source))
        uow.emit(asset_event("ASSET_ADDED", root))
        await uow.commit()
    return source


async def update_data_source(
    uow: CatalogUnitOfWork,
    actor: Principal,
    cipher: CredentialCipher,
    cmd: SaveDataSource,
    *,
    connectors: ConnectorFactory | None = None,
) -> DataSource:
    """``connectors``: as for :func:`create_data_source`, a new URL is checked as the
    connector will take it."""
    actor.require(Role.STEWARD)
    assert cmd.source_id is not None
    target = _target(cmd)
    if target is not None:
        await _check_for_driver(connectors, target)
    async with uow:
        if cmd.name is not None or cmd.url is not None or cmd.parts is not None:
            # startScan locks the source too, so no scan is queued between the check
            # below and this transaction's commit.
            await uow.sources.lock(cmd.source_id)
        source = await uow.sources.get(cmd.source_id)
        if source is None:
            raise NotFound("DataSource", field="id")
        moved = _moved_field(cmd, source, target, cipher)
        if moved is not None and await uow.sources.has_active_scan(source.id):
            # The scan writes assets under the old name (or the old database's), which
            # would undo the rename's rewrite of qualified names.
            raise Conflict(
                "a scan of this source is queued or running: wait for it or cancel it first",
                field=moved,
            )
        before = _diff(source)
        renamed_from: str | None = None
        if cmd.name is not None and cmd.name.strip() != source.name:
            name = _name(cmd.name)
            if await uow.sources.get_by_name(name) is not None:
                raise Conflict("a data source with this name exists", field="name")
            renamed_from, source.name = source.name, name
        if target is None and cmd.password is not None:
            target = SourceUrl.parse(cipher.decrypt(source.secret)).with_password(cmd.password)
        if target is not None:
            source.engine = target.engine
            source.display_url = target.redacted
            source.secret = cipher.encrypt(target.render(hide_password=False))
            source.has_credentials = target.has_credentials
        if cmd.description is not None:
            source.description = cmd.description or None
        if cmd.rule_set_id is not None:
            await uow.sources.lock_rule_set(cmd.rule_set_id)  # as in create_data_source
            if await uow.sources.get_rule_set(cmd.rule_set_id) is None:
                raise NotFound("ScanRuleSet", field="ruleSetId")
            source.rule_set_id = cmd.rule_set_id
        if cmd.schedule is not None:
            source.schedule = cron_schedule(cmd.schedule)
            source.next_scan_at = (
                next_tick(source.schedule, datetime.now(UTC)) if source.schedule else None
            )
        source.updated_at = utcnow()
        await uow.sources.save(source)
        root = await uow.catalog.get(source.id)
        if root is not None:
            root.name = root.qualified_name = source.name
            root.description = source.description
            root.detail = {"engine": source.engine, "url": source.display_url}
            await uow.catalog.save(root)
            await uow.catalog.reindex([root.id])
        if renamed_from is not None:
            await _rename_subtree(uow, source.id, renamed_from, source.name)
        after = _diff(source)
        changed: dict[str, object] = {
            k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]
        }
        if target is not None:
            # Never the value; not under the key "credentials" either, which the
            # audit trail masks as "***" and would hide that anything happened.
            changed["credentialsReplaced"] = True
        await record(uow, actor, "datasource.update", "DataSource", source.id, changed)
        await uow.commit()
    return source


async def _check_for_driver(connectors: ConnectorFactory | None, target: SourceUrl) -> None:
    """Make (and close) a connector for ``target``: nothing connects, but a URL option
    the driver does not take raises ``ValidationFailed`` on ``url`` here."""
    if connectors is not None:
        await connectors(target.render(hide_password=False)).close()


def _moved_field(
    cmd: SaveDataSource, source: DataSource, target: SourceUrl | None, cipher: CredentialCipher
) -> str | None:
    """``name`` or ``url`` if ``cmd`` renames the source or points it elsewhere (the
    password alone, or the same target again, moves nothing), else None."""
    if cmd.name is not None and cmd.name.strip() != source.name:
        return "name"
    if target is None or (cmd.url is None and cmd.parts is None):
        return None
    current = SourceUrl.parse(cipher.decrypt(source.secret))
    return None if target.with_password(None) == current.with_password(None) else "url"


async def _rename_subtree(uow: CatalogUnitOfWork, source_id: uuid.UUID, old: str, new: str) -> None:
    """Qualified names start with the source's name, and a scan matches stored assets
    by qualified name: rewrite the prefix so the next scan finds them (keeping their
    tags, owners, terms and history) instead of re-adding them under the new name."""
    assets = await uow.catalog.by_source(source_id)
    for asset in assets:
        if asset.qualified_name.startswith(old + "."):
            asset.qualified_name = new + asset.qualified_name[len(old) :]
    await uow.catalog.save_many([], assets)
    await uow.catalog.reindex([a.id for a in assets])


async def delete_data_source(
    uow: CatalogUnitOfWork, actor: Principal, source_id: uuid.UUID
) -> DataSource:
    """Remove the source, its stored credentials and its whole catalog subtree
    (hard delete: the audit trail keeps who removed it)."""
    actor.require(Role.STEWARD)
    async with uow:
        # Locked first, as startScan does: a scan started at the same moment is either
        # committed before the check below (CONFLICT) or finds the source gone
        # (NOT_FOUND); the cascade never removes a scan whose run is queued.
        await uow.sources.lock(source_id)
        source = await uow.sources.get(source_id)
        if source is None:
            raise NotFound("DataSource", field="id")
        if await uow.sources.has_active_scan(source_id):
            raise Conflict(
                "a scan of this source is queued or running: wait for it or cancel it first",
                field="id",
            )
        await uow.catalog.delete_source_assets(source_id)
        await uow.sources.delete(source_id)
        await record(uow, actor, "datasource.delete", "DataSource", source_id, _diff(source))
        await uow.commit()
    return source


CONNECTION_CHECK_S = 10.0
"""The bound of a connection check: ``testDataSourceConnection`` and a scan's first
contact with its source."""


async def test_connection(
    connectors: ConnectorFactory, url: str, *, timeout_s: float = CONNECTION_CHECK_S
) -> ConnectionCheck:
    """Connect and run a trivial query. A failure is a result, not an exception:
    ``reason`` is UNREACHABLE, AUTHENTICATION_FAILED, DATABASE_MISSING, TIMEOUT,
    PERMISSION_DENIED or UNKNOWN; ``message`` never holds the password or DSN.
    The whole check is bounded by ``timeout_s`` (see :func:`check_connector`)."""
    connector = connectors(url)
    try:
        return await check_connector(connector, url, timeout_s=timeout_s)
    finally:
        await connector.close()


async def check_connector(
    connector: SourceConnector, url: str, *, timeout_s: float = CONNECTION_CHECK_S
) -> ConnectionCheck:
    """:func:`test_connection` on a connector the caller keeps (and closes). A server
    that accepts the TCP connection and never answers (another protocol on the port,
    a hung server) is TIMEOUT after ``timeout_s``, not whatever the driver reports a
    minute later. ``url`` only names the target in the message (host:port/database)."""
    from racine.domain.errors import ConnectionFailed

    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout_s):
            await connector.test()
    except ConnectionFailed as exc:
        return ConnectionCheck(False, _ms(started), exc.reason, exc.message)
    except TimeoutError:
        # The connector maps its own failures to ConnectionFailed, so this is ours.
        message = f"the source did not answer within {timeout_s:g} s ({_label(url)})"
        return ConnectionCheck(False, _ms(started), "TIMEOUT", message)
    return ConnectionCheck(True, _ms(started))


_DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}


def _label(url: str) -> str:
    """``host:port/database`` (a SQLite file's path): never the user or password."""
    target = SourceUrl.parse(url)
    if target.engine == "sqlite":
        return target.database or ""
    port = target.port or _DEFAULT_PORTS.get(target.engine)
    return f"{target.host}:{port}/{target.database or ''}"


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _diff(source: DataSource) -> dict[str, object]:
    return {
        "name": source.name,
        "engine": source.engine,
        "url": source.display_url,
        "description": source.description,
        "ruleSetId": source.rule_set_id,
        "schedule": source.schedule,
    }
