"""Owner user ids of assets, batched (the users themselves come from the user loader)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from racine.resolvers.context import Context


async def load_asset_owners(context: Context, ids: Sequence[uuid.UUID]) -> list[list[uuid.UUID]]:
    async with context.uow() as uow:
        found = await uow.catalog.owners_for(list(ids))  # type: ignore[attr-defined]
    return [found.get(i, []) for i in ids]
