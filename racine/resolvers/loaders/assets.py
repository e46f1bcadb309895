"""Catalog assets by id, batched (soft-deleted ones included: a node stays readable)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from racine.domain.catalog.model import Asset

if TYPE_CHECKING:
    from racine.resolvers.context import Context


async def load_assets(context: Context, ids: Sequence[uuid.UUID]) -> list[Asset | None]:
    async with context.uow() as uow:
        found = await uow.catalog.get_many(list(ids))  # type: ignore[attr-defined]
    return [found.get(i) for i in ids]
