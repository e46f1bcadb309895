"""Catalog assets with their tags, owners, glossary terms, classifications and
search documents. Every method that loads "for many ids" runs one query, so
DataLoaders batch a whole page into a constant number of statements."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, Text, cast, delete, exists, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, defer

from racine.domain.catalog.model import (
    Asset,
    AssetFilter,
    AssetKind,
    ColumnClassification,
    JsonText,
    utcnow,
)
from racine.domain.catalog.names import split_qualified
from racine.domain.paging import Page, PageRequest, encode_cursor
from racine.persistence.repositories.catalog_relations import RelationsMixin
from racine.persistence.repositories.catalog_writes import (
    insert_assets,
    insert_documents,
    replace_labels,
    update_assets,
)
from racine.persistence.repositories.chunks import chunks
from racine.persistence.repositories.keyset import after_cursor
from racine.persistence.repositories.search import SearchMixin
from racine.persistence.search import forget_fts, index_text
from racine.persistence.tables.catalog import (
    AssetOwnerRow,
    AssetRow,
    AssetSearchRow,
    AssetTagRow,
    AssetTermRow,
    ColumnClassificationRow,
    GlossaryTermRow,
)
from racine.persistence.tables.classification import AssetSensitivityRow
from racine.persistence.unit_of_work import register_repository

__all__ = ["CatalogRepository", "filtered"]

_STORED: Any = object()


def _asset(row: AssetRow, profile: Any = _STORED) -> Asset:
    """The asset of ``row``; ``profile`` in place of the row's own (which is then not
    read: a deferred column)."""
    return Asset(
        id=row.id,
        kind=AssetKind(row.kind),
        name=row.name,
        qualified_name=row.qualified_name,
        source_id=row.source_id,
        parent_id=row.parent_id,
        position=row.position,
        description=row.description,
        properties=row.properties or {},
        detail=row.detail or {},
        profile=row.profile if profile is _STORED else profile,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
    )


def _names(asset: Asset) -> list[str]:
    """``asset``'s name and the other names it had (the last part of each former
    qualified name)."""
    former = (split_qualified(q)[-1] for q in asset.former_names)
    return list(dict.fromkeys([asset.name, *former]))


def _profile_text(text: str | None) -> JsonText | None:
    return None if text is None or text == "null" else JsonText(text)


def filtered(query: Select[Any], f: AssetFilter) -> Select[Any]:
    """Apply an ``AssetFilter`` to a query over ``AssetRow``."""
    a = AssetRow
    if not f.include_deleted:
        query = query.where(a.deleted_at.is_(None))
    if f.kinds:
        query = query.where(a.kind.in_([k.value for k in f.kinds]))
    if f.source_ids:
        query = query.where(a.source_id.in_(list(f.source_ids)))
    if f.parent_id is not None:
        query = query.where(a.parent_id == f.parent_id)
    if f.ancestor_id is not None:
        # Below an asset: same source, qualified name extending the ancestor's (compared
        # as text, not LIKE, whose ``_`` and ``%`` would match other names).
        above = aliased(AssetRow)
        name = select(above.qualified_name).where(above.id == f.ancestor_id).scalar_subquery()
        source = select(above.source_id).where(above.id == f.ancestor_id).scalar_subquery()
        query = query.where(
            a.source_id == source,
            func.substr(a.qualified_name, 1, func.length(name) + 1) == name + ".",
        )
    if f.name:
        query = query.where(func.lower(a.name) == f.name.lower())
    if f.tags:
        query = query.where(
            exists().where(AssetTagRow.asset_id == a.id, AssetTagRow.tag.in_(list(f.tags)))
        )
    if f.owner_ids:
        query = query.where(
            exists().where(
                AssetOwnerRow.asset_id == a.id, AssetOwnerRow.user_id.in_(list(f.owner_ids))
            )
        )
    if f.classifications:
        query = query.where(
            exists().where(
                ColumnClassificationRow.asset_id == a.id,
                ColumnClassificationRow.type_key.in_(list(f.classifications)),
                ColumnClassificationRow.state != "REJECTED",
            )
        )
    if f.term_ids:
        query = query.where(
            exists().where(
                AssetTermRow.asset_id == a.id, AssetTermRow.term_id.in_(list(f.term_ids))
            )
        )
    if f.sensitivities:
        query = query.where(
            exists().where(
                AssetSensitivityRow.asset_id == a.id,
                AssetSensitivityRow.level.in_(list(f.sensitivities)),
            )
        )
    return query


_PLANNED = (
    "assets",
    "asset_search",
    "asset_tags",
    "asset_owners",
    "asset_terms",
    "column_classifications",
    "asset_sensitivity",
)
"""The catalog tables a scan fills and searches join (see ``refresh_statistics``)."""


class CatalogRepository(RelationsMixin, SearchMixin):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.bind.dialect.name  # type: ignore[union-attr]

    async def refresh_statistics(self) -> None:
        """PostgreSQL: ``ANALYZE`` the tables search and listings plan on. Until
        autovacuum analyzes them, the planner takes a catalog that a first scan just
        filled for the nearly empty one it last saw and picks nested loops over every
        asset (a search matching nothing took 0.8-0.9 s at 21,000 assets, 13-25 ms once
        analyzed). SQLite's planner needs no statistics for these queries: nothing to
        do there."""
        if self.dialect == "postgresql":
            await self.session.execute(text(f"ANALYZE {', '.join(_PLANNED)}"))

    # -- assets --------------------------------------------------------------------

    async def get(self, asset_id: uuid.UUID) -> Asset | None:
        row = await self.session.get(AssetRow, asset_id, populate_existing=True)
        return None if row is None else _asset(row)

    async def get_many(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Asset]:
        out: dict[uuid.UUID, Asset] = {}
        for chunk in chunks(ids):
            rows = await self.session.scalars(select(AssetRow).where(AssetRow.id.in_(chunk)))
            out.update({r.id: _asset(r) for r in rows})
        return out

    async def lean(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Asset]:
        """These assets (deleted ones too) with their id, kind, name, qualified name and
        source only: what an event about them names (no details, no profile)."""
        kinds = {k.value: k for k in AssetKind}
        now = utcnow()
        out: dict[uuid.UUID, Asset] = {}
        for chunk in chunks(ids):
            rows = await self.session.execute(
                select(AssetRow.id, AssetRow.kind, AssetRow.name, AssetRow.qualified_name,
                       AssetRow.source_id).where(AssetRow.id.in_(chunk))
            )  # fmt: skip
            for id_, kind, name, qualified, source_id in rows:
                out[id_] = Asset(kinds[kind], name, qualified, source_id=source_id, id=id_,
                                 created_at=now, updated_at=now)  # fmt: skip
        return out

    async def by_names(
        self, keys: Sequence[tuple[uuid.UUID, str]]
    ) -> dict[tuple[uuid.UUID, str], Asset]:
        """The live assets of ``(source id, qualified name)`` keys, by key (one query per
        500 names, through the source's unique name index)."""
        wanted = set(keys)
        out: dict[tuple[uuid.UUID, str], Asset] = {}
        for chunk in chunks(name for _, name in keys):
            rows = await self.session.scalars(
                select(AssetRow).where(
                    AssetRow.source_id.in_({source for source, _ in keys}),
                    AssetRow.qualified_name.in_(chunk),
                    AssetRow.deleted_at.is_(None),
                )
            )
            for row in rows:
                key = (row.source_id, row.qualified_name)
                if key in wanted:
                    out[key] = _asset(row)
        return out

    async def add(self, asset: Asset) -> None:
        await insert_assets(self.session, [asset])

    async def save(self, asset: Asset) -> None:
        await update_assets(self.session, [asset])

    async def save_many(self, new: Sequence[Asset], changed: Sequence[Asset]) -> None:
        """Insert ``new`` assets and rewrite the rows of ``changed`` ones: one
        statement each (see ``catalog_writes``)."""
        await insert_assets(self.session, new)
        await update_assets(self.session, changed)

    async def by_source(self, source_id: uuid.UUID) -> list[Asset]:
        rows = await self.session.scalars(
            select(AssetRow).where(
                AssetRow.source_id == source_id, AssetRow.kind != AssetKind.DATA_SOURCE.value
            )
        )
        return [_asset(r) for r in rows]

    async def labelled_outline_of(self, source_id: uuid.UUID) -> list[Asset]:
        """The tree of a source where labels can be, lean: its databases, schemas,
        tables and views, and those of its columns that have classification rows,
        each with its id, kind, parent and deletion only (names empty, no details or
        profiles). What the scan's closing sensitivity refresh walks: the full rows
        of 20,000 columns took 200 MB, and reading every column, labelled or not,
        ~0.3 s."""
        a, c = AssetRow, ColumnClassificationRow
        rows = await self.session.execute(
            select(a.id, a.kind, a.parent_id, a.deleted_at).where(
                a.source_id == source_id,
                a.kind != AssetKind.DATA_SOURCE.value,
                or_(a.kind != AssetKind.COLUMN.value, exists().where(c.asset_id == a.id)),
            )
        )
        kinds = {k.value: k for k in AssetKind}
        now = utcnow()  # not stored: a timestamp for each would cost ~2 us a row
        return [
            Asset(
                kind=kinds[kind],
                name="",
                qualified_name="",
                source_id=source_id,
                parent_id=parent_id,
                id=id_,
                created_at=now,
                updated_at=now,
                deleted_at=deleted_at,
            )
            for id_, kind, parent_id, deleted_at in rows
        ]

    async def delete_source_assets(self, source_id: uuid.UUID) -> None:
        ids = list(
            await self.session.scalars(select(AssetRow.id).where(AssetRow.source_id == source_id))
        )
        for table in (
            AssetTagRow,
            AssetOwnerRow,
            AssetTermRow,
            ColumnClassificationRow,
            AssetSearchRow,
        ):
            for chunk in chunks(ids):
                await self.session.execute(delete(table).where(table.asset_id.in_(chunk)))
        if self.dialect == "sqlite":
            for chunk in chunks(ids):
                await forget_fts(self.session, chunk, gone=True)
        await self.session.execute(delete(AssetRow).where(AssetRow.source_id == source_id))

    async def children_of(
        self,
        parent_ids: Sequence[uuid.UUID],
        kinds: Sequence[AssetKind] = (),
        include_deleted: bool = False,
        limit: int = 1000,
        *,
        profiles_as_text: bool = False,
    ) -> dict[uuid.UUID, list[Asset]]:
        """The children of ``parent_ids`` (up to ``limit`` each, by position). With
        ``profiles_as_text`` (a scan comparing what it found with what is stored) each
        profile is its stored JSON text, a :class:`JsonText`, not decoded: on SQLite it
        is the very text a scan wrote, so an unchanged profile is recognised by a string
        comparison."""
        out: dict[uuid.UUID, list[Asset]] = defaultdict(list)
        for chunk in chunks(parent_ids):
            query: Select[Any] = select(AssetRow)
            if profiles_as_text:
                query = query.options(defer(AssetRow.profile)).add_columns(
                    cast(AssetRow.profile, Text)
                )
            query = query.where(AssetRow.parent_id.in_(chunk))
            if kinds:
                query = query.where(AssetRow.kind.in_([k.value for k in kinds]))
            if not include_deleted:
                query = query.where(AssetRow.deleted_at.is_(None))
            query = query.order_by(AssetRow.parent_id, AssetRow.position, AssetRow.name)
            for found in await self.session.execute(query):
                row = found[0]
                if len(out[row.parent_id]) < limit:
                    profile = _profile_text(found[1]) if profiles_as_text else row.profile
                    out[row.parent_id].append(_asset(row, profile))
        return dict(out)

    async def page(self, f: AssetFilter, page: PageRequest) -> Page[Asset]:
        a = AssetRow
        total = await self.session.scalar(filtered(select(func.count()).select_from(a), f))
        query = filtered(select(a), f).order_by(a.qualified_name, a.id)
        after = after_cursor(page, (a.qualified_name, a.id), False)
        if after is not None:
            query = query.where(after)
        rows = list(await self.session.scalars(query.limit(page.first + 1)))
        items = [_asset(r) for r in rows[: page.first]]
        return Page(
            items=items,
            cursors=[encode_cursor([x.qualified_name, str(x.id)]) for x in items],
            total_count=int(total or 0),
            has_next_page=len(rows) > page.first,
            has_previous_page=page.after is not None,
        )

    # -- classifications --------------------------------------------------------------

    async def classifications_for(
        self, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[ColumnClassification]]:
        out: dict[uuid.UUID, list[ColumnClassification]] = defaultdict(list)
        c = ColumnClassificationRow
        for chunk in chunks(ids):
            rows = await self.session.scalars(
                select(c).where(c.asset_id.in_(chunk)).order_by(c.asset_id, c.confidence.desc())
            )
            for r in rows:
                out[r.asset_id].append(
                    ColumnClassification(
                        asset_id=r.asset_id,
                        type_key=r.type_key,
                        state=r.state,
                        source=r.source,
                        confidence=r.confidence,
                        evidence=r.evidence or {},
                        actor_id=r.actor_id,
                        updated_at=r.updated_at,
                    )
                )
        return dict(out)

    async def replace_classifications(
        self, asset_id: uuid.UUID, labels: Sequence[ColumnClassification]
    ) -> None:
        await replace_labels(self.session, {asset_id: labels})

    # -- search documents -------------------------------------------------------------

    async def reindex(self, ids: Sequence[uuid.UUID]) -> None:
        """Rebuild the search documents of ``ids`` (call after any change to an asset,
        its tags, its glossary terms or, for a table, its columns)."""
        for chunk in chunks(ids):
            await self._reindex(chunk)

    async def _reindex(self, ids: list[uuid.UUID]) -> None:
        assets = await self.get_many(ids)
        tables = [i for i, a in assets.items() if a.kind in (AssetKind.TABLE, AssetKind.VIEW)]
        columns = await self.children_of(tables, [AssetKind.COLUMN], limit=2000)
        gone = [i for i in ids if i not in assets]
        if gone:
            await self.session.execute(
                delete(AssetSearchRow).where(AssetSearchRow.asset_id.in_(gone))
            )
            if self.dialect == "sqlite":
                await forget_fts(self.session, gone, gone=True)
        await self.index_assets(
            list(assets.values()), {t: [c.name for c in cs] for t, cs in columns.items()}
        )

    # -- bulk reads and writes of a scan (one statement per chunk, not per asset) -------

    async def structure_of(self, source_id: uuid.UUID) -> list[Asset]:
        """The source's databases, schemas, tables and views (deleted ones too), without
        their columns: what a scan keeps in memory for the whole run."""
        rows = await self.session.scalars(
            select(AssetRow).where(
                AssetRow.source_id == source_id,
                AssetRow.kind.notin_([AssetKind.DATA_SOURCE.value, AssetKind.COLUMN.value]),
            )
        )
        return [_asset(r) for r in rows]

    async def replace_classifications_many(
        self,
        labels: Mapping[uuid.UUID, Sequence[ColumnClassification]],
        new: Collection[uuid.UUID] = (),
    ) -> None:
        """``replace_classifications`` for many columns at once: one DELETE per chunk
        of ids and one INSERT for every label. Ids in ``new`` were inserted in this
        transaction: they have no labels to delete."""
        await replace_labels(self.session, labels, new)

    async def index_assets(
        self,
        assets: Sequence[Asset],
        columns: Mapping[uuid.UUID, Sequence[str]],
        new: Collection[uuid.UUID] = (),
    ) -> None:
        """``reindex`` for assets the caller holds: the documents are built from
        ``assets`` (``columns``: a table's live column names, in order) plus their
        stored tags and glossary terms. Ids in ``new`` were inserted in this
        transaction: they have no tags, terms or document yet, so nothing is read
        or deleted for them."""
        fresh = set(new)
        known = [a.id for a in assets if a.id not in fresh]
        tags = await self.tags_for(known) if known else {}
        term_ids = await self.terms_for(known) if known else {}
        wanted = {t for ts in term_ids.values() for t in ts}
        terms: dict[uuid.UUID, str] = {}
        if wanted:
            terms = {
                t.id: " ".join([t.name, *(t.synonyms or [])])
                for t in await self.session.scalars(
                    select(GlossaryTermRow).where(GlossaryTermRow.id.in_(list(wanted)))
                )
            }
        ids = [a.id for a in assets]
        documents: dict[str, list[Any]] = {
            "asset_id": ids,
            # Former names are searched as names and qualified names: a renamed table
            # ranks above its columns for its old name, as it does for its name
            "name": [index_text(" ".join(_names(a))) for a in assets],
            "qualified_name": [
                index_text(" ".join([a.qualified_name, *a.former_names])) for a in assets
            ],
            "description": [a.description or "" for a in assets],
            "columns": [" ".join(columns.get(i, ())) for i in ids],
            "tags": [" ".join(tags.get(i, ())) for i in ids] if tags else [""] * len(ids),
            "terms": (
                [" ".join(terms[t] for t in term_ids.get(i, ()) if t in terms) for i in ids]
                if terms
                else [""] * len(ids)
            ),
        }
        for chunk in chunks(known):
            await self.session.execute(
                delete(AssetSearchRow).where(AssetSearchRow.asset_id.in_(chunk))
            )
            if self.dialect == "sqlite":
                await forget_fts(self.session, chunk)
        await insert_documents(self.session, documents, fts=self.dialect == "sqlite")


register_repository("catalog", CatalogRepository)
