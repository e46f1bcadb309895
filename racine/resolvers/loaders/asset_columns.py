"""Live columns of tables and views, by table id, in ordinal order (≤ 1,000 each)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from racine.domain.catalog.model import Asset, AssetKind

if TYPE_CHECKING:
    from racine.resolvers.context import Context

MAX_COLUMNS = 1000


async def load_asset_columns(context: Context, ids: Sequence[uuid.UUID]) -> list[list[Asset]]:
    async with context.uow() as uow:
        found = await uow.catalog.children_of(  # type: ignore[attr-defined]
            list(ids), [AssetKind.COLUMN], limit=MAX_COLUMNS
        )
    return [found.get(i, []) for i in ids]
