"""Background work of the lineage area, registered on the job queue by the wiring."""

from __future__ import annotations

from typing import Any

from racine.domain.lineage.relabel import JOB_KIND, handle_propagation

__all__ = ["register_jobs"]


def register_jobs(queue: Any, settings: Any = None) -> None:
    """``lineage.propagate``: recompute propagated labels downstream of given assets."""
    queue.register(JOB_KIND, handle_propagation)
