"""Stored sensitivity of assets, kept in step with their classifications.

A column is as sensitive as ``sensitivity_for`` says of its labels (custom types
at their own level); a table, schema, database and source as ``roll_up`` of
their live children. The result is stored (``asset_sensitivity``) so that
``assets(filter:)`` and ``search`` filter and facet on it with one indexed join.

Writers of ``column_classifications`` call one of:

* ``refresh_sensitivity(uow, asset_ids)`` — incremental: the tables of the given
  columns (all their columns are recomputed), the given tables, then their
  ancestors from their children's stored levels. Cost: a few queries per level.
* ``refresh_source_sensitivity(uow, source_id)`` — everything of one source from
  its labels (end of a scan; a backfill). Cost: one pass over its columns.

Both run inside the caller's open unit of work and commit nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence

from racine.domain.catalog.model import Asset, AssetKind, ColumnClassification
from racine.domain.classification.custom import custom_levels
from racine.domain.classification.labels import Label, LabelSource, LabelState
from racine.domain.classification.ports import ClassificationUnitOfWork
from racine.domain.classification.sensitivity import roll_up, sensitivity_for
from racine.domain.classification.types import Sensitivity

__all__ = [
    "column_sensitivity",
    "labels_of",
    "refresh_sensitivity",
    "refresh_source_sensitivity",
]

_MAX_COLUMNS = 100_000
_TABLES = (AssetKind.TABLE, AssetKind.VIEW)


def labels_of(rows: Iterable[ColumnClassification]) -> list[Label]:
    """Stored rows as engine labels (for ``sensitivity_for``, ``merge``, masking)."""
    return [
        Label(r.type_key, r.confidence, LabelState(r.state), LabelSource(r.source),
              dict(r.evidence))
        for r in rows
    ]  # fmt: skip


def column_sensitivity(
    rows: Iterable[ColumnClassification], overrides: Mapping[str, Sensitivity]
) -> Sensitivity | None:
    return sensitivity_for(labels_of(rows), overrides=overrides)


def _level(value: Sensitivity | None) -> int | None:
    return None if value is None else int(value)


async def refresh_sensitivity(
    uow: ClassificationUnitOfWork, asset_ids: Sequence[uuid.UUID]
) -> None:
    """Recompute the stored sensitivity around ``asset_ids`` (columns or tables)."""
    assets: dict[uuid.UUID, Asset] = await uow.catalog.get_many(list(asset_ids))
    tables: set[uuid.UUID] = set()
    frontier: set[uuid.UUID] = set()
    for asset in assets.values():
        if asset.kind is AssetKind.COLUMN and asset.parent_id is not None:
            tables.add(asset.parent_id)
        elif asset.kind in _TABLES:
            tables.add(asset.id)
        else:
            frontier.add(asset.id)
    overrides = await custom_levels(uow)
    levels: dict[uuid.UUID, int | None] = {}
    if tables:
        table_assets: dict[uuid.UUID, Asset] = await uow.catalog.get_many(list(tables))
        columns: dict[uuid.UUID, list[Asset]] = await uow.catalog.children_of(
            list(tables), [AssetKind.COLUMN], include_deleted=True, limit=_MAX_COLUMNS
        )
        live = [c for cs in columns.values() for c in cs if c.deleted_at is None]
        rows = await uow.catalog.classifications_for([c.id for c in live]) if live else {}
        for table_id, table in table_assets.items():
            found: list[Sensitivity | None] = []
            for column in columns.get(table_id, []):
                if column.deleted_at is not None:
                    levels[column.id] = None
                    continue
                level = column_sensitivity(rows.get(column.id, []), overrides)
                levels[column.id] = _level(level)
                found.append(level)
            levels[table_id] = None if table.deleted_at is not None else _level(roll_up(found))
            if table.parent_id is not None:
                frontier.add(table.parent_id)
        await uow.classification.set_levels(levels)
    # Ancestors, one level at a time, from their live children's stored levels.
    while frontier:
        parents: dict[uuid.UUID, Asset] = await uow.catalog.get_many(list(frontier))
        child_max: dict[uuid.UUID, int] = await uow.classification.child_levels(list(parents))
        await uow.classification.set_levels({
            p.id: None if p.deleted_at is not None else child_max.get(p.id)
            for p in parents.values()
        })  # fmt: skip
        frontier = {p.parent_id for p in parents.values() if p.parent_id is not None}


async def refresh_source_sensitivity(uow: ClassificationUnitOfWork, source_id: uuid.UUID) -> int:
    """Recompute every stored level of one source from its labels; returns how many
    assets have a level."""
    # Lean, and only the columns with labels: the others have no level.
    assets: list[Asset] = await uow.catalog.labelled_outline_of(source_id)
    root = await uow.catalog.get(source_id)
    if root is not None:
        assets.append(root)
    by_id = {a.id: a for a in assets}
    live_columns = [a for a in assets if a.kind is AssetKind.COLUMN and a.deleted_at is None]
    rows = await uow.classification.live_labels_of_source(source_id)
    overrides = await custom_levels(uow)
    best: dict[uuid.UUID, int] = {}
    for column in live_columns:
        level = _level(column_sensitivity(rows.get(column.id, []), overrides))
        if level is None:
            continue
        best[column.id] = level
        seen: set[uuid.UUID] = {column.id}
        parent_id = column.parent_id
        while parent_id is not None and parent_id in by_id and parent_id not in seen:
            seen.add(parent_id)
            parent = by_id[parent_id]
            if parent.deleted_at is not None:
                break
            if best.get(parent_id, -1) < level:
                best[parent_id] = level
            parent_id = parent.parent_id
    await uow.classification.replace_source_levels(source_id, best)
    return len(best)
