"""Resolvers of the catalog area: assets, search, glossary."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncGenerator
from typing import Any, cast

from strawberry.types import Info

from racine.domain.access.model import Role
from racine.domain.audit.model import AuditFilter
from racine.domain.catalog import glossary, use_cases
from racine.domain.catalog.model import Asset, AssetFilter, AssetKind, referred_table_name
from racine.domain.catalog.ports import CatalogUnitOfWork
from racine.domain.catalog.search import (
    FACET_NAMES,
    SearchQuery,
    closest_names,
    suggestion_key,
)
from racine.domain.errors import LimitExceeded, ValidationFailed
from racine.domain.events import GAP, Channels
from racine.domain.paging import MAX_PAGE, Page, PageRequest
from racine.resolvers.live import live_events
from racine.schema import catalog as gql
from racine.schema import catalog_inputs as ci
from racine.schema import scanning as scan_gql
from racine.schema import search as search_gql
from racine.schema.errors import run_mutation
from racine.schema.relay import Connection, PageInfo, connection_from_page, decode_id, encode_id

__all__ = [
    "asset_history",
    "assets",
    "assign_glossary_term",
    "catalog_changes",
    "create_glossary_term",
    "delete_glossary_term",
    "domain_filter",
    "glossary_terms",
    "resolve_asset",
    "resolve_glossary_term",
    "search",
    "unassign_glossary_term",
    "update_asset",
    "update_glossary_term",
]

_FACET_IDS = {"dataSource": "DataSource", "owner": "User", "glossaryTerm": "GlossaryTerm"}


def _uow(info: Info) -> CatalogUnitOfWork:
    return cast(CatalogUnitOfWork, info.context.uow())


def _ids(values: list[Any] | None, type_name: str, field: str) -> tuple[uuid.UUID, ...]:
    if not values:
        return ()
    if len(values) > MAX_PAGE:
        raise LimitExceeded(f"at most {MAX_PAGE} values", field=field)
    return tuple(decode_id(v, type_name, field=field) for v in values)


def domain_filter(f: gql.AssetFilter | None) -> AssetFilter:
    if f is None:
        return AssetFilter()
    for name in ("tags", "classifications", "kinds", "sensitivities"):
        if len(getattr(f, name) or []) > MAX_PAGE:
            raise LimitExceeded(f"at most {MAX_PAGE} values", field=name)
    return AssetFilter(
        kinds=tuple(AssetKind(k.value) for k in f.kinds or []),
        source_ids=_ids(f.data_source_ids, "DataSource", "dataSourceIds"),
        parent_id=None
        if f.parent_id is None
        else decode_id(f.parent_id, "Asset", field="parentId"),
        ancestor_id=None
        if f.ancestor_id is None
        else decode_id(f.ancestor_id, "Asset", field="ancestorId"),
        tags=tuple(f.tags or []),
        owner_ids=_ids(f.owner_ids, "User", "ownerIds"),
        classifications=tuple(f.classifications or []),
        term_ids=_ids(f.glossary_term_ids, "GlossaryTerm", "glossaryTermIds"),
        sensitivities=tuple(int(s.domain()) for s in f.sensitivities or []),
        name=f.name,
        include_deleted=f.include_deleted,
    )


async def resolve_asset(info: Info, raw_id: str) -> gql.Asset | None:
    info.context.actor.require(Role.VIEWER)
    found = await info.context.loaders.asset.load(uuid.UUID(raw_id))
    return None if found is None else gql.Asset.from_domain(found)


async def resolve_glossary_term(info: Info, raw_id: str) -> gql.GlossaryTerm | None:
    info.context.actor.require(Role.VIEWER)
    found = await info.context.loaders.glossary_term.load(uuid.UUID(raw_id))
    return None if found is None else gql.GlossaryTerm.from_domain(found)


async def referred_table(
    info: Info, table: Asset, referred_schema: str | None, name: str
) -> Asset | None:
    """The live table a foreign key of ``table`` refers to, if it is catalogued."""
    if table.parent_id is None or table.source_id is None:
        return None
    schema = await info.context.loaders.asset.load(table.parent_id)
    if schema is None:
        return None
    qualified = referred_table_name(schema, referred_schema, name)
    return await info.context.loaders.asset_by_name.load((table.source_id, qualified))


async def assets(
    info: Info, filter: gql.AssetFilter | None, first: int, after: str | None
) -> Connection[gql.Asset]:
    info.context.actor.require(Role.VIEWER)
    request = PageRequest(first=first, after=after)
    async with _uow(info) as uow:
        page = await uow.catalog.page(domain_filter(filter), request)
    # Prime the loader: parents and nodes fetched again by id cost nothing.
    for asset in page.items:
        info.context.loaders.asset.prime(asset.id, asset)
    return connection_from_page(page, gql.Asset.from_domain)


async def search(
    info: Info, query: str, filter: gql.AssetFilter | None, first: int, after: str | None
) -> search_gql.SearchResults:
    info.context.actor.require(Role.VIEWER)
    request = PageRequest(first=first, after=after)
    q = SearchQuery(text=query, filter=domain_filter(filter))
    async with _uow(info) as uow:
        page = await uow.catalog.search(q, request)
    return search_gql.SearchResults(
        edges=[
            search_gql.SearchEdge(cursor=c, node=search_gql.SearchHit.from_domain(h))
            for h, c in zip(page.items, page.cursors, strict=True)
        ],
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        total_count=page.total_count,
        query=q,
    )


async def search_suggestions(info: Info, q: SearchQuery, total: int) -> list[str]:
    """Names close to a query that matched nothing (see ``closest_names``)."""
    key = suggestion_key(q.text)
    if total or key is None:
        return []
    async with _uow(info) as uow:
        names = await uow.catalog.names_near(q, key)
    # difflib is pure Python: ~50 ms over 5,000 like names, not to be spent on the loop
    return await asyncio.to_thread(closest_names, key, names)


async def search_facets(info: Info, q: SearchQuery) -> list[search_gql.Facet]:
    """The facets of a search's matches, each value an id where it names a node."""
    async with _uow(info) as uow:
        found = await uow.catalog.facets(q)
    facets = []
    for name in FACET_NAMES:
        values = []
        for v in found:
            if v.facet != name:
                continue
            value = encode_id(_FACET_IDS[name], v.value) if name in _FACET_IDS else v.value
            values.append(
                search_gql.FacetValue(value=value, label=v.label or v.value, count=v.count)
            )
        facets.append(search_gql.Facet(name=name, values=values))
    return facets


