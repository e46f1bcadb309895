"""Glossary terms by id, batched."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from racine.domain.catalog.model import GlossaryTerm

if TYPE_CHECKING:
    from racine.resolvers.context import Context


async def load_glossary_terms(
    context: Context, ids: Sequence[uuid.UUID]
) -> list[GlossaryTerm | None]:
    async with context.uow() as uow:
        found = await uow.glossary.get_many(list(ids))  # type: ignore[attr-defined]
    return [found.get(i) for i in ids]
