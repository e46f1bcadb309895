"""An asset's tags, owners and glossary terms (mixed into
:class:`~racine.persistence.repositories.catalog.CatalogRepository`). The ``*_for``
reads take many ids and run one query per 500."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from racine.persistence.insert_missing import insert_missing
from racine.persistence.repositories.chunks import chunks
from racine.persistence.tables.catalog import AssetOwnerRow, AssetTagRow, AssetTermRow

__all__ = ["RelationsMixin"]


class RelationsMixin:
    session: AsyncSession

    async def _grouped(
        self, ids: Sequence[uuid.UUID], key: Any, value: Any, *order: Any
    ) -> dict[uuid.UUID, list[Any]]:
        """``value`` of the rows whose ``key`` is in ``ids``, grouped by ``key``."""
        out: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for chunk in chunks(ids):
            rows = await self.session.execute(
                select(key, value).where(key.in_(chunk)).order_by(*order)
            )
            for asset_id, item in rows:
                out[asset_id].append(item)
        return dict(out)

    async def tags_for(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        return await self._grouped(ids, AssetTagRow.asset_id, AssetTagRow.tag, AssetTagRow.tag)

    async def owners_for(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        return await self._grouped(ids, AssetOwnerRow.asset_id, AssetOwnerRow.user_id)

    async def terms_for(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        return await self._grouped(ids, AssetTermRow.asset_id, AssetTermRow.term_id)

    async def set_tags(self, asset_id: uuid.UUID, tags: Sequence[str]) -> bool:
        """Make ``tags`` the asset's tags; False if they already were (an identical
        edit committed since the caller read them: see ``insert_missing``)."""
        return await self._replace(asset_id, AssetTagRow.tag, tags)

    async def set_owners(self, asset_id: uuid.UUID, owners: Sequence[uuid.UUID]) -> bool:
        """Make ``owners`` the asset's owners; False if they already were."""
        return await self._replace(asset_id, AssetOwnerRow.user_id, owners)

    async def change_tags(
        self, asset_id: uuid.UUID, add: Sequence[str], remove: Sequence[str]
    ) -> bool:
        """Add and remove tags, leaving the others as they are (also those another
        edit added since the caller read them); False if that changed nothing."""
        return await self._change(asset_id, AssetTagRow.tag, add, remove)

    async def change_owners(
        self, asset_id: uuid.UUID, add: Sequence[uuid.UUID], remove: Sequence[uuid.UUID]
    ) -> bool:
        """Add and remove owners, leaving the others as they are; False if that
        changed nothing."""
        return await self._change(asset_id, AssetOwnerRow.user_id, add, remove)

    async def _change(
        self, asset_id: uuid.UUID, column: Any, add: Sequence[Any], remove: Sequence[Any]
    ) -> bool:
        table = column.class_.__table__
        removed = 0
        if remove:
            result = await self.session.execute(
                delete(table).where(table.c.asset_id == asset_id, column.in_(list(remove)))
            )
            removed = getattr(result, "rowcount", 0)
        added = await insert_missing(
            self.session, table, [{"asset_id": asset_id, column.key: v} for v in add]
        )
        return bool(removed) or added > 0

    async def _replace(self, asset_id: uuid.UUID, column: Any, values: Sequence[Any]) -> bool:
        """Make ``values`` the asset's values of ``column`` (of a link table keyed by
        ``asset_id`` and it); False if they already were."""
        table = column.class_.__table__
        removed = await self.session.execute(
            delete(table).where(table.c.asset_id == asset_id, column.not_in(list(values)))
        )
        added = await insert_missing(
            self.session, table, [{"asset_id": asset_id, column.key: v} for v in values]
        )
        return bool(getattr(removed, "rowcount", 0)) or added > 0

    async def assign_term(self, asset_id: uuid.UUID, term_id: uuid.UUID) -> bool:
        """Attach the term; False if it already was (also attached by a call committed
        since this one began: see ``insert_missing``)."""
        rows = [{"asset_id": asset_id, "term_id": term_id}]
        return await insert_missing(self.session, AssetTermRow.__table__, rows) > 0

    async def unassign_term(self, asset_id: uuid.UUID, term_id: uuid.UUID) -> bool:
        """Detach the term; False if it was not attached."""
        result = await self.session.execute(
            delete(AssetTermRow).where(
                AssetTermRow.asset_id == asset_id, AssetTermRow.term_id == term_id
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def assets_with_term(self, term_id: uuid.UUID) -> list[uuid.UUID]:
        return list(
            await self.session.scalars(
                select(AssetTermRow.asset_id).where(AssetTermRow.term_id == term_id)
            )
        )
