"""Users by id, batched."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from racine.domain.access.model import User

if TYPE_CHECKING:
    from racine.resolvers.context import Context


async def load_users(context: Context, ids: Sequence[uuid.UUID]) -> list[User | None]:
    async with context.uow() as uow:
        found = await uow.users.get_many(list(ids))
    return [found.get(i) for i in ids]
