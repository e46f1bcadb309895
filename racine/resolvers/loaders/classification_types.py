"""Custom classification types by key (built-ins need no loading), batched."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from racine.domain.classification.custom import StoredType

if TYPE_CHECKING:
    from racine.resolvers.context import Context


async def load_classification_types(
    context: Context, keys: Sequence[str]
) -> list[StoredType | None]:
    async with context.uow() as uow:
        found = await uow.classification.get_types(list(keys))  # type: ignore[attr-defined]
    return [found.get(k) for k in keys]
