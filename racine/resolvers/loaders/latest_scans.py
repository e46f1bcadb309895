"""The newest scan of each data source, batched."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from racine.domain.scanning.model import Scan

if TYPE_CHECKING:
    from racine.resolvers.context import Context


async def load_latest_scans(context: Context, ids: Sequence[uuid.UUID]) -> list[Scan | None]:
    async with context.uow() as uow:
        found = await uow.sources.latest_scans(list(ids))  # type: ignore[attr-defined]
    return [found.get(i) for i in ids]
