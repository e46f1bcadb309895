"""Classifications of columns, batched, best first."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from racine.domain.catalog.model import ColumnClassification

if TYPE_CHECKING:
    from racine.resolvers.context import Context


async def load_asset_classifications(
    context: Context, ids: Sequence[uuid.UUID]
) -> list[list[ColumnClassification]]:
    async with context.uow() as uow:
        found = await uow.catalog.classifications_for(list(ids))  # type: ignore[attr-defined]
    return [found.get(i, []) for i in ids]
