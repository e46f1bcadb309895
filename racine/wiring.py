"""Which background handlers and schedules exist: one place, used by API and workers.

Each area exposes ``register_jobs(queue, settings)``; adding an area adds one line here.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from racine.jobs.base import RunQueue

__all__ = ["AREAS", "setup_jobs"]

log = logging.getLogger(__name__)

# Modules with a ``register_jobs(queue, settings)`` function.
AREAS: list[str] = [
    "racine.domain.scanning.jobs",
    "racine.domain.lineage.jobs",
    "racine.notifications.jobs",
]


def setup_jobs(queue: RunQueue, settings: Any) -> None:
    for name in AREAS:
        module = importlib.import_module(name)
        module.register_jobs(queue, settings)
