"""The unit of work as the classification use cases see it: the catalog's plus the
``classification`` repository (custom types and rules, stored sensitivity)."""

from __future__ import annotations

from typing import Any, Protocol

from racine.domain.catalog.ports import CatalogUnitOfWork

__all__ = ["ClassificationUnitOfWork"]


class ClassificationUnitOfWork(CatalogUnitOfWork, Protocol):
    classification: Any  # racine.persistence.repositories.classification.ClassificationRepository

    async def __aenter__(self) -> ClassificationUnitOfWork: ...
