"""GraphQL types of catalog search results: hits with highlights, edges and facets."""

from __future__ import annotations

from typing import Self

import strawberry
from strawberry.types import Info

from racine.domain.catalog import search as search_model
from racine.schema.catalog import Asset
from racine.schema.relay import PageInfo

__all__ = ["Facet", "FacetValue", "Highlight", "SearchEdge", "SearchHit", "SearchResults"]


@strawberry.type(
    description="A field of an asset that matched, as HTML: matched words in "
    "`<mark>`…`</mark>`, the text itself HTML-escaped (`&`, `<`, `>`, quotes)."
)
class Highlight:
    field: str = strawberry.field(
        description=(
            "name, qualifiedName, description, columns, tags, glossaryTerms or formerNames"
            " (a name the asset had before a rename)."
        )
    )
    snippet: str = strawberry.field(description="Up to ~160 characters around the match.")


@strawberry.type(description="One search result.")
class SearchHit:
    asset: Asset = strawberry.field(description="The matching asset.")
    score: float = strawberry.field(
        description="Text relevance (higher is better); exact name "
        "matches rank first whatever their score."
    )
    highlights: list[Highlight] = strawberry.field(description="Where it matched.")

    @classmethod
    def from_domain(cls, hit: search_model.SearchHit) -> Self:
        return cls(
            asset=Asset.from_domain(hit.asset),
            score=hit.score,
            highlights=[Highlight(field=h.field, snippet=h.snippet) for h in hit.highlights],
        )


@strawberry.type(description="A search result and its cursor.")
class SearchEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the results after it.")
    node: SearchHit = strawberry.field(description="The result.")


@strawberry.type(description="One value of a facet and how many matching assets have it.")
class FacetValue:
    value: str = strawberry.field(
        description="Filter value: a kind, a global id (data source, "
        "owner, term), a tag, a classification type key or a sensitivity."
    )
    label: str = strawberry.field(description="Display name.")
    count: int = strawberry.field(description="Matching assets with this value.")


@strawberry.type(description="Counts of matching assets by one dimension (top 20 values).")
class Facet:
    name: str = strawberry.field(
        description="kind, dataSource, tag, classification, owner, glossaryTerm or sensitivity."
    )
    values: list[FacetValue] = strawberry.field(description="Most frequent first.")


@strawberry.type(description="Ranked search results (at most 100 per page) with facets.")
class SearchResults:
    edges: list[SearchEdge] = strawberry.field(description="This page of results, best first.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    total_count: int = strawberry.field(description="Matching assets across all pages.")
    query: strawberry.Private[search_model.SearchQuery]

    @strawberry.field(
        description="When nothing matched: up to 5 asset names close to the query, the "
        "closest first, to search again (a typo: `ordr` gives `orders`, `custmer` gives "
        "`customers`); empty when something matched. Names with the query's first letter "
        "and a length within 3 of it are considered."
    )
    async def suggestions(self, info: Info) -> list[str]:
        from racine.resolvers import catalog as cr

        return await cr.search_suggestions(info, self.query, self.total_count)

    @strawberry.field(
        description="Counts over all matching assets (computed only when selected: a search "
        "box that shows hits alone does not pay for them)."
    )
    async def facets(self, info: Info) -> list[Facet]:
        from racine.resolvers import catalog as cr

        return await cr.search_facets(info, self.query)
