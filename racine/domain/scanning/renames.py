"""Follow schemas, tables and views the source renamed (tables and views also moved to
another schema).

A scan matches stored assets by qualified name, so a renamed table would be removed
under its old name and added as new under the other, and lose what stewards gave it
(description, tags, owners, glossary terms, manual labels, lineage, history). Where
the engine gives relations an id that ``ALTER … RENAME`` and ``SET SCHEMA`` keep
(``TableRef.key``: PostgreSQL's OID), the scan follows them: before any table is
stored, a listed relation under a name the catalog does not know, whose id a live
stored table or view of the same database carries under a name the source no longer
shows, is that asset renamed. It takes the new name and schema, its columns' qualified
names follow, each gets an ``asset.rename`` history entry, and ``catalogChanges``
announces ``ASSET_RENAMED`` with the names before and after.

A name the catalog knows wins over an id: a table swapped in under a known name (the
blue/green pattern: rename ``t`` to ``t_old``, ``t_new`` to ``t``) keeps ``t``'s
asset, and ``t_old`` is a new one, as before. Engines without such ids (MySQL,
MariaDB, SQLite) see a rename as a removal and an addition.

A schema renamed (``ALTER SCHEMA … RENAME``: its OID stays) is followed the same way,
before its tables: the schema asset takes the new name and everything under it follows,
so its tables are then found under names the catalog knows.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from racine.domain.access.model import Principal
from racine.domain.audit.record import record_many
from racine.domain.catalog.model import Asset, AssetKind
from racine.domain.catalog.names import parent_of, qualify
from racine.domain.catalog.ports import CatalogUnitOfWork
from racine.domain.catalog.use_cases import asset_event
from racine.domain.scanning.merging import MAX_COLUMNS, CatalogState

__all__ = [
    "Rename",
    "apply_renames",
    "apply_schema_renames",
    "find_renames",
    "find_schema_renames",
    "record_renames",
]

_RELATIONS = (AssetKind.TABLE, AssetKind.VIEW)


@dataclass(frozen=True, slots=True)
class Rename:
    """A stored table or view found under another name: its new schema and name."""

    asset: Asset
    schema: str
    name: str


def find_renames(
    state: CatalogState,
    database: Asset,
    found: Mapping[tuple[str, str], str | None],
    containers: Mapping[str, Asset],
) -> list[Rename]:
    """``found``: the relations the scan will read, (schema, name) → engine id;
    ``containers``: their schemas' assets by name. An id two stored assets carry is
    ambiguous and followed by neither."""
    schemas = {a.id for a in containers.values()} | {
        a.id
        for a in state.by_name.values()
        if a.kind is AssetKind.SCHEMA and a.parent_id == database.id
    }
    where = {
        qualify(containers[schema].qualified_name, name): (schema, name, key)
        for (schema, name), key in found.items()
    }
    by_key: dict[str, list[Asset]] = defaultdict(list)
    for asset in state.by_name.values():
        key = asset.detail.get("sourceKey")
        if (
            key is not None
            and asset.kind in _RELATIONS
            and asset.deleted_at is None
            and asset.parent_id in schemas
            and asset.qualified_name not in where
        ):
            by_key[str(key)].append(asset)
    return [
        Rename(by_key[key][0], schema, name)
        for qualified, (schema, name, key) in where.items()
        if key is not None and qualified not in state.by_name and len(by_key.get(key, ())) == 1
    ]


async def apply_renames(
    uow: CatalogUnitOfWork,
    actor: Principal,
    state: CatalogState,
    renames: Sequence[Rename],
    containers: Mapping[str, Asset],
    now: datetime,
) -> None:
    """Rename the assets of ``renames`` and their columns in the open unit of work;
    the tables are then stored like any other found under a known name."""
    if not renames:
        return
    before: dict[uuid.UUID, str] = {}
    for rename in renames:
        table, schema = rename.asset, containers[rename.schema]
        before[table.id] = table.qualified_name
        state.rename(table, rename.name, qualify(schema.qualified_name, rename.name))
        state.reparent(table, schema.id)
        table.updated_at = now
        state.renamed.add(table.id)
    await _store_moves(uow, actor, state, [r.asset for r in renames], before, now)


def find_schema_renames(
    state: CatalogState, database: Asset, shown: Collection[str], keys: Mapping[str, str]
) -> list[tuple[Asset, str]]:
    """Stored schemas of ``database`` the source renamed, with their new names:
    ``shown`` is every schema the source lists (selected or not), ``keys`` the ids of
    the schemas the scan will read, by name. As for relations, a known name wins, and
    an id two stored schemas carry is followed by neither."""
    by_key: dict[str, list[Asset]] = defaultdict(list)
    for asset in state.by_name.values():
        key = asset.detail.get("sourceKey")
        if (
            key is not None
            and asset.kind is AssetKind.SCHEMA
            and asset.parent_id == database.id
            and asset.deleted_at is None
            and asset.name not in shown
        ):
            by_key[str(key)].append(asset)
    return [
        (by_key[key][0], name)
        for name, key in sorted(keys.items())
        if qualify(database.qualified_name, name) not in state.by_name
        and len(by_key.get(key, ())) == 1
    ]


async def apply_schema_renames(
    uow: CatalogUnitOfWork,
    actor: Principal,
    state: CatalogState,
    renames: Sequence[tuple[Asset, str]],
    now: datetime,
) -> None:
    """Rename the schemas of ``renames`` (from :func:`find_schema_renames`) with all
    under them, removed ones too: their tables and views, then those tables' columns.
    Each gets an ``asset.rename`` history entry; the schema and its live tables and
    views are announced as ``ASSET_RENAMED``."""
    if not renames:
        return
    before: dict[uuid.UUID, str] = {}
    tables: list[Asset] = []
    for schema, name in renames:
        parent = parent_of(schema.qualified_name)
        before[schema.id] = schema.qualified_name
        state.rename(schema, name, qualify(parent, name))
        schema.updated_at = now
        for table in state.children(schema.id):
            if table.kind in _RELATIONS:
                before[table.id] = table.qualified_name
                state.rename(table, table.name, qualify(schema.qualified_name, table.name))
                table.updated_at = now
                state.renamed.add(table.id)
                tables.append(table)
    await _store_moves(uow, actor, state, [*(s for s, _ in renames), *tables], before, now)


async def _store_moves(
    uow: CatalogUnitOfWork,
    actor: Principal,
    state: CatalogState,
    moved: Sequence[Asset],
    before: dict[uuid.UUID, str],
    now: datetime,
) -> None:
    """The columns of the ``moved`` tables and views follow their new qualified names;
    then all are stored and re-indexed, each gets its ``asset.rename`` entry (``before``:
    the qualified names before, by id), and the live ``moved`` are announced as
    ``ASSET_RENAMED``."""
    tables = [a for a in moved if a.kind in _RELATIONS]
    children = await uow.catalog.children_of(
        [t.id for t in tables], [AssetKind.COLUMN], include_deleted=True, limit=MAX_COLUMNS
    )
    columns: list[Asset] = []
    for table in tables:
        for column in children.get(table.id, []):
            before[column.id] = column.qualified_name
            column.move_to(column.name, qualify(table.qualified_name, column.name))
            columns.append(column)
    every = [*moved, *columns]
    await uow.catalog.save_many([], every)
    await uow.catalog.reindex([a.id for a in every])
    await record_renames(uow, actor, state, [(a, before[a.id]) for a in every], now)
    for asset in moved:
        if asset.deleted_at is None:
            uow.emit(
                asset_event(
                    "ASSET_RENAMED",
                    asset,
                    before={"qualifiedName": before[asset.id]},
                    after={"qualifiedName": asset.qualified_name},
                )
            )


async def record_renames(
    uow: CatalogUnitOfWork,
    actor: Principal,
    state: CatalogState,
    renamed: Sequence[tuple[Asset, str]],
    now: datetime,
) -> None:
    """One ``asset.rename`` history entry per (asset, qualified name before), in one
    batched insert."""
    await record_many(
        uow,
        actor,
        "asset.rename",
        "Asset",
        (
            (
                asset.id,
                {
                    "qualifiedName": {"before": old, "after": asset.qualified_name},
                    "scanId": state.scan_id,
                },
            )
            for asset, old in renamed
        ),
        at=now,
    )
