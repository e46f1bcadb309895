"""Progress of one scan: its counters, the payload of ``scanProgress`` events, and
how they are announced (events on the scan's channel, the run's progress record)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from racine.domain.catalog.ports import CatalogUnitOfWork
from racine.domain.events import Channels, Event
from racine.domain.runs.context import JobContext
from racine.domain.scanning.model import TableError

__all__ = ["ScanProgress", "heartbeat", "progress_event", "publish", "report"]

_PERSIST_EVERY_S = 2.0


@dataclass
class ScanProgress:
    """Counters of one scan attempt and the payload of its progress events."""

    scan_id: uuid.UUID
    total: int = 0
    tables_done: int = 0
    columns_done: int = 0
    added: int = 0
    removed: int = 0
    changed: int = 0
    failed: int = 0
    errors: list[TableError] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    persisted: float = 0.0

    def payload(
        self, type_: str, table: str | None = None, error: TableError | None = None
    ) -> dict[str, Any]:
        elapsed = time.monotonic() - self.started
        done = self.tables_done + self.failed
        percent = 100.0 if self.total == 0 else round(100.0 * done / self.total, 1)
        eta = None if done == 0 else round(elapsed / done * (self.total - done), 1)
        return {
            "scanId": str(self.scan_id),
            "type": type_,
            "table": table,
            "tablesTotal": self.total,
            "tablesDone": self.tables_done,
            "tablesFailed": self.failed,
            "columnsDone": self.columns_done,
            "percent": percent,
            "etaSeconds": eta,
            "error": None if error is None else error.to_json(),
        }

    def counters(self) -> dict[str, Any]:
        return {
            "tables_total": self.total,
            "tables_done": self.tables_done,
            "columns_done": self.columns_done,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "errors": [e.to_json() for e in self.errors],
        }


def progress_event(payload: dict[str, Any]) -> Event:
    """A ``scanProgress`` event on its scan's channel."""
    return Event(Channels.scan(payload["scanId"]), "SCAN_PROGRESS", payload)


async def report(uow: CatalogUnitOfWork, progress: ScanProgress, type_: str) -> None:
    """The scan's counters stored and a ``type_`` event sent, with ``uow``'s commit."""
    await uow.sources.update_scan_counters(progress.scan_id, progress.counters())
    uow.emit(progress_event(progress.payload(type_)))


async def publish(ctx: JobContext, payload: dict[str, Any]) -> None:
    """An event sent at once, outside any unit of work."""
    await ctx.bus.publish(progress_event(payload))


async def heartbeat(ctx: JobContext, progress: ScanProgress, type_: str) -> None:
    """The run's own progress record, at most every two seconds. Called outside
    any open unit of work: on SQLite a second writer would wait for the first."""
    now = time.monotonic()
    if type_ in ("SCAN_STARTED", "SCAN_FINISHED") or now - progress.persisted >= _PERSIST_EVERY_S:
        progress.persisted = now
        await ctx.progress(progress.payload(type_))
