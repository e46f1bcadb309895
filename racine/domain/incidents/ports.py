"""The unit of work as compliance, quality and incidents see it."""

from __future__ import annotations

from typing import Any, Protocol

from racine.domain.ports import UnitOfWork

__all__ = ["IncidentsUnitOfWork"]


class IncidentsUnitOfWork(UnitOfWork, Protocol):
    catalog: Any  # racine.persistence.repositories.catalog.CatalogRepository
    classification: Any  # racine.persistence.repositories.classification (custom types)
    compliance: Any  # racine.persistence.repositories.compliance.ComplianceRepository
    quality: Any  # racine.persistence.repositories.quality.QualityRepository
    incidents: Any  # racine.persistence.repositories.incidents.IncidentRepository
    notifications: Any  # racine.persistence.repositories.notifications.NotificationRepository
    sources: Any  # racine.persistence.repositories.sources.SourceRepository (scanning)
    users: Any

    async def __aenter__(self) -> IncidentsUnitOfWork: ...
