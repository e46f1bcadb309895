"""Write what a scan found into the catalog, and say what changed.

Tables are stored in batches (``store_tables``): each batch's tables are merged
with the stored assets (``merging``), then written with one statement per kind of
write for the whole batch. Each removal and revival is an
``asset.remove``/``asset.revive`` entry in the asset's history, written in one
batched insert per transaction. A table whose column names, types or nullability
differ from the stored ones is a ``SCHEMA_CHANGED`` with before/after. Labels from
the classifier are merged with the stored ones by the classification area's rule:
a steward's MANUAL or REJECTED label is never overridden. ``load_columns`` brings a
few tables' stored columns into the scan's :class:`CatalogState` before they are
merged; ``remove_missing`` soft-deletes what the scan no longer found.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from racine.domain.access.model import Principal
from racine.domain.audit.record import record, record_many
from racine.domain.catalog.model import Asset, AssetKind, ColumnClassification, JsonText, utcnow
from racine.domain.catalog.ports import CatalogUnitOfWork
from racine.domain.catalog.use_cases import asset_event
from racine.domain.classification.labels import Label, LabelSource, LabelState
from racine.domain.classification.merge import merge
from racine.domain.events import Channels, Event
from racine.domain.scanning.analysis import ColumnAnalysis, analyze_table
from racine.domain.scanning.merging import (
    MAX_COLUMNS,
    CatalogState,
    StoredTable,
    TableOutcome,
    merge_table,
    signature,
)
from racine.domain.scanning.renames import record_renames
from racine.domain.scanning.source import TableMeta

__all__ = [
    "MAX_COLUMNS",
    "analyze_for_storage",
    "ensure_container",
    "load_columns",
    "remove_missing",
    "store_table",
    "store_tables",
]


def analyze_for_storage(*args: Any) -> dict[str, ColumnAnalysis]:
    """``analyze_table`` (same arguments), run in the process pool, with each
    profile encoded there as :class:`JsonText`: the event loop then neither
    unpickles the profiles as nested dicts nor encodes them (~1 ms a 20-column
    table). The assets a scan holds are forgotten once stored, so nothing reads
    these profiles as dicts."""
    out = analyze_table(*args)
    for found in out.values():
        if found.profile is not None:
            found.profile = cast(dict[str, Any], JsonText(_encode(found.profile)))
    return out


# json.dumps's text (a profile is plain JSON types, never circular) without
# json.dumps's check for circular references: ~4 us less per profile.
_encode = json.JSONEncoder(check_circular=False).encode


async def _record_presence(
    uow: CatalogUnitOfWork,
    actor: Principal,
    state: CatalogState,
    now: datetime,
    *,
    removed: Sequence[Asset] = (),
    revived: Sequence[Asset] = (),
) -> None:
    """The history entries of assets the scan soft-deleted (``asset.remove``) or
    found again (``asset.revive``): one batched insert each, whatever their number
    (a dropped schema takes every column of its tables with it)."""
    for action, assets, deleted in (
        ("asset.remove", removed, True),
        ("asset.revive", revived, False),
    ):
        await record_many(
            uow,
            actor,
            action,
            "Asset",
            (
                (
                    a.id,
                    {"deleted": {"before": not deleted, "after": deleted}, "scanId": state.scan_id},
                )
                for a in assets
            ),
            at=now,
        )


async def ensure_container(
    uow: CatalogUnitOfWork,
    actor: Principal,
    state: CatalogState,
    kind: AssetKind,
    name: str,
    qualified: str,
    parent_id: uuid.UUID,
    key: str | None = None,
) -> Asset:
    """The DATABASE or SCHEMA asset, created (or revived) if need be; ``key`` is the
    engine's id of it (a schema's OID), kept as ``detail.sourceKey``."""
    asset = state.by_name.get(qualified)
    if asset is None:
        asset = Asset(
            kind=kind,
            name=name,
            qualified_name=qualified,
            source_id=state.source_id,
            parent_id=parent_id,
            detail={} if key is None else {"sourceKey": key},
        )
        await uow.catalog.save_many([asset], [])
        await uow.catalog.reindex([asset.id])
        state.add(asset)
        uow.emit(asset_event("ASSET_ADDED", asset))
        return asset
    revived = asset.deleted_at is not None
    if revived or (key is not None and asset.detail.get("sourceKey") != key):
        if key is not None:  # a schema dropped and created again has a new one
            asset.detail = {**asset.detail, "sourceKey": key}
        asset.deleted_at = None
        if revived:
            asset.updated_at = utcnow()
        await uow.catalog.save_many([], [asset])
    if revived:
        await _record_presence(uow, actor, state, asset.updated_at, revived=[asset])
        uow.emit(asset_event("ASSET_ADDED", asset))
    return asset


async def load_columns(
    uow: CatalogUnitOfWork,
    state: CatalogState,
    table_names: Sequence[str],
    *,
    classified_types: frozenset[str] | None = None,
) -> dict[str, frozenset[str]]:
    """Load the stored columns of the named tables (qualified names; unknown ones are
    skipped) into ``state``, in one query. Returns, per table, the columns already
    known to be sensitive, whose profiles must keep no raw values: those a steward
    confirmed a MANUAL label on, those with a live PROPAGATED label (lineage's, which
    the scan keeps), and those with a live stored label of a type the scan does not
    look for (``classified_types``, as in :class:`StoredTable`), which no fresh label
    will stand in for."""
    tables = {state.by_name[q].id: q for q in table_names if q in state.by_name}
    if not tables:
        return {}
    found = await uow.catalog.children_of(
        list(tables),
        [AssetKind.COLUMN],
        include_deleted=True,
        limit=MAX_COLUMNS,
        profiles_as_text=True,
    )
    names: dict[uuid.UUID, tuple[str, str]] = {}
    for table_id, columns in found.items():
        for column in columns:
            state.add(column)
            names[column.id] = (tables[table_id], column.name)
    out: dict[str, set[str]] = defaultdict(set)
    if names:
        stored = await uow.catalog.classifications_for(list(names))
        for column_id, rows in stored.items():
            if any(
                (r.source == "MANUAL" and r.state == "CONFIRMED")
                or (r.source == "PROPAGATED" and r.state != LabelState.REJECTED.value)
                or (
                    classified_types is not None
                    and r.type_key not in classified_types
                    and r.state != LabelState.REJECTED.value
                )
                for r in rows
            ):
                table_q, column = names[column_id]
                out[table_q].add(column)
    return {q: frozenset(cols) for q, cols in out.items()}


def _labels(rows: list[ColumnClassification]) -> list[Label]:
    return [
        Label(
            r.type_key, r.confidence, LabelState(r.state), LabelSource(r.source), dict(r.evidence)
        )
        for r in rows
    ]


def _classification_rows(
    asset: Asset, merged: list[Label], existing: list[ColumnClassification], now: datetime
) -> list[ColumnClassification]:
    return [
        ColumnClassification(
            asset_id=asset.id,
            type_key=lb.type_key,
            state=lb.state.value,
            source=lb.source.value,
            confidence=lb.confidence,
            evidence=dict(lb.evidence),
            actor_id=next(
                (
                    r.actor_id
                    for r in existing
                    if r.type_key == lb.type_key and r.source == lb.source.value
                ),
                None,
            ),
            updated_at=next(
                (
                    r.updated_at
                    for r in existing
                    if r.type_key == lb.type_key
                    and r.source == lb.source.value
                    and r.state == lb.state.value
                ),
                now,
            ),
        )
        for lb in merged
    ]


def _same(a: list[ColumnClassification], b: list[ColumnClassification]) -> bool:
    def key(rows: list[ColumnClassification]) -> list[tuple[Any, ...]]:
        return sorted(
            (r.type_key, r.state, r.source, round(r.confidence, 9), r.actor_id, r.evidence)
            for r in rows
        )

    try:
        return key(a) == key(b)
    except TypeError:  # evidence dicts do not order: compare the slow way
        return False


async def store_tables(
    uow: CatalogUnitOfWork,
    actor: Principal,
    state: CatalogState,
    items: Sequence[StoredTable],
    now: datetime,
) -> list[TableOutcome]:
    """Store a batch of scanned tables in the open unit of work: one insert and one
    update for all their assets, one read and one rewrite of their labels, one
    re-index. Events and the schema-change audit are per table. The tables' stored
    columns must have been loaded into ``state`` (``load_columns``)."""
    new: list[Asset] = []
    changed: list[Asset] = []
    merged = [merge_table(state, item, now, new, changed) for item in items]
    await uow.catalog.save_many(new, changed)
    await _record_presence(
        uow,
        actor,
        state,
        now,
        removed=[a for m in merged for a in m.removed],
        revived=[a for m in merged for a in m.revived],
    )
    await record_renames(uow, actor, state, [r for m in merged for r in m.renamed], now)

    # Classifications: merge with the stored ones; a steward's word stands.
    all_columns = [c for m in merged for c in m.columns]
    analysis = {
        c.id: (item.analysis.get(c.name, ColumnAnalysis()), item.classified_types)
        for m, item in zip(merged, items, strict=True)
        if item.classified_types is None or item.classified_types
        for c in m.columns
        if c.name not in item.unread
    }
    fresh_ids = {a.id for a in new}
    known = [c.id for c in all_columns if c.id in analysis and c.id not in fresh_ids]
    stored = await uow.catalog.classifications_for(known) if known else {}
    rewrite: dict[uuid.UUID, list[ColumnClassification]] = {}
    for asset in all_columns:
        if asset.id not in analysis:
            continue  # not classified by this scan: its labels stay
        found, evaluated = analysis[asset.id]
        fresh = [lb for lb in found.labels if lb.source is not LabelSource.MANUAL]
        existing = stored.get(asset.id, [])
        if not fresh and not existing:
            continue
        labels = merge(_labels(existing), fresh, evaluated=evaluated)
        rows = _classification_rows(asset, labels, existing, now)
        if existing and _same(rows, existing):
            continue  # unchanged: keep the stored rows (and their timestamps)
        rewrite[asset.id] = rows
    if rewrite:
        await uow.catalog.replace_classifications_many(rewrite, fresh_ids)
        # Lineage propagates labels downstream when it hears of changed columns.
        ids = [str(i) for i in rewrite]
        for start in range(0, len(ids), 1000):
            uow.emit(
                Event(
                    Channels.CATALOG,
                    "CLASSIFICATION_CHANGED",
                    {"assetIds": ids[start : start + 1000], "sourceId": str(state.source_id)},
                )
            )

    # Search documents: only those that changed (a re-scan of an unchanged source
    # rewrites none).
    live = {
        m.outcome.asset.id: [c.name for c in sorted(m.columns, key=lambda c: c.position)]
        for m in merged
    }
    documents = [a for m in merged for a in m.documents]
    if documents:
        await uow.catalog.index_assets(documents, live, fresh_ids)

    for m in merged:
        table = m.outcome.asset
        after = signature(m.columns)
        # A table the scan found renamed is changed even if its columns are not.
        m.outcome.changed = table.id in state.renamed
        for asset in m.described:  # a new source comment replaced its description
            uow.emit(asset_event("ASSET_UPDATED", asset, fields=["description"]))
        if m.outcome.added:
            uow.emit(asset_event("ASSET_ADDED", table, columns=len(m.columns)))
        elif m.before != after:
            m.outcome.changed = True
            uow.emit(asset_event("SCHEMA_CHANGED", table, before=m.before, after=after))
            await record(
                uow,
                actor,
                "asset.schema_changed",
                "Asset",
                table.id,
                {"before": m.before, "after": after},
            )
    return [m.outcome for m in merged]


async def store_table(
    uow: CatalogUnitOfWork,
    actor: Principal,
    state: CatalogState,
    parent: Asset,
    meta: TableMeta,
    analysis: dict[str, ColumnAnalysis],
    now: datetime,
) -> TableOutcome:
    """One table: ``store_tables`` with a batch of one."""
    [outcome] = await store_tables(uow, actor, state, [StoredTable(parent, meta, analysis)], now)
    return outcome


async def remove_missing(
    uow: CatalogUnitOfWork,
    actor: Principal,
    state: CatalogState,
    keep: set[str],
    schemas: set[str],
    now: datetime,
    dropped: frozenset[str] = frozenset(),
) -> list[Asset]:
    """Soft-delete tables and views under ``schemas`` (qualified schema names) that
    the scan did not find (``keep``), with their columns; and the ``dropped``
    schemas (selected by the rules, no longer in the source) with everything under
    them. ``dropped`` may also name a database the source no longer points at (its
    schemas must be named too). Emit ASSET_REMOVED for each database, schema, table
    and view; each removed asset (columns too) gets an ``asset.remove`` history entry."""
    gone: list[Asset] = []
    # A table's schema by its parent, not by its name: a table catalogued before
    # names with dots were quoted (``main.a.b`` for table ``a.b``) is in schema
    # ``main``, and is removed once the scan stores it as ``main."a.b"``.
    schema_of = {
        a.id: a.qualified_name for a in state.by_name.values() if a.kind is AssetKind.SCHEMA
    }
    for asset in list(state.by_name.values()):
        if asset.deleted_at is not None:
            continue
        if asset.kind in (AssetKind.DATABASE, AssetKind.SCHEMA):
            if asset.qualified_name in dropped:
                asset.deleted_at = now
                gone.append(asset)
            continue
        if asset.kind not in (AssetKind.TABLE, AssetKind.VIEW):
            continue
        schema_name = schema_of.get(asset.parent_id) if asset.parent_id else None
        if schema_name in dropped or (schema_name in schemas and asset.qualified_name not in keep):
            asset.deleted_at = now
            gone.append(asset)
    if not gone:
        return gone
    children = await uow.catalog.children_of(
        [a.id for a in gone], [AssetKind.COLUMN], limit=MAX_COLUMNS
    )
    columns = [c for cs in children.values() for c in cs]
    for column in columns:
        column.deleted_at = now
    await uow.catalog.save_many([], [*gone, *columns])
    await _record_presence(uow, actor, state, now, removed=[*gone, *columns])
    for asset in gone:
        uow.emit(asset_event("ASSET_REMOVED", asset))
    await uow.catalog.reindex([a.id for a in gone])
    return gone