async def asset_history(
    info: Info, asset_id: uuid.UUID, first: int, after: str | None
) -> Connection[gql.AssetChange]:
    info.context.actor.require(Role.VIEWER)
    request = PageRequest(first=first, after=after)
    async with _uow(info) as uow:
        page = await uow.audit.page(
            AuditFilter(target_type="Asset", target_id=str(asset_id)), request
        )
    return connection_from_page(
        page,
        lambda e: gql.AssetChange(
            occurred_at=e.occurred_at, actor_name=e.actor_name, action=e.action, diff=e.diff
        ),
    )


async def glossary_terms(
    info: Info,
    parent_id: str | None,
    roots_only: bool,
    name_prefix: str | None,
    first: int,
    after: str | None,
) -> Connection[gql.GlossaryTerm]:
    info.context.actor.require(Role.VIEWER)
    request = PageRequest(first=first, after=after)
    parent = None if parent_id is None else decode_id(parent_id, "GlossaryTerm", field="parentId")
    async with _uow(info) as uow:
        page: Page[Any] = await uow.glossary.page(
            request, parent_id=parent, roots_only=roots_only, name_prefix=name_prefix
        )
    return connection_from_page(page, gql.GlossaryTerm.from_domain)


async def update_asset(info: Info, input: ci.UpdateAssetInput) -> ci.UpdateAssetPayload:
    async def action() -> dict[str, Any]:
        properties = input.properties
        if properties is not None and not isinstance(properties, dict):
            raise ValidationFailed("properties must be an object", field="properties")
        if properties is not None and len(json.dumps(properties, default=str)) > 64_000:
            raise LimitExceeded("properties larger than 64 kB", field="properties")
        cmd = use_cases.UpdateAsset(
            asset_id=decode_id(input.id, "Asset"),
            description=input.description,
            owner_ids=None
            if input.owner_ids is None
            else _ids(input.owner_ids, "User", "ownerIds"),
            tags=None if input.tags is None else tuple(input.tags),
            properties=properties,
            add_tags=tuple(input.add_tags or ()),
            remove_tags=tuple(input.remove_tags or ()),
            add_owner_ids=_ids(input.add_owner_ids or [], "User", "addOwnerIds"),
            remove_owner_ids=_ids(input.remove_owner_ids or [], "User", "removeOwnerIds"),
        )
        asset = await use_cases.update_asset(_uow(info), info.context.actor, cmd)
        return {"asset": gql.Asset.from_domain(asset)}

    return await run_mutation(info, ci.UpdateAssetPayload, action)


async def update_assets(info: Info, input: ci.UpdateAssetsInput) -> ci.UpdateAssetsPayload:
    async def action() -> dict[str, Any]:
        cmd = use_cases.UpdateAssets(
            asset_ids=_ids(input.ids, "Asset", "ids"),
            add_tags=tuple(input.add_tags or ()),
            remove_tags=tuple(input.remove_tags or ()),
            add_owner_ids=_ids(input.add_owner_ids or [], "User", "addOwnerIds"),
            remove_owner_ids=_ids(input.remove_owner_ids or [], "User", "removeOwnerIds"),
            add_term_ids=_ids(input.add_term_ids or [], "GlossaryTerm", "addTermIds"),
            remove_term_ids=_ids(input.remove_term_ids or [], "GlossaryTerm", "removeTermIds"),
        )
        assets = await use_cases.update_assets(_uow(info), info.context.actor, cmd)
        return {"assets": [gql.Asset.from_domain(a) for a in assets]}

    return await run_mutation(info, ci.UpdateAssetsPayload, action)


