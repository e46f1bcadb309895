"""Open a data source for assertions: decrypt its stored URL, build a connector.

The connector factory is injected (``racine.connectors.connector_for`` with a
statement timeout), so the domain never imports a driver.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from racine.domain.errors import NotFound
from racine.domain.incidents.ports import IncidentsUnitOfWork
from racine.domain.quality.runner import QuerySource
from racine.domain.quality.use_cases import SourceOpener
from racine.domain.scanning.credentials import CredentialCipher

__all__ = ["source_opener"]


def source_opener(
    uow_factory: Callable[[], IncidentsUnitOfWork],
    cipher: CredentialCipher,
    connectors: Callable[[str], QuerySource],
) -> SourceOpener:
    async def open_source(source_id: uuid.UUID) -> QuerySource:
        async with uow_factory() as uow:
            source = await uow.sources.get(source_id)
        if source is None:
            raise NotFound("DataSource", source_id)
        return connectors(cipher.decrypt(source.secret))

    return open_source
