"""Catalog assets by id, batched (soft-deleted ones included: a node stays readable), and
live ones by qualified name."""

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


async def load_assets_by_name(
    context: Context, keys: Sequence[tuple[uuid.UUID, str]]
) -> list[Asset | None]:
    """The live asset of each ``(source id, qualified name)``, or None."""
    async with context.uow() as uow:
        found = await uow.catalog.by_names(list(keys))  # type: ignore[attr-defined]
    return [found.get(k) for k in keys]
