"""A job run and its life cycle.

    QUEUED ─► RUNNING ─► SUCCEEDED
       │         ├─────► FAILED (reason)
       └─────────┴─────► CANCELLED (reason)

A run interrupted by a crash is found RUNNING at start-up: it goes back to
QUEUED while attempts remain, else FAILED with the reason "interrupted".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = ["TERMINAL", "JobRun", "RunState"]


class RunState(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


TERMINAL = frozenset({RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED})


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class JobRun:
    kind: str  # "scan", "compliance", "quality", ...
    payload: dict[str, Any]
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    state: RunState = RunState.QUEUED
    reason: str | None = None
    attempts: int = 0
    max_attempts: int = 3
    progress: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    cancel_requested: bool = False
    created_by: uuid.UUID | None = None
    created_at: datetime = field(default_factory=_now)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or _now()
        return (end - self.started_at).total_seconds()