def _term_ids(values: list[Any] | None, field: str) -> tuple[uuid.UUID, ...] | None:
    return None if values is None else _ids(values, "GlossaryTerm", field)


async def create_glossary_term(
    info: Info, input: ci.CreateGlossaryTermInput
) -> ci.GlossaryTermPayload:
    async def action() -> dict[str, Any]:
        cmd = glossary.SaveTerm(
            name=input.name,
            definition=input.definition,
            parent_id=None
            if input.parent_id is None
            else decode_id(input.parent_id, "GlossaryTerm", field="parentId"),
            synonyms=tuple(input.synonyms),
            related_ids=_term_ids(input.related_term_ids, "relatedTermIds"),
        )
        term = await glossary.create_term(_uow(info), info.context.actor, cmd)
        return {"term": gql.GlossaryTerm.from_domain(term)}

    return await run_mutation(info, ci.GlossaryTermPayload, action)


async def update_glossary_term(
    info: Info, input: ci.UpdateGlossaryTermInput
) -> ci.GlossaryTermPayload:
    async def action() -> dict[str, Any]:
        cmd = glossary.SaveTerm(
            term_id=decode_id(input.id, "GlossaryTerm"),
            name=input.name,
            definition=input.definition,
            parent_id=None
            if input.parent_id is None
            else decode_id(input.parent_id, "GlossaryTerm", field="parentId"),
            clear_parent=input.clear_parent,
            synonyms=None if input.synonyms is None else tuple(input.synonyms),
            related_ids=_term_ids(input.related_term_ids, "relatedTermIds"),
        )
        term = await glossary.update_term(_uow(info), info.context.actor, cmd)
        return {"term": gql.GlossaryTerm.from_domain(term)}

    return await run_mutation(info, ci.GlossaryTermPayload, action)


async def delete_glossary_term(
    info: Info, input: ci.DeleteGlossaryTermInput
) -> ci.GlossaryTermPayload:
    async def action() -> dict[str, Any]:
        term = await glossary.delete_term(
            _uow(info), info.context.actor, decode_id(input.id, "GlossaryTerm")
        )
        return {"term": gql.GlossaryTerm.from_domain(term)}

    return await run_mutation(info, ci.GlossaryTermPayload, action)


async def _assign(
    info: Info, input: ci.AssignGlossaryTermInput, assign: bool
) -> ci.AssignGlossaryTermPayload:
    async def action() -> dict[str, Any]:
        cmd = glossary.AssignTerm(
            term_id=decode_id(input.term_id, "GlossaryTerm", field="termId"),
            asset_id=decode_id(input.asset_id, "Asset", field="assetId"),
        )
        asset, term = await glossary.assign_term(_uow(info), info.context.actor, cmd, assign=assign)
        return {"asset": gql.Asset.from_domain(asset), "term": gql.GlossaryTerm.from_domain(term)}

    return await run_mutation(info, ci.AssignGlossaryTermPayload, action)


async def assign_glossary_term(
    info: Info, input: ci.AssignGlossaryTermInput
) -> ci.AssignGlossaryTermPayload:
    return await _assign(info, input, True)


async def unassign_glossary_term(
    info: Info, input: ci.AssignGlossaryTermInput
) -> ci.AssignGlossaryTermPayload:
    return await _assign(info, input, False)


async def catalog_changes(
    info: Info, data_source_id: str | None
) -> AsyncGenerator[scan_gql.CatalogChange, None]:
    info.context.actor.require(Role.VIEWER)
    source = (
        None
        if data_source_id is None
        else str(decode_id(data_source_id, "DataSource", field="dataSourceId"))
    )
    async for event in live_events(info, [Channels.CATALOG]):
        if event.type == GAP:
            yield _change("GAP", {})
            continue
        if source is None or event.payload.get("sourceId") == source:
            yield _change(event.type, event.payload)


def _change(type_: str, p: dict[str, Any]) -> scan_gql.CatalogChange:
    asset = p.get("assetId")
    ids = [asset] if asset else list(p.get("assetIds") or [])
    label = p.get("label") or p.get("typeKey")
    if label and p.get("labelKind") == "GLOSSARY_TERM":
        label = encode_id("GlossaryTerm", label)
    return scan_gql.CatalogChange(
        type=type_,
        asset_id=encode_id("Asset", asset) if asset else None,
        asset_ids=[encode_id("Asset", i) for i in ids],
        kind=p.get("kind"),
        qualified_name=p.get("qualifiedName"),
        data_source_id=encode_id("DataSource", p["sourceId"]) if p.get("sourceId") else None,
        label=label,
        before=p.get("before"),
        after=p.get("after"),
    )
