"""Data sources by id, batched."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from racine.domain.scanning.model import DataSource

if TYPE_CHECKING:
    from racine.resolvers.context import Context


async def load_data_sources(context: Context, ids: Sequence[uuid.UUID]) -> list[DataSource | None]:
    async with context.uow() as uow:
        found = await uow.sources.get_many(list(ids))  # type: ignore[attr-defined]
    return [found.get(i) for i in ids]
