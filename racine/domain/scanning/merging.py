"""A scanned table merged with what the catalog holds of it, before anything is
written.

A scan keeps the source's containers, tables and views in memory
(``CatalogState``, by qualified name, with a parent index) and loads the stored
columns of a few tables at a time, dropping them again once those tables are stored
(``forget``): memory stays flat however large the source. ``merge_table`` matches a
scanned table's columns with the stored ones by qualified name: new assets are
made, known ones updated (and revived if they had been soft-deleted), columns that
vanished are marked soft-deleted. Where the engine gives its columns ids that a
rename keeps (``ColumnMeta.key``), a column found under a name the catalog does not
know, whose id a stored column of the table carries under a name the source no
longer shows, is that column renamed: it keeps its description, tags, owners, terms,
labels and history. A known column whose type, nullability, default, comment,
position and profile are as stored is not rewritten, and its ``updated_at`` stays
(a table's moves only when its facts other than ``lastScannedAt`` change).
``signature`` is what a ``SCHEMA_CHANGED`` compares (column names, types and
nullability). ``sync`` writes the result.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from racine.domain.catalog.model import FORMER_NAMES, Asset, AssetKind, JsonText
from racine.domain.catalog.names import qualify
from racine.domain.scanning.analysis import ColumnAnalysis
from racine.domain.scanning.source import TableKind, TableMeta

__all__ = [
    "MAX_COLUMNS",
    "CatalogState",
    "MergedTable",
    "StoredTable",
    "TableOutcome",
    "merge_table",
    "signature",
    "table_detail",
]

MAX_COLUMNS = 100_000
"""Columns read per table (far above any engine's limit: MySQL 4,096, PostgreSQL 1,600)."""


@dataclass
class CatalogState:
    """Assets of the source held by a scan (deleted ones too), by qualified name,
    with an index by parent so a table's columns are found without a full pass."""

    source_id: uuid.UUID
    by_name: dict[str, Asset] = field(default_factory=dict)
    scan_id: uuid.UUID | None = None
    """The scan holding the state, named in the history entries it records."""
    renamed: set[uuid.UUID] = field(default_factory=set)
    """Tables and views this scan found renamed or moved (``renames``)."""
    _by_parent: dict[uuid.UUID, dict[uuid.UUID, Asset]] = field(
        default_factory=lambda: defaultdict(dict), repr=False
    )

    def __post_init__(self) -> None:
        for asset in self.by_name.values():
            self._index(asset)

    def _index(self, asset: Asset) -> None:
        if asset.parent_id is not None:
            self._by_parent[asset.parent_id][asset.id] = asset

    def add(self, asset: Asset) -> None:
        old = self.by_name.get(asset.qualified_name)
        if old is not None and old.parent_id is not None:
            self._by_parent.get(old.parent_id, {}).pop(old.id, None)
        self.by_name[asset.qualified_name] = asset
        self._index(asset)

    def rename(self, asset: Asset, name: str, qualified: str) -> None:
        """Move ``asset`` to another name (its children are not renamed here)."""
        if self.by_name.get(asset.qualified_name) is asset:
            del self.by_name[asset.qualified_name]
        asset.move_to(name, qualified)
        self.by_name[qualified] = asset

    def reparent(self, asset: Asset, parent_id: uuid.UUID) -> None:
        if asset.parent_id is not None:
            self._by_parent.get(asset.parent_id, {}).pop(asset.id, None)
        asset.parent_id = parent_id
        self._index(asset)

    def children(self, parent_id: uuid.UUID) -> list[Asset]:
        return list(self._by_parent.get(parent_id, {}).values())

    def forget(self, table: Asset) -> None:
        """Drop a stored table's columns (the table itself stays: ``remove_missing``
        needs to know it was seen)."""
        for child in self._by_parent.pop(table.id, {}).values():
            self.by_name.pop(child.qualified_name, None)


@dataclass
class TableOutcome:
    asset: Asset
    added: bool = False
    changed: bool = False
    columns: int = 0


@dataclass
class StoredTable:
    """One scanned table to store: its schema asset, what was reflected and found."""

    parent: Asset
    meta: TableMeta
    analysis: dict[str, ColumnAnalysis]
    classified_types: frozenset[str] | None = None
    """The label types the scan looked for: None for every type, none when it did not
    classify. Stored automatic labels of other types stay as they are (an empty
    ``labels`` would otherwise drop them as stale)."""
    unread: frozenset[str] = frozenset()
    """Columns the scan could not read (no ``SELECT`` privilege): their stored labels
    and profiles stay as they are."""


def signature(columns: list[Asset]) -> list[dict[str, Any]]:
    return [
        {"name": c.name, "dataType": c.detail.get("dataType"), "nullable": c.detail.get("nullable")}
        for c in sorted(columns, key=lambda c: c.position)
    ]


def table_detail(meta: TableMeta, now: datetime) -> dict[str, Any]:
    key: dict[str, Any] = {} if meta.key is None else {"sourceKey": meta.key}
    if meta.partition_key is not None:
        key |= {"partitionKey": meta.partition_key, "partitions": meta.partitions}
    if meta.foreign_server is not None:
        key["foreignServer"] = meta.foreign_server
    if meta.row_security:
        key["rowSecurity"] = True
    return {
        **key,
        "rowCount": meta.row_count,
        "primaryKey": list(meta.primary_key),
        "viewSql": meta.view_sql,
        "comment": meta.comment,
        "foreignKeys": [
            {
                "columns": list(fk.columns),
                "referredSchema": fk.referred_schema,
                "referredTable": fk.referred_table,
                "referredColumns": list(fk.referred_columns),
            }
            for fk in meta.foreign_keys
        ],
        "indexes": [
            {"name": i.name, "columns": list(i.columns), "unique": i.unique} for i in meta.indexes
        ],
        "lastScannedAt": now.isoformat(),
    }


@dataclass
class MergedTable:
    """One table's assets after merging, before anything is written."""

    outcome: TableOutcome
    columns: list[Asset]
    before: list[dict[str, Any]]
    removed: list[Asset] = field(default_factory=list)
    """Columns that vanished (soft-deleted now)."""
    revived: list[Asset] = field(default_factory=list)
    """The table and columns that had been soft-deleted and are back."""
    renamed: list[tuple[Asset, str]] = field(default_factory=list)
    """Columns found under a new name, with their qualified name before."""
    documents: list[Asset] = field(default_factory=list)
    """The table and columns whose search document changed (new, revived, renamed, a
    new description, the table's column names): the others' documents stand as they
    are, so a re-scan of an unchanged source re-indexes nothing."""
    described: list[Asset] = field(default_factory=list)
    """A known table or column whose description a new source comment replaced."""


def merge_table(
    state: CatalogState,
    item: StoredTable,
    now: datetime,
    new: list[Asset],
    changed: list[Asset],
) -> MergedTable:
    meta, parent = item.meta, item.parent
    kind = AssetKind.VIEW if meta.kind is TableKind.VIEW else AssetKind.TABLE
    qualified = qualify(parent.qualified_name, meta.name)
    detail = table_detail(meta, now)
    table = state.by_name.get(qualified)
    added = table is None or table.deleted_at is not None
    commented = None if table is None else (table.detail or {}).get("comment")
    before: list[dict[str, Any]] = []
    removed: list[Asset] = []
    revived: list[Asset] = []
    # A source showing only the columns granted to the scanning user (MySQL without a
    # table-level privilege) says nothing of the others: they are neither compared nor
    # removed.
    shown = {c.name for c in meta.columns} if meta.granted_columns_only else None
    renamed: list[tuple[Asset, str]] = []
    if table is None:
        table = Asset(
            kind=kind,
            name=meta.name,
            qualified_name=qualified,
            source_id=state.source_id,
            parent_id=parent.id,
            detail=detail,
            created_at=now,
            updated_at=now,
        )
        state.add(table)
        new.append(table)
    else:
        _keep_former_names(table, detail)
        if table.deleted_at is None:
            before = signature(
                [
                    c
                    for c in state.children(table.id)
                    if c.deleted_at is None and (shown is None or c.name in shown)
                ]
            )
        else:
            revived.append(table)
        if added or table.kind != kind or _facts(table.detail) != _facts(detail):
            table.updated_at = now  # ``lastScannedAt`` alone is no change
        table.kind, table.detail, table.deleted_at = kind, detail, None
        state.reparent(table, parent.id)
        changed.append(table)
    documents: list[Asset] = [table] if added else []
    redescribed: list[Asset] = []
    if _describe(table, meta.comment, commented):
        table.updated_at = now
        documents = [table]
        if not added:
            redescribed.append(table)

    seen: set[uuid.UUID] = set()
    columns: list[Asset] = []
    by_key = _renamable_columns(state, table, meta)
    for col in meta.columns:
        cq = qualify(qualified, col.name)
        col_detail: dict[str, Any] = {
            "dataType": col.data_type,
            "nullable": col.nullable,
            "default": col.default,
            "comment": col.comment,
            "primaryKey": col.is_primary_key,
        }
        if col.key is not None:
            col_detail["sourceKey"] = col.key
        found = item.analysis.get(col.name, ColumnAnalysis())
        asset = state.by_name.get(cq)
        moved = False
        if asset is None and col.key in by_key:
            asset = by_key[col.key]
            renamed.append((asset, asset.qualified_name))
            state.rename(asset, col.name, cq)
            documents.append(asset)
            moved = True
        described = False
        if asset is not None:
            _keep_former_names(asset, col_detail)
            described = _describe(asset, col.comment, (asset.detail or {}).get("comment"))
            if described and not moved and asset.deleted_at is None:
                documents.append(asset)  # its description is searched
            if described and asset.deleted_at is None:
                redescribed.append(asset)
        if asset is None:
            asset = Asset(
                kind=AssetKind.COLUMN,
                name=col.name,
                qualified_name=cq,
                source_id=state.source_id,
                parent_id=table.id,
                detail=col_detail,
                position=col.position,
                profile=found.profile,
                description=col.comment or None,
                created_at=now,
                updated_at=now,
            )
            state.add(asset)
            new.append(asset)
            documents.append(asset)
        elif (
            described
            or moved
            or asset.deleted_at is not None
            or asset.parent_id != table.id
            or asset.detail != col_detail
            or asset.position != col.position
            or not _same_profile(asset.profile, found.profile)
        ):
            if asset.deleted_at is not None:
                revived.append(asset)
                documents.append(asset)
            asset.detail, asset.position, asset.deleted_at = col_detail, col.position, None
            asset.updated_at = now
            state.reparent(asset, table.id)
            if found.profile is not None:
                asset.profile = found.profile
            changed.append(asset)
        # else: the column as stored, profile included: nothing to write, and its
        # ``updatedAt`` stays when it last changed
        seen.add(asset.id)
        columns.append(asset)
    for old in state.children(table.id) if shown is None else ():
        if old.kind is AssetKind.COLUMN and old.id not in seen and old.deleted_at is None:
            old.deleted_at = now
            changed.append(old)
            removed.append(old)
    if table not in documents and [c["name"] for c in before] != [
        c.name for c in sorted(columns, key=lambda c: c.position)
    ]:
        documents.insert(0, table)  # its document lists its columns' names
    outcome = TableOutcome(table, added=added, columns=len(columns))
    return MergedTable(outcome, columns, before, removed, revived, renamed, documents, redescribed)


def _describe(asset: Asset, comment: str | None, before: str | None) -> bool:
    """Give ``asset`` the source's comment as its description when the comment is new
    and the description empty or still the comment it replaces (no one wrote another):
    a steward's description is never overwritten. True if it did."""
    if not comment or comment == before or asset.description not in (None, "", before):
        return False
    asset.description = comment
    return True


def _keep_former_names(asset: Asset, detail: dict[str, Any]) -> None:
    """A scan's fresh ``detail`` for ``asset`` keeps the names it had before: they are
    not the source's to tell."""
    if asset.former_names:
        detail[FORMER_NAMES] = asset.former_names


def _facts(detail: dict[str, Any]) -> dict[str, Any]:
    """A table's ``detail`` without the time of the scan that wrote it."""
    return {k: v for k, v in detail.items() if k != "lastScannedAt"}


def _same_profile(stored: Any, fresh: Any) -> bool:
    """Whether the scan's profile (the pool's :class:`JsonText`, a dict, or None: not
    profiled, the stored one stays) says what the stored one does (a dict, or the
    stored text as ``load_columns`` reads it: on SQLite the same text when unchanged)."""
    if fresh is None:
        return True
    if type(fresh) is JsonText and type(stored) is JsonText and fresh == stored:
        return True
    return _plain(fresh) == _plain(stored)


def _plain(profile: Any) -> Any:
    return json.loads(profile) if isinstance(profile, JsonText) else profile


def _renamable_columns(state: CatalogState, table: Asset, meta: TableMeta) -> dict[str, Asset]:
    """The table's stored live columns that carry an engine id and whose name the
    source no longer shows, by that id: a scanned column with one of these ids under
    an unknown name is the stored column renamed."""
    if meta.granted_columns_only:
        return {}  # the source shows only some columns: a missing name says nothing
    names = {c.name for c in meta.columns}
    return {
        str(c.detail["sourceKey"]): c
        for c in state.children(table.id)
        if c.kind is AssetKind.COLUMN
        and c.deleted_at is None
        and c.name not in names
        and c.detail.get("sourceKey") is not None
    }
