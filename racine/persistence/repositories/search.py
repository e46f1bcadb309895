"""Search over the catalog: ranked hits with highlights, and facet counts.

Ranking: an exact (case-insensitive) name match first, then the dialect's text
relevance, then qualified name. Pages are offset cursors: relevance has no stable
keyset, and a page is at most 100 hits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, desc, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.catalog.search import (
    FacetValue,
    SearchDocument,
    SearchHit,
    SearchQuery,
    highlight,
)
from racine.domain.classification.types import Sensitivity
from racine.domain.errors import ValidationFailed
from racine.domain.paging import Page, PageRequest, encode_cursor
from racine.persistence.search import match_query
from racine.persistence.tables.access import UserRow
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
from racine.persistence.tables.sources import DataSourceRow

__all__ = ["FACET_LIMIT", "SearchMixin"]

FACET_LIMIT = 20


class SearchMixin:
    session: AsyncSession

    @property
    def dialect(self) -> str:
        raise NotImplementedError

    def _matching(self, q: SearchQuery) -> Any:
        """A selectable ``(asset_id, score)`` of matches passing the filter."""
        from racine.persistence.repositories.catalog import filtered

        terms = q.terms
        base = select(AssetRow.id.label("asset_id"))
        if not terms:  # no words: every asset passing the filter, score 0
            base = base.add_columns(literal(0.0).label("score"))
            return filtered(base, q.filter).subquery("matches")
        found = match_query(self.dialect, terms).subquery("fts")
        query = base.add_columns(found.c.score).join(found, found.c.asset_id == AssetRow.id)
        return filtered(query, q.filter).subquery("matches")

    async def search(self, q: SearchQuery, page: PageRequest) -> Page[SearchHit]:
        from racine.persistence.repositories.catalog import _asset

        position = page.position()
        try:
            offset = 0 if position is None else int(position[0])
        except (IndexError, ValueError, TypeError):
            raise ValidationFailed("malformed cursor", field="after") from None
        if offset < 0:
            raise ValidationFailed("malformed cursor", field="after")
        matches = self._matching(q)
        total = await self.session.scalar(select(func.count()).select_from(matches))
        text = q.text.strip().lower()
        exact = case(
            (func.lower(AssetRow.name) == text, 2),
            (func.lower(AssetRow.name) == text.replace(" ", "_"), 1),
            else_=0,
        )
        rows = list(
            await self.session.execute(
                select(AssetRow, matches.c.score, AssetSearchRow)
                .join(matches, matches.c.asset_id == AssetRow.id)
                .outerjoin(AssetSearchRow, AssetSearchRow.asset_id == AssetRow.id)
                .order_by(desc(exact), desc(matches.c.score), AssetRow.qualified_name, AssetRow.id)
                .offset(offset)
                .limit(page.first + 1)
            )
        )
        hits = []
        for asset_row, score, doc in rows[: page.first]:
            asset = _asset(asset_row)
            document = SearchDocument(
                name=asset.name,
                qualified_name=asset.qualified_name,
                description=asset.description or "",
                columns=doc.columns if doc else "",
                tags=doc.tags if doc else "",
                terms=doc.terms if doc else "",
                former_names=", ".join(asset.former_names),
            )
            hits.append(SearchHit(asset, float(score or 0.0), highlight(document, q.terms)))
        return Page(
            items=hits,
            cursors=[encode_cursor([offset + i + 1]) for i in range(len(hits))],
            total_count=int(total or 0),
            has_next_page=len(rows) > page.first,
            has_previous_page=offset > 0,
        )

    async def facets(self, q: SearchQuery) -> list[FacetValue]:
        """Counts of matching assets per kind, data source, tag, classification,
        owner, glossary term and sensitivity (top 20 values each)."""
        matches = self._matching(q)
        ids = select(matches.c.asset_id)
        out: list[FacetValue] = []

        async def grouped(facet: str, key: Any, label: Any, asset_id: Any, *where: Any) -> None:
            # No DISTINCT: each table counted holds an asset at most once per value
            # (keyed by asset and value; the joins are to one row), and DISTINCT made
            # PostgreSQL sort every match (20 -> 13-16 ms a facet at 21,000 matches).
            count = func.count(asset_id)
            query = (
                select(key, label, count.label("n"))
                .where(*where)
                .group_by(key, label)
                .order_by(desc("n"), key)
                .limit(FACET_LIMIT)
            )
            for value, name, n in await self.session.execute(query):
                out.append(FacetValue(facet, str(value), int(n), str(name)))

        a = AssetRow
        await grouped("kind", a.kind, a.kind, a.id, a.id.in_(ids))
        await grouped(
            "dataSource",
            a.source_id,
            DataSourceRow.name,
            a.id,
            a.id.in_(ids),
            DataSourceRow.id == a.source_id,
        )
        t = AssetTagRow
        await grouped("tag", t.tag, t.tag, t.asset_id, t.asset_id.in_(ids))
        c = ColumnClassificationRow
        await grouped(
            "classification",
            c.type_key,
            c.type_key,
            c.asset_id,
            c.asset_id.in_(ids),
            c.state != "REJECTED",
        )
        o = AssetOwnerRow
        await grouped(
            "owner",
            o.user_id,
            UserRow.name,
            o.asset_id,
            o.asset_id.in_(ids),
            UserRow.id == o.user_id,
        )
        g = AssetTermRow
        await grouped(
            "glossaryTerm",
            g.term_id,
            GlossaryTermRow.name,
            g.asset_id,
            g.asset_id.in_(ids),
            GlossaryTermRow.id == g.term_id,
        )
        s = AssetSensitivityRow
        before = len(out)
        await grouped("sensitivity", s.level, s.level, s.asset_id, s.asset_id.in_(ids))
        for i in range(before, len(out)):  # levels are ordered ints; show their names
            name = Sensitivity(int(out[i].value)).name
            out[i] = FacetValue("sensitivity", name, out[i].count, name)
        return out
