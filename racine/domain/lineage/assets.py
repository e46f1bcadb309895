"""Find the assets lineage points at, creating placeholders for the unknown ones.

A table named by SQL or OpenLineage that the catalog does not hold becomes an
EXTERNAL asset (``detail.placeholder`` true) in the same source, with COLUMN
children for the columns seen; a later scan that finds the real table should
turn the placeholder into a TABLE in place (same id, so edges survive).
One :class:`AssetIndex` serves one use case: it loads what it needs in bulk and
writes every new asset in one statement before edges refer to them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from racine.domain.catalog.model import Asset, AssetKind
from racine.domain.catalog.names import qualify
from racine.domain.lineage.ports import LineageUnitOfWork

__all__ = ["TABLE_LIKE", "AssetIndex"]

TABLE_LIKE = (AssetKind.TABLE, AssetKind.VIEW, AssetKind.EXTERNAL)


class AssetIndex:
    def __init__(self, uow: LineageUnitOfWork, source_id: uuid.UUID | None, origin: str) -> None:
        self.uow = uow
        self.source_id = source_id
        self.origin = origin
        self.tables: dict[str, Asset] = {}
        self._folded: dict[str, Asset] = {}
        self._columns: dict[uuid.UUID, dict[str, Asset]] = {}
        self.created: list[Asset] = []
        self._pending: list[Asset] = []

    # -- loading ---------------------------------------------------------------------------

    async def load_all(self) -> None:
        """Every table-like asset of the source with its columns (for SQL schemas)."""
        assert self.source_id is not None
        for table in await self.uow.lineage.tables_of_source(self.source_id):
            self._remember(table)
        await self._load_columns(t.id for t in self.tables.values())

    async def prefetch(self, names: Iterable[str]) -> None:
        wanted = [n for n in dict.fromkeys(names) if n not in self.tables]
        if wanted:
            found = await self.uow.lineage.by_qualified_names(self.source_id, wanted, TABLE_LIKE)
            for table in found.values():
                self._remember(table)
            await self._load_columns(t.id for t in found.values())

    async def _load_columns(self, table_ids: Iterable[uuid.UUID]) -> None:
        ids = [i for i in table_ids if i not in self._columns]
        found = await self.uow.lineage.columns_of(ids) if ids else {}
        for table_id in ids:
            self._columns[table_id] = {c.name.casefold(): c for c in found.get(table_id, [])}

    def _remember(self, table: Asset) -> None:
        self.tables[table.qualified_name] = table
        self._folded.setdefault(table.qualified_name.casefold(), table)

    def schema(self) -> dict[str, list[str]]:
        """qualified table name -> column names, as the SQL engine wants it."""
        return {
            name: [c.name for c in self._columns.get(t.id, {}).values()]
            for name, t in self.tables.items()
        }

    def table(self, name: str) -> Asset | None:
        return self.tables.get(name) or self._folded.get(name.casefold())

    def columns(self, table: Asset) -> list[Asset]:
        return list(self._columns.get(table.id, {}).values())

    # -- finding or creating -----------------------------------------------------------------

    def ensure_table(self, name: str, detail: dict[str, Any] | None = None) -> Asset:
        found = self.table(name)
        if found is not None:
            return found
        table = Asset(
            kind=AssetKind.EXTERNAL,
            name=name.rsplit(".", 1)[-1] or name,
            qualified_name=name,
            source_id=self.source_id,
            detail={"placeholder": True, "origin": self.origin, **(detail or {})},
        )
        self._remember(table)
        self._columns[table.id] = {}
        self._new(table)
        return table

    def ensure_column(self, table: Asset, column: str, data_type: str | None = None) -> Asset:
        known = self._columns.setdefault(table.id, {})
        found = known.get(column.casefold())
        if found is not None:
            return found
        detail: dict[str, Any] = {"placeholder": True, "origin": self.origin}
        if data_type:
            detail["dataType"] = data_type
        asset = Asset(
            kind=AssetKind.COLUMN,
            name=column,
            qualified_name=qualify(table.qualified_name, column),
            source_id=table.source_id,
            parent_id=table.id,
            position=len(known),
            detail=detail,
        )
        known[column.casefold()] = asset
        self._new(asset)
        return asset

    def _new(self, asset: Asset) -> None:
        self._pending.append(asset)
        self.created.append(asset)

    async def flush(self) -> None:
        """Write the placeholders created since the last flush (one statement) and
        index them for search."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        await self.uow.catalog.save_many(pending, [])
        await self.uow.catalog.reindex([a.id for a in pending])
