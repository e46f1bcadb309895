"""Tuning of the job runners, with defaults that suit one embedded process."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["JobOptions"]


@dataclass(frozen=True)
class JobOptions:
    """Timings are in seconds.

    ``stale_after``: a RUNNING run whose heartbeat is older is presumed orphaned by
    a dead worker and recovered (distributed mode; embedded treats every RUNNING
    run found at start-up as orphaned). ``heartbeat_every`` must be well below it.
    ``cancel_grace``: how long a handler may ignore a cancel request before its
    task is cancelled. ``shutdown_timeout``: how long ``stop()`` waits for running
    handlers before re-queueing them. ``poll_every``: how often an idle runner
    looks for work it was not told about (and sweeps for orphans).
    """

    workers: int = 4
    max_attempts: int = 3
    cpu_workers: int | None = None
    heartbeat_every: float = 5.0
    stale_after: float = 60.0
    cancel_grace: float = 10.0
    shutdown_timeout: float = 30.0
    poll_every: float = 5.0

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.heartbeat_every <= 0 or self.stale_after <= 2 * self.heartbeat_every:
            raise ValueError("stale_after must exceed twice heartbeat_every")

    @property
    def cpu_pool_size(self) -> int:
        return self.cpu_workers or max(1, min(self.workers, os.cpu_count() or 1))

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> JobOptions:
        """From :class:`racine.config.Settings` (``RACINE_JOB_*``)."""
        base = cls(
            workers=int(settings.job_workers),
            max_attempts=int(settings.job_max_attempts),
            heartbeat_every=float(settings.job_heartbeat_every_s),
            stale_after=float(settings.job_stale_after_s),
            cancel_grace=float(settings.job_cancel_grace_s),
            shutdown_timeout=float(settings.job_shutdown_timeout_s),
        )
        return replace(base, **overrides)
