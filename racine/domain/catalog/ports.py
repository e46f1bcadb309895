"""The unit of work as the catalog and scanning use cases see it: the spine's
:class:`~racine.domain.ports.UnitOfWork` plus the repositories these areas add."""

from __future__ import annotations

from typing import Any, Protocol

from racine.domain.ports import UnitOfWork

__all__ = ["CatalogUnitOfWork"]


class CatalogUnitOfWork(UnitOfWork, Protocol):
    catalog: Any  # racine.persistence.repositories.catalog.CatalogRepository
    glossary: Any  # racine.persistence.repositories.glossary.GlossaryRepository
    sources: Any  # racine.persistence.repositories.sources.SourceRepository

    async def __aenter__(self) -> CatalogUnitOfWork: ...
