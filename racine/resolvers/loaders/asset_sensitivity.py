"""Stored sensitivity levels of assets (``Sensitivity`` integers), batched."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from racine.resolvers.context import Context


async def load_asset_sensitivity(context: Context, ids: Sequence[uuid.UUID]) -> list[int | None]:
    async with context.uow() as uow:
        found = await uow.classification.levels_for(list(ids))  # type: ignore[attr-defined]
    return [found.get(i) for i in ids]
