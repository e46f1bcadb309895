"""The catalog's objects: one asset model for every level of the hierarchy.

DataSource → Database → Schema → Table/View → Column are all ``Asset`` rows with a
``kind`` and a per-kind ``detail`` dict (data type, row estimate, view SQL…): one
shape keeps search, tags, owners and lineage uniform across levels.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from racine.domain.catalog.names import parent_of, qualify

__all__ = [
    "FORMER_NAMES",
    "FORMER_NAMES_KEPT",
    "Asset",
    "AssetFilter",
    "AssetKind",
    "ColumnClassification",
    "GlossaryTerm",
    "JsonText",
    "LinkChanges",
    "referred_table_name",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class AssetKind(StrEnum):
    DATA_SOURCE = "DATA_SOURCE"
    DATABASE = "DATABASE"
    SCHEMA = "SCHEMA"
    TABLE = "TABLE"
    VIEW = "VIEW"
    COLUMN = "COLUMN"
    JOB = "JOB"
    RUN = "RUN"
    EXTERNAL = "EXTERNAL"


class JsonText(str):
    """A JSON value already encoded, as ``json.dumps`` makes it with its defaults. A
    scan's process pool encodes column profiles this way, so the event loop neither
    unpickles them as nested dicts nor encodes them; the repositories store the text
    as it is where the database's JSON serializer would make the same text, and
    decode it first elsewhere. Only assets a scan is storing hold one."""

    __slots__ = ()


FORMER_NAMES = "formerNames"
"""The key of ``Asset.detail`` that lists an asset's former qualified names."""
FORMER_NAMES_KEPT = 10


@dataclass
class Asset:
    """One catalog entry. ``qualified_name`` is unique within its data source
    (``shop.main.orders.email``); ``deleted_at`` marks a soft-deleted asset (a scan
    no longer found it; it keeps its history and comes back if it reappears)."""

    kind: AssetKind
    name: str
    qualified_name: str
    source_id: uuid.UUID | None
    parent_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    description: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] | None = None
    """The column's profile; a :class:`JsonText` of it while a scan stores it."""
    position: int = 0
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    deleted_at: datetime | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def former_names(self) -> list[str]:
        """Qualified names a scan found this asset under before it was renamed or
        moved, oldest first (``detail.formerNames``)."""
        names = self.detail.get(FORMER_NAMES)
        return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []

    def move_to(self, name: str, qualified_name: str) -> None:
        """Take another name, remembering the one it leaves in ``former_names`` (the
        last :data:`FORMER_NAMES_KEPT`; a name it takes back is no longer former)."""
        old = self.qualified_name
        if old != qualified_name:
            kept = [n for n in self.former_names if n not in (old, qualified_name)]
            self.detail = {**self.detail, FORMER_NAMES: [*kept, old][-FORMER_NAMES_KEPT:]}
        self.name, self.qualified_name = name, qualified_name


@dataclass(frozen=True)
class AssetFilter:
    """Criteria shared by ``assets(filter:)`` and ``search``; all given ones must hold
    (within one list, any value matches)."""

    kinds: tuple[AssetKind, ...] = ()
    source_ids: tuple[uuid.UUID, ...] = ()
    parent_id: uuid.UUID | None = None
    ancestor_id: uuid.UUID | None = None
    tags: tuple[str, ...] = ()
    owner_ids: tuple[uuid.UUID, ...] = ()
    classifications: tuple[str, ...] = ()
    term_ids: tuple[uuid.UUID, ...] = ()
    sensitivities: tuple[int, ...] = ()  # ``Sensitivity`` levels (classification area)
    name: str | None = None
    include_deleted: bool = False


@dataclass
class ColumnClassification:
    """A classification type applied to a column (state, source, confidence, evidence)."""

    asset_id: uuid.UUID
    type_key: str
    state: str  # SUGGESTED | CONFIRMED | REJECTED
    source: str  # MANUAL | RULE | ML | PROPAGATED
    confidence: float
    evidence: dict[str, Any] = field(default_factory=dict)
    actor_id: uuid.UUID | None = None
    updated_at: datetime = field(default_factory=utcnow)


@dataclass
class GlossaryTerm:
    """A business term: hierarchical (``parent_id``), with synonyms and related terms."""

    name: str
    definition: str = ""
    parent_id: uuid.UUID | None = None
    synonyms: list[str] = field(default_factory=list)
    related_ids: list[uuid.UUID] = field(default_factory=list)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class LinkChanges:
    """What an edit of one link list (tags, owners or glossary terms) of many assets
    did: the ``(asset id, item)`` pairs it added and removed."""

    added: list[tuple[uuid.UUID, Any]] = field(default_factory=list)
    removed: list[tuple[uuid.UUID, Any]] = field(default_factory=list)

    def by_asset(self) -> dict[uuid.UUID, tuple[list[Any], list[Any]]]:
        """The items added to and removed from each asset whose list changed."""
        out: dict[uuid.UUID, tuple[list[Any], list[Any]]] = {}
        for side, pairs in enumerate((self.added, self.removed)):
            for asset_id, item in pairs:
                out.setdefault(asset_id, ([], []))[side].append(item)
        return out


def referred_table_name(schema: Asset, referred_schema: str | None, table: str) -> str:
    """The qualified name of a foreign key's referred ``table`` in the catalog: in
    ``referred_schema`` (None: the referring table's ``schema``) of the same database."""
    database = parent_of(schema.qualified_name)
    return qualify(qualify(database, referred_schema or schema.name), table)
