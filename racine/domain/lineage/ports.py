"""The unit of work as lineage use cases see it: the spine's UnitOfWork plus the
catalog's repository (assets, owners, classifications) and ours.

Reads use from ``lineage``: ``limit_statement_time(ms)``; ``walk(start, direction,
depth, level, max_nodes, max_edges) -> Traversal | None`` (the whole bounded walk
in one statement, None where the store has none, truncated with DEADLINE when the
statement timeout cut it); ``neighbours(frontier, direction, level)`` (one hop);
``assets(ids)`` (full rows) and ``summaries(ids)`` (id, kind, names as columns)."""

from __future__ import annotations

from typing import Any, Protocol

from racine.domain.ports import UnitOfWork

__all__ = ["LineageUnitOfWork"]


class LineageUnitOfWork(UnitOfWork, Protocol):
    catalog: Any  # racine.persistence.repositories.catalog.CatalogRepository
    lineage: Any  # racine.persistence.repositories.lineage.LineageRepository

    async def __aenter__(self) -> LineageUnitOfWork: ...
