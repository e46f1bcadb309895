"""Catalog area: assets (one ``Asset`` type for every kind) and the glossary; search
results are in ``search``.

Design choice: a single ``Asset`` node with a ``kind`` (DATA_SOURCE, DATABASE,
SCHEMA, TABLE, VIEW, COLUMN, …) rather than one GraphQL type per kind. Every
level shares owners, tags, terms, description, properties and history; per-kind
facts are in ``detail`` (JSON) with typed shortcuts (``dataType``, ``rowCount``…)
that are null where they do not apply.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Self, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from racine.domain.catalog import model
from racine.schema.classification import (
    ClassificationEvidence,
    ClassificationSource,
    ClassificationState,
    ClassificationType,
    Sensitivity,
)
from racine.schema.profiles import ColumnProfile
from racine.schema.relay import Connection, encode_id
from racine.schema.structure import ForeignKey, TableIndex

if TYPE_CHECKING:
    from racine.schema.access import User
    from racine.schema.lineage import LineageDirection, LineageGraph, LineageLevel
    from racine.schema.scanning import DataSource

__all__ = [
    "Asset",
    "AssetChange",
    "AssetFilter",
    "AssetKind",
    "ColumnClassification",
    "GlossaryTerm",
]


@strawberry.enum(description="What an asset is. JOB, RUN and EXTERNAL are reserved for lineage.")
class AssetKind(Enum):
    DATA_SOURCE = "DATA_SOURCE"
    DATABASE = "DATABASE"
    SCHEMA = "SCHEMA"
    TABLE = "TABLE"
    VIEW = "VIEW"
    COLUMN = "COLUMN"
    JOB = "JOB"
    RUN = "RUN"
    EXTERNAL = "EXTERNAL"


@strawberry.type(
    description="A classification type applied to a column, with who or what set it and why."
)
class ColumnClassification:
    type_key: str = strawberry.field(description="Type key, e.g. `EMAIL`, `CREDIT_CARD`.")
    state: ClassificationState = strawberry.field(
        description="SUGGESTED, CONFIRMED or REJECTED (REJECTED never counts for sensitivity)."
    )
    source: ClassificationSource = strawberry.field(
        description="MANUAL (a steward), RULE, ML or PROPAGATED (along lineage)."
    )
    confidence: float = strawberry.field(description="0-1; 1.0 for MANUAL and PROPAGATED labels.")
    evidence: JSON = strawberry.field(
        description="Why, as stored: rules fired, match ratio, sample size, model "
        "probability, a steward's reason (see `explanation` for typed fields)."
    )
    updated_at: datetime = strawberry.field(description="When it was last set (UTC).")
    raw: strawberry.Private[model.ColumnClassification]

    @classmethod
    def from_domain(cls, c: model.ColumnClassification) -> Self:
        return cls(
            type_key=c.type_key,
            state=ClassificationState(c.state),
            source=ClassificationSource(c.source),
            confidence=c.confidence,
            evidence=cast(JSON, c.evidence),
            updated_at=c.updated_at,
            raw=c,
        )

    @strawberry.field(description="The evidence in typed fields.")
    def explanation(self) -> ClassificationEvidence:
        return ClassificationEvidence.from_json(self.raw.evidence)

    @strawberry.field(description="Who set it (MANUAL labels); null for scans and lineage.")
    async def actor(
        self, info: Info
    ) -> Annotated[User, strawberry.lazy("racine.schema.access")] | None:
        from racine.resolvers import classification as cr

        return await cr.label_actor(info, self.raw)

    @strawberry.field(description="The type's name, category and default sensitivity.")
    async def type(self, info: Info) -> ClassificationType | None:
        from racine.resolvers import classification as cr

        return await cr.label_type(info, self.raw.type_key)

    @strawberry.field(description="Sensitivity this label gives the column (custom types: theirs).")
    async def sensitivity(self, info: Info) -> Sensitivity:
        from racine.resolvers import classification as cr

        return await cr.label_sensitivity(info, self.raw)


@strawberry.type(description="One change to an asset, from the audit trail.")
class AssetChange:
    occurred_at: datetime = strawberry.field(description="When (UTC).")
    actor_name: str = strawberry.field(description="Who (`system` for scans).")
    action: str = strawberry.field(
        description="What, e.g. `asset.update`, `asset.schema_changed`, `asset.assign_term`, "
        "`asset.remove` (a scan no longer found it), `asset.revive` (a scan found it again) or "
        "`asset.rename` (a scan found it under another name or schema)."
    )
    diff: JSON = strawberry.field(description="Before/after of the changed fields.")


def _kind_is(asset: model.Asset, *kinds: model.AssetKind) -> bool:
    return asset.kind in kinds


_COLUMN = model.AssetKind.COLUMN
_TABULAR = (model.AssetKind.TABLE, model.AssetKind.VIEW)


@strawberry.type(
    description="A catalog entry: data source, database, schema, table, view or "
    "column (see `kind`). Soft-deleted assets (no longer found by a scan) stay "
    "readable with `deleted: true`, but mutations that edit them give CONFLICT until a "
    "scan finds them again."
)
class Asset(relay.Node):
    id: relay.NodeID[str]
    kind: AssetKind = strawberry.field(description="What this asset is.")
    name: str = strawberry.field(description="Name within its parent.")
    qualified_name: str = strawberry.field(
        description="Dotted path from the data source, unique within it; a name part "
        'holding a dot is double-quoted (`shop.shop.main."orders.2024".id`).',
    )
    description: str | None = strawberry.field(description="Free text (Markdown).")
    properties: JSON = strawberry.field(description="Custom key/value properties.")
    detail: JSON = strawberry.field(
        description="Per-kind facts: column `dataType`/`nullable`/`default`; table `rowCount` "
        "(an estimate), `primaryKey`, `foreignKeys`, `indexes`, `viewSql`, `lastScannedAt` "
        "(when a scan last read it; `updatedAt` moves only when something changed); "
        "`sourceKey` where "
        "the engine gives an id a rename keeps (PostgreSQL: a schema's or relation's OID, a "
        "column's `oid:attnum`), by which a scan follows renamed schemas, tables and "
        "columns; `formerNames` "
        "(see `formerNames`)."
    )
    deleted: bool = strawberry.field(description="A later scan no longer found it.")
    deleted_at: datetime | None = strawberry.field(description="When it was soft-deleted.")
    created_at: datetime = strawberry.field(description="First seen (UTC).")
    updated_at: datetime = strawberry.field(description="Last changed (UTC).")
    raw: strawberry.Private[model.Asset]

    @classmethod
    def from_domain(cls, a: model.Asset) -> Self:
        return cls(
            id=str(a.id),
            kind=AssetKind(a.kind.value),
            name=a.name,
            qualified_name=a.qualified_name,
            description=a.description,
            properties=cast(JSON, a.properties),
            detail=cast(JSON, a.detail),
            deleted=a.deleted,
            deleted_at=a.deleted_at,
            created_at=a.created_at,
            updated_at=a.updated_at,
            raw=a,
        )

    @strawberry.field(
        description="A column's profile at its last scan: counts, null and distinct ratios, "
        "min/max, mean, quantiles, histogram, lengths, top values. Null for other kinds, "
        "for a column scanned without profiling, and for one the scanning user may not read."
    )
    async def profile(self, info: Info) -> ColumnProfile | None:
        from racine.resolvers import classification as cr

        data = await cr.asset_profile(info, self.raw)
        return None if data is None else ColumnProfile.from_domain(data)

    @strawberry.field(
        description="Sensitivity label derived from classifications: a column's highest "
        "live label, rolled up to its table, schema, database and data source. Null when "
        "nothing under it is classified."
    )
    async def sensitivity(self, info: Info) -> Sensitivity | None:
        from racine.resolvers import classification as cr

        return await cr.asset_sensitivity(info, self.raw)

    @strawberry.field(description="Column data type as the source reports it; null otherwise.")
    def data_type(self) -> str | None:
        return self.raw.detail.get("dataType") if _kind_is(self.raw, _COLUMN) else None

    @strawberry.field(description="Column nullability; null for other kinds.")
    def nullable(self) -> bool | None:
        return self.raw.detail.get("nullable") if _kind_is(self.raw, _COLUMN) else None

    @strawberry.field(description="1-based column position; null for other kinds.")
    def position(self) -> int | None:
        return self.raw.position if _kind_is(self.raw, _COLUMN) else None

    @strawberry.field(
        description=(
            "Qualified names a scan found this asset under before the source renamed it or"
            " moved it to another schema, oldest first (the last 10). Search finds the"
            " asset by them."
        )
    )
    def former_names(self) -> list[str]:
        return self.raw.former_names

    @strawberry.field(
        description="Table row count: the engine's estimate (PostgreSQL's and MySQL's "
        "statistics, a count capped at 1,000,000 on SQLite), or the exact count when the "
        "scan's sample read every row; null if unknown (a PostgreSQL table never analyzed "
        "and larger than the sample)."
    )
    def row_count(self) -> int | None:
        return self.raw.detail.get("rowCount")

    @strawberry.field(
        description="PostgreSQL row-level security is enabled on the table: a user "
        "without BYPASSRLS (the scanning user too) reads only the rows its policies "
        "allow, so the profile may describe those only. False for tables of other "
        "engines; null for other kinds."
    )
    def row_level_security(self) -> bool | None:
        secured = bool(self.raw.detail.get("rowSecurity"))
        return secured if _kind_is(self.raw, model.AssetKind.TABLE) else None

    @strawberry.field(
        description="Column default as the source declares it (an expression's text); null "
        "for other kinds and columns without one."
    )
    def default_value(self) -> str | None:
        return self.raw.detail.get("default") if _kind_is(self.raw, _COLUMN) else None

    @strawberry.field(
        description="Whether a column is part of its table's primary key; null for other kinds."
    )
    def in_primary_key(self) -> bool | None:
        return bool(self.raw.detail.get("primaryKey")) if _kind_is(self.raw, _COLUMN) else None

    @strawberry.field(
        description="The comment the source holds on a table, view or column (`COMMENT ON`), "
        "as of the last scan; `description` follows it until someone writes another. Null if none."
    )
    def comment(self) -> str | None:
        return self.raw.detail.get("comment") if _kind_is(self.raw, *_TABULAR, _COLUMN) else None

    @strawberry.field(
        description="Columns of a table's primary key, in key order (empty if it has none); "
        "null for other kinds."
    )
    def primary_key(self) -> list[str] | None:
        return (
            list(self.raw.detail.get("primaryKey") or []) if _kind_is(self.raw, *_TABULAR) else None
        )

    @strawberry.field(
        description="A table's foreign keys as the source declares them (empty if none); null "
        "for other kinds."
    )
    def foreign_keys(self) -> list[ForeignKey] | None:
        if not _kind_is(self.raw, *_TABULAR):
            return None
        return [
            ForeignKey.from_domain(self.raw, fk) for fk in self.raw.detail.get("foreignKeys") or []
        ]

    @strawberry.field(
        description="A table's indexes (empty if none; engines without index reflection "
        "report none); null for other kinds."
    )
    def indexes(self) -> list[TableIndex] | None:
        if not _kind_is(self.raw, *_TABULAR):
            return None
        return [TableIndex.from_domain(i) for i in self.raw.detail.get("indexes") or []]

    @strawberry.field(
        description="A view's SQL as the source returns it (the lineage parser's input); null "
        "for other kinds, and for a view whose definition the scanning user may not read."
    )
    def view_sql(self) -> str | None:
        return self.raw.detail.get("viewSql") if _kind_is(self.raw, model.AssetKind.VIEW) else None

    @strawberry.field(
        description="How a partitioned table splits its rows, as PostgreSQL writes its "
        "`PARTITION BY` (`RANGE (logdate)`); its partitions are not catalogued of their own. "
        "Null for other tables and kinds."
    )
    def partition_key(self) -> str | None:
        return self.raw.detail.get("partitionKey") if _kind_is(self.raw, *_TABULAR) else None

    @strawberry.field(
        description="How many leaf partitions a partitioned table has; null for other tables "
        "and kinds."
    )
    def partitions(self) -> int | None:
        return self.raw.detail.get("partitions") if _kind_is(self.raw, *_TABULAR) else None

    @strawberry.field(
        description="The foreign server a PostgreSQL foreign table reads through (the name "
        "`CREATE SERVER` gave it; the table's rows live there); null for other tables and "
        "kinds."
    )
    def foreign_server(self) -> str | None:
        return self.raw.detail.get("foreignServer") if _kind_is(self.raw, *_TABULAR) else None

    @strawberry.field(description="When a scan last read a table or view; null for other kinds.")
    def last_scanned_at(self) -> datetime | None:
        at = self.raw.detail.get("lastScannedAt") if _kind_is(self.raw, *_TABULAR) else None
        return None if at is None else datetime.fromisoformat(at)

    @strawberry.field(description="The data source this asset belongs to.")
    async def data_source(
        self, info: Info
    ) -> Annotated[DataSource, strawberry.lazy("racine.schema.scanning")] | None:
        from racine.schema.scanning import DataSource

        if self.raw.source_id is None:
            return None
        found = await info.context.loaders.data_source.load(self.raw.source_id)
        return None if found is None else DataSource.from_domain(found)

    @strawberry.field(description="The containing asset (null for a data source).")
    async def parent(self, info: Info) -> Asset | None:
        if self.raw.parent_id is None:
            return None
        found = await info.context.loaders.asset.load(self.raw.parent_id)
        return None if found is None else Asset.from_domain(found)

    @strawberry.field(
        description="Live columns of a table or view, in ordinal order "
        "(at most 1,000); empty for other kinds."
    )
    async def columns(self, info: Info) -> list[Asset]:
        if not _kind_is(self.raw, model.AssetKind.TABLE, model.AssetKind.VIEW):
            return []
        found = await info.context.loaders.asset_columns.load(self.raw.id)
        return [Asset.from_domain(c) for c in found]

    @strawberry.field(description="Tags, alphabetical (at most 50).")
    async def tags(self, info: Info) -> list[str]:
        return await info.context.loaders.asset_tags.load(self.raw.id)

    @strawberry.field(description="Owners (at most 20).")
    async def owners(
        self, info: Info
    ) -> list[Annotated[User, strawberry.lazy("racine.schema.access")]]:
        from racine.schema.access import User

        ids = await info.context.loaders.asset_owners.load(self.raw.id)
        users = await info.context.loaders.user.load_many(ids)
        return [User.from_domain(u) for u in users if u is not None]

    @strawberry.field(
        description="Classifications of a column, best first (at most a few per "
        "column); REJECTED ones are included so reviews are visible."
    )
    async def classifications(self, info: Info) -> list[ColumnClassification]:
        found = await info.context.loaders.asset_classifications.load(self.raw.id)
        return [ColumnClassification.from_domain(c) for c in found]

    @strawberry.field(description="Glossary terms assigned to this asset.")
    async def glossary_terms(self, info: Info) -> list[GlossaryTerm]:
        ids = await info.context.loaders.asset_terms.load(self.raw.id)
        terms = await info.context.loaders.glossary_term.load_many(ids)
        return sorted(
            (GlossaryTerm.from_domain(t) for t in terms if t is not None), key=lambda t: t.name
        )

    @strawberry.field(
        description="Lineage around this asset, as `Query.lineage` (at most "
        "10,000 nodes; `truncated` when partial). VIEWER or above."
    )
    async def lineage(
        self,
        info: Info,
        direction: Annotated[
            Annotated[LineageDirection, strawberry.lazy("racine.schema.lineage")] | None,
            strawberry.argument(description="UPSTREAM, DOWNSTREAM or BOTH (default)."),
        ] = None,
        depth: Annotated[int, strawberry.argument(description="Hops, 0-20 (default 3).")] = 3,
        level: Annotated[
            Annotated[LineageLevel, strawberry.lazy("racine.schema.lineage")] | None,
            strawberry.argument(description="TABLE or COLUMN; default follows the asset."),
        ] = None,
    ) -> Annotated[LineageGraph, strawberry.lazy("racine.schema.lineage")]:
        from racine.resolvers import lineage as lineage_resolvers

        return await lineage_resolvers.asset_lineage(info, self.raw.id, direction, depth, level)

    @strawberry.field(
        description="Change history from the audit trail, newest first (at most 100 per page)."
    )
    async def history(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="Page size, 0-100.")] = 20,
        after: Annotated[str | None, strawberry.argument(description="Cursor.")] = None,
    ) -> Connection[AssetChange]:
        from racine.resolvers import catalog as resolvers

        return await resolvers.asset_history(info, self.raw.id, first, after)


@strawberry.type(description="A business glossary term.")
class GlossaryTerm(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Unique among its siblings.")
    definition: str = strawberry.field(description="What the term means (Markdown).")
    synonyms: list[str] = strawberry.field(
        description="Other words for it (at most 50); searching one finds assets with the term."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="Last changed (UTC).")
    raw: strawberry.Private[model.GlossaryTerm]

    @classmethod
    def from_domain(cls, t: model.GlossaryTerm) -> Self:
        return cls(
            id=str(t.id),
            name=t.name,
            definition=t.definition,
            synonyms=list(t.synonyms),
            created_at=t.created_at,
            updated_at=t.updated_at,
            raw=t,
        )

    @strawberry.field(description="The broader term, if any.")
    async def parent(self, info: Info) -> GlossaryTerm | None:
        if self.raw.parent_id is None:
            return None
        found = await info.context.loaders.glossary_term.load(self.raw.parent_id)
        return None if found is None else GlossaryTerm.from_domain(found)

    @strawberry.field(description="Related terms (at most 50).")
    async def related_terms(self, info: Info) -> list[GlossaryTerm]:
        found = await info.context.loaders.glossary_term.load_many(self.raw.related_ids)
        return [GlossaryTerm.from_domain(t) for t in found if t is not None]


@strawberry.input(
    description="Narrow a list of assets; all given criteria must hold, any value "
    "of one list matches. Lists hold at most 100 values."
)
class AssetFilter:
    kinds: list[AssetKind] | None = strawberry.field(default=None, description="Kinds.")
    data_source_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="DataSource ids."
    )
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Direct children of this Asset."
    )
    ancestor_id: strawberry.ID | None = strawberry.field(
        default=None, description="Below this Asset at any depth (every column of a schema)."
    )
    tags: list[str] | None = strawberry.field(default=None, description="Any of these tags.")
    owner_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Owned by any of these Users."
    )
    classifications: list[str] | None = strawberry.field(
        default=None, description="Classified (not REJECTED) as any of these type keys."
    )
    glossary_term_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Carrying any of these GlossaryTerms."
    )
    sensitivities: list[Sensitivity] | None = strawberry.field(
        default=None, description="Whose sensitivity label is any of these."
    )
    name: str | None = strawberry.field(default=None, description="Exact name, any case.")
    include_deleted: bool = strawberry.field(
        default=False, description="Include soft-deleted assets."
    )


def raw_id(value: uuid.UUID) -> strawberry.ID:
    return encode_id("Asset", value)
