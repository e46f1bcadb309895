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

from racine.domain.catalog.model import LinkChanges
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
        self, ids: Sequence[uuid.UUID], add: Sequence[str], remove: Sequence[str]
    ) -> LinkChanges:
        """Add ``add`` to and remove ``remove`` from the tags of each of ``ids``, leaving
        the others as they are (also those another edit added since the caller read
        them): the (asset id, tag) pairs it added and removed."""
        return await self._change(ids, AssetTagRow.tag, add, remove)

    async def change_owners(
        self, ids: Sequence[uuid.UUID], add: Sequence[uuid.UUID], remove: Sequence[uuid.UUID]
    ) -> LinkChanges:
        """As :meth:`change_tags`, for owners (user ids)."""
        return await self._change(ids, AssetOwnerRow.user_id, add, remove)

    async def change_terms(
        self, ids: Sequence[uuid.UUID], add: Sequence[uuid.UUID], remove: Sequence[uuid.UUID]
    ) -> LinkChanges:
        """As :meth:`change_tags`, for glossary terms (term ids): a link already there,
        also one made by a call committed since this one began, is not added again."""
        return await self._change(ids, AssetTermRow.term_id, add, remove)

    async def _change(
        self, ids: Sequence[uuid.UUID], column: Any, add: Sequence[Any], remove: Sequence[Any]
    ) -> LinkChanges:
        """A delete (``RETURNING`` what it removed) per 500 assets and an insert of the
        missing pairs per 1,000 rows (see ``insert_missing``): for a bulk edit (at most
        100 assets) one of each, whatever the number of assets."""
        table = column.class_.__table__
        removed: list[tuple[uuid.UUID, Any]] = []
        if remove:
            for chunk in chunks(ids):
                result = await self.session.execute(
                    delete(table)
                    .where(table.c.asset_id.in_(chunk), column.in_(list(remove)))
                    .returning(table.c.asset_id, column)
                )
                removed.extend((asset_id, value) for asset_id, value in result)
        rows = [{"asset_id": i, column.key: v} for i in dict.fromkeys(ids) for v in add]
        inserted = await insert_missing(self.session, table, rows)  # (asset_id, item) keys
        added = [(asset_id, value) for asset_id, value in inserted]
        return LinkChanges(added, removed)

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
        return bool(getattr(removed, "rowcount", 0)) or bool(added)

    async def assets_with_term(self, term_id: uuid.UUID) -> list[uuid.UUID]:
        return list(
            await self.session.scalars(
                select(AssetTermRow.asset_id).where(AssetTermRow.term_id == term_id)
            )
        )
