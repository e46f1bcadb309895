"""Data sources, scan rule sets and scans.

A scan is a durable job run of kind ``scan`` (state, reason, timing live on the run,
see ``racine.domain.runs``); the ``Scan`` here adds what the catalog needs: which
source and rule set, and the counts and per-table errors it produced.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from racine.domain.access.model import SYSTEM_USER_ID
from racine.domain.errors import NOT_POPULATED
from racine.domain.runs.model import RunState

__all__ = [
    "COLUMNS_UNREADABLE",
    "DEFAULT_RULE_SET_ID",
    "FOREIGN_UNREADABLE",
    "ROWS_UNDECODABLE",
    "SAMPLE_TIMEOUT",
    "STORED_REASONS",
    "DataSource",
    "Scan",
    "ScanRuleSet",
    "TableError",
]

DEFAULT_RULE_SET_ID = uuid.UUID("00000000-0000-4000-8000-00000000d3f1")
COLUMNS_UNREADABLE = "COLUMNS_UNREADABLE"
"""The reason of a stored table's entry in a scan's errors: the table was catalogued
but some or all of its columns could not be read (column-level grants, no ``SELECT``
on the table or its schema)."""
FOREIGN_UNREADABLE = "FOREIGN_UNREADABLE"
"""The reason of a stored table's entry in a scan's errors: a PostgreSQL foreign table
whose rows could not be read through its foreign server was catalogued without them."""
ROWS_UNDECODABLE = "ROWS_UNDECODABLE"
"""The reason of a stored table's entry in a scan's errors: its rows hold text that
could not be decoded (the driver failed, or the source refused to send it), so it was
catalogued without them."""
SAMPLE_TIMEOUT = "SAMPLE_TIMEOUT"
"""The reason of a stored table's entry in a scan's errors: its sample did not come back
within the source's statement timeout (a view that computes much, a table locked), so
it was catalogued without it."""
STORED_REASONS = frozenset(
    {COLUMNS_UNREADABLE, FOREIGN_UNREADABLE, NOT_POPULATED, ROWS_UNDECODABLE, SAMPLE_TIMEOUT}
)
"""Reasons of entries in a scan's errors whose table was stored all the same (not
failed tables); ``NOT_POPULATED`` is the source's own reason for a materialized view
never populated."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class DataSource:
    """A registered external database. ``secret`` is the Fernet token of the full
    connection URL (password included); only ``display_url`` (password redacted)
    is ever shown."""

    name: str
    engine: str  # postgresql | mysql | sqlite
    display_url: str
    secret: str
    has_credentials: bool
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    description: str | None = None
    rule_set_id: uuid.UUID | None = None
    schedule: str | None = None  # cron, honoured by the job runner's scheduler
    next_scan_at: datetime | None = None
    created_by: uuid.UUID | None = None
    created_at: datetime = field(default_factory=_now)
    updated_at: datetime = field(default_factory=_now)


@dataclass
class ScanRuleSet:
    """What a scan looks at and how. Globs (``fnmatch``) match schema names; table
    globs match the table name, or ``schema.table`` when they contain a dot. Empty
    include lists mean everything."""

    name: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    description: str = ""
    include_schemas: list[str] = field(default_factory=list)
    exclude_schemas: list[str] = field(default_factory=list)
    include_tables: list[str] = field(default_factory=list)
    exclude_tables: list[str] = field(default_factory=list)
    sample_size: int = 500
    profiling: bool = True
    classification: bool = True
    min_match_ratio: float = 0.8
    auto_confirm_threshold: float = 0.9
    min_confidence: float = 0.3
    enabled_types: list[str] | None = None
    use_ml: bool = True
    created_at: datetime = field(default_factory=_now)
    updated_at: datetime = field(default_factory=_now)

    @property
    def is_default(self) -> bool:
        return self.id == DEFAULT_RULE_SET_ID

    @classmethod
    def default(cls) -> ScanRuleSet:
        """The built-in rule set: every user schema and table, 500 sampled rows,
        profiling and classification on. Read-only; create your own to change it."""
        return cls(
            id=DEFAULT_RULE_SET_ID,
            name="Default",
            description="Every user schema and table; profiling and classification on.",
            exclude_schemas=["information_schema", "pg_*", "mysql", "performance_schema", "sys"],
            created_at=datetime(2025, 1, 1, tzinfo=UTC),
            updated_at=datetime(2025, 1, 1, tzinfo=UTC),
        )


@dataclass(frozen=True)
class TableError:
    """A table the scan could not read (the scan carries on without it), or read in
    part (reason :data:`COLUMNS_UNREADABLE`: the table was stored)."""

    table: str
    reason: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"table": self.table, "reason": self.reason, "message": self.message}


@dataclass
class Scan:
    """One scan of one source. ``state``/``reason``/timing come from its job run."""

    source_id: uuid.UUID
    rule_set_id: uuid.UUID
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_by: uuid.UUID | None = None
    created_at: datetime = field(default_factory=_now)
    state: RunState = RunState.QUEUED
    reason: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    tables_total: int = 0
    tables_done: int = 0
    columns_done: int = 0
    added: int = 0
    removed: int = 0
    changed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def requester(self) -> uuid.UUID | None:
        """The user who started the scan; None when Racine did (a schedule, the demo)."""
        return None if self.created_by == SYSTEM_USER_ID else self.created_by

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None:
            return None
        return ((self.finished_at or _now()) - self.started_at).total_seconds()
