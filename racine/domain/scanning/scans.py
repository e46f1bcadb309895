"""Use cases on scans: start one (a durable ``scan`` job run) and cancel one."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.catalog.ports import CatalogUnitOfWork
from racine.domain.errors import Conflict, NotFound, Unavailable
from racine.domain.ports import JobQueue
from racine.domain.runs.use_cases import add_run, cancel_run, dispatch_run
from racine.domain.scanning.model import Scan
from racine.domain.scanning.rulesets import load_rule_set

__all__ = ["SCAN_KIND", "StartScan", "cancel_scan", "start_scan"]

SCAN_KIND = "scan"


@dataclass(frozen=True)
class StartScan:
    source_id: uuid.UUID
    rule_set_id: uuid.UUID | None = None  # None: the source's, else the default


async def start_scan(
    uow_factory: Callable[[], CatalogUnitOfWork],
    queue: JobQueue | None,
    actor: Principal,
    cmd: StartScan,
) -> Scan:
    """Record the scan and its run (same id) in one transaction, then dispatch the
    run. One active scan per source: a second start while one is QUEUED or RUNNING
    is a ``Conflict``, also when both arrive at once (the source is locked while
    the check and the insert run, and the scan is never without its run). The rule
    set is locked too: a ``deleteScanRuleSet`` at the same moment either finds this
    scan (CONFLICT) or deleted the rule set first (NOT_FOUND here)."""
    actor.require(Role.STEWARD)
    if queue is None:
        raise Unavailable("the job queue is not running")
    async with uow_factory() as uow:
        await uow.sources.lock(cmd.source_id)
        source = await uow.sources.get(cmd.source_id)
        if source is None:
            raise NotFound("DataSource", field="dataSourceId")
        rule_set_id = cmd.rule_set_id or source.rule_set_id
        if rule_set_id is not None:
            # Held until commit: deleteScanRuleSet waits, then sees this scan (CONFLICT).
            await uow.sources.lock_rule_set(rule_set_id)
        rules = await load_rule_set(uow, rule_set_id)
        if await uow.sources.has_active_scan(source.id):
            raise Conflict(
                "a scan of this source is already queued or running", field="dataSourceId"
            )
        scan = Scan(source_id=source.id, rule_set_id=rules.id, created_by=actor.user_id)
        await uow.sources.add_scan(scan)
        run = await add_run(
            uow, SCAN_KIND, {"scan_id": str(scan.id)}, actor.user_id, max_attempts=2, run_id=scan.id
        )
        await record(
            uow,
            actor,
            "scan.start",
            "Scan",
            scan.id,
            {"source": source.name, "ruleSet": rules.name},
        )
        await uow.commit()
    await dispatch_run(queue, run)
    return scan


async def cancel_scan(
    uow_factory: Callable[[], CatalogUnitOfWork], actor: Principal, scan_id: uuid.UUID
) -> Scan:
    """A queued scan ends CANCELLED at once; a running one stops at its next table."""
    actor.require(Role.STEWARD)
    async with uow_factory() as uow:
        if await uow.sources.get_scan(scan_id) is None:
            raise NotFound("Scan", field="id")
    try:
        await cancel_run(uow_factory(), scan_id, actor.user_id)
    except NotFound:
        raise NotFound("Scan", field="id") from None
    except Conflict as exc:
        raise Conflict(exc.message, field="id") from None
    async with uow_factory() as uow:
        await record(uow, actor, "scan.cancel", "Scan", scan_id, {})
        scan: Scan = await uow.sources.get_scan(scan_id)
        await uow.commit()
    return scan
