"""Helpers of the scan integration tests (a plain module, not ``conftest.py``: the
e2e catalog tests import their own ``conftest`` by that name): the metadata database (both dialects, via
the root ``database_url`` fixture), the in-process job queue with the real ``scan``
handler, and helpers to register a source and run a scan to its end."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from racine.config import Settings
from racine.connectors import connector_for
from racine.domain.access.model import Principal
from racine.domain.runs.model import RunState
from racine.domain.scanning.jobs import install_scan_jobs
from racine.domain.scanning.model import Scan
from racine.domain.scanning.rulesets import SaveRuleSet, create_rule_set
from racine.domain.scanning.scans import StartScan, start_scan
from racine.domain.scanning.sources import SaveDataSource, create_data_source
from racine.jobs import InProcessJobQueue, JobOptions, build_job_queue
from racine.persistence.database import Database
from racine.persistence.unit_of_work import SqlUnitOfWork
from racine.realtime import build_bus

SECRET = "test-secret-key-0123456789"
TERMINAL = {RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED}
OPTIONS = JobOptions(workers=2, cancel_grace=5.0, shutdown_timeout=5.0, poll_every=0.5)


@dataclass
class ScanEnv:
    db: Database
    queue: InProcessJobQueue
    uow_factory: Callable[[], Any]
    actor: Principal
    connectors: Callable[[str], Any]

    async def add_rule_set(self, **rules: Any) -> uuid.UUID:
        rule_set = await create_rule_set(
            self.uow_factory(),
            self.actor,
            SaveRuleSet(name=f"rules-{uuid.uuid4().hex[:8]}", **rules),
        )
        return rule_set.id

    async def add_source(self, url: str, *, schedule: str | None = None, **rules: Any) -> uuid.UUID:
        rule_set_id = await self.add_rule_set(**rules)
        source = await create_data_source(
            self.uow_factory(),
            self.actor,
            _cipher(),
            SaveDataSource(
                name=f"src-{uuid.uuid4().hex[:8]}",
                url=url,
                rule_set_id=rule_set_id,
                schedule=schedule,
            ),
        )
        return source.id

    async def start(self, source_id: uuid.UUID, rule_set_id: uuid.UUID | None = None) -> Scan:
        """A scan of the source, with its own rule set or ``rule_set_id``'s for this once."""
        return await start_scan(
            self.uow_factory, self.queue, self.actor, StartScan(source_id, rule_set_id)
        )

    async def wait(self, scan_id: uuid.UUID, timeout: float = 120) -> Scan:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            async with self.uow_factory() as uow:
                scan: Scan = await uow.sources.get_scan(scan_id)
            if scan.state in TERMINAL:
                return scan
            assert loop.time() < deadline, f"scan still {scan.state} after {timeout}s"
            await asyncio.sleep(0.1)

    async def scan(
        self, source_id: uuid.UUID, timeout: float = 120, rule_set_id: uuid.UUID | None = None
    ) -> Scan:
        return await self.wait((await self.start(source_id, rule_set_id)).id, timeout)


def _cipher() -> Any:
    from racine.domain.scanning.credentials import CredentialCipher

    return CredentialCipher(SECRET)


@asynccontextmanager
async def scan_environment(
    database_url: str, tmp_path: Path, connectors: Callable[[str], Any] = connector_for
) -> AsyncIterator[ScanEnv]:
    """The metadata database at ``database_url`` with a running in-process queue that
    has the real scan handlers (``connectors`` builds the source connectors)."""
    settings = Settings(
        database_url=database_url, data_dir=tmp_path, secret_key=SECRET, log_json=False
    )
    db = Database(database_url)
    bus = build_bus(None)
    await bus.start()

    def factory() -> SqlUnitOfWork:
        return SqlUnitOfWork(db, bus)

    queue = build_job_queue(settings, db, bus, factory, options=OPTIONS)
    assert isinstance(queue, InProcessJobQueue)
    install_scan_jobs(queue, connectors=connectors, secret=SECRET)
    await queue.start()
    try:
        yield ScanEnv(db, queue, factory, Principal.system(), connectors)
    finally:
        await queue.stop()
        await bus.stop()
        await db.dispose()
