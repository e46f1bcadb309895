"""Root fields of the catalog and scanning areas, mixed into ``Query``/``Mutation``/
``Subscription`` so the shared root module only names these classes as bases."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.types import Info

from racine.resolvers import catalog as cr
from racine.resolvers import scanning as sr
from racine.resolvers.permissions import IsEditor, IsSteward, IsViewer
from racine.schema import catalog as c
from racine.schema import catalog_inputs as ci
from racine.schema import scanning as s
from racine.schema import search as sg
from racine.schema.relay import Connection, register_node

__all__ = ["CatalogMutation", "CatalogQuery", "CatalogSubscription"]

PAGE = "Page size, 0-100 (default 20)."
AFTER = "Cursor from `pageInfo.endCursor` of the previous page."
INPUT = strawberry.argument(description="The mutation's input.")

register_node("Asset", cr.resolve_asset)
register_node("GlossaryTerm", cr.resolve_glossary_term)
register_node("DataSource", sr.resolve_data_source)
register_node("ScanRuleSet", sr.resolve_scan_rule_set)
register_node("Scan", sr.resolve_scan)


@strawberry.type
class CatalogQuery:
    @strawberry.field(
        description="Registered data sources by name; ≤ 100 per page.",
        permission_classes=[IsViewer],
    )
    async def data_sources(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[s.DataSource]:
        return await sr.data_sources(info, first, after)

    @strawberry.field(
        description="Catalog assets by qualified name, filtered; ≤ 100 per page.",
        permission_classes=[IsViewer],
    )
    async def assets(
        self,
        info: Info,
        filter: Annotated[
            c.AssetFilter | None, strawberry.argument(description="Criteria.")
        ] = None,
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[c.Asset]:
        return await cr.assets(info, filter, first, after)

    @strawberry.field(
        description="Full-text search over names, qualified names, descriptions, column "
        "names, tags and glossary terms (synonyms included); every word must match as a "
        "prefix. Exact name matches first. ≤ 100 per page; facets count all matches.",
        permission_classes=[IsViewer],
    )
    async def search(
        self,
        info: Info,
        query: Annotated[
            str,
            strawberry.argument(
                description="Words to find (≤ 200 characters, first 8 words used; empty lists "
                "everything the filter allows)."
            ),
        ],
        filter: Annotated[
            c.AssetFilter | None, strawberry.argument(description="Criteria.")
        ] = None,
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> sg.SearchResults:
        return await cr.search(info, query, filter, first, after)

    @strawberry.field(
        description="Business glossary terms by name; ≤ 100 per page.",
        permission_classes=[IsViewer],
    )
    async def glossary_terms(
        self,
        info: Info,
        parent_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only the children of this GlossaryTerm."),
        ] = None,
        roots_only: Annotated[
            bool, strawberry.argument(description="Only terms without a parent.")
        ] = False,
        name_prefix: Annotated[
            str | None, strawberry.argument(description="Names starting with this (any case).")
        ] = None,
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[c.GlossaryTerm]:
        return await cr.glossary_terms(info, parent_id, roots_only, name_prefix, first, after)

    @strawberry.field(
        description="Scan rule sets: the built-in default first, then the others by name (≤ 100).",
        permission_classes=[IsViewer],
    )
    async def scan_rule_sets(self, info: Info) -> list[s.ScanRuleSet]:
        return await sr.scan_rule_sets(info)

    @strawberry.field(
        description="Scan history, newest first, optionally of one source; ≤ 100 per page.",
        permission_classes=[IsViewer],
    )
    async def scans(
        self,
        info: Info,
        data_source_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only scans of this DataSource.")
        ] = None,
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[s.Scan]:
        return await sr.scans(info, data_source_id, first, after)


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(
        description="Register a data source. STEWARD or above.", permission_classes=[IsSteward]
    )
    async def create_data_source(
        self, info: Info, input: Annotated[s.CreateDataSourceInput, INPUT]
    ) -> s.DataSourcePayload:
        return await sr.create_data_source(info, input)

    @strawberry.mutation(
        description="Change a data source. STEWARD or above.", permission_classes=[IsSteward]
    )
    async def update_data_source(
        self, info: Info, input: Annotated[s.UpdateDataSourceInput, INPUT]
    ) -> s.DataSourcePayload:
        return await sr.update_data_source(info, input)

    @strawberry.mutation(
        description="Remove a data source and its assets. STEWARD or above.",
        permission_classes=[IsSteward],
    )
    async def delete_data_source(
        self, info: Info, input: Annotated[s.DeleteDataSourceInput, INPUT]
    ) -> s.DataSourcePayload:
        return await sr.delete_data_source(info, input)

    @strawberry.mutation(
        description="Try to connect (within RACINE_SOURCE_CONNECT_TIMEOUT_S, 10 s by "
        "default); a failure is a typed error without secrets. STEWARD or above.",
        permission_classes=[IsSteward],
    )
    async def test_data_source_connection(
        self, info: Info, input: Annotated[s.TestDataSourceConnectionInput, INPUT]
    ) -> s.TestDataSourceConnectionPayload:
        return await sr.test_data_source_connection(info, input)

    @strawberry.mutation(
        description="Create a scan rule set. STEWARD or above.", permission_classes=[IsSteward]
    )
    async def create_scan_rule_set(
        self, info: Info, input: Annotated[s.ScanRuleSetInput, INPUT]
    ) -> s.ScanRuleSetPayload:
        return await sr.create_scan_rule_set(info, input)

    @strawberry.mutation(
        description="Change a scan rule set. STEWARD or above.", permission_classes=[IsSteward]
    )
    async def update_scan_rule_set(
        self, info: Info, input: Annotated[s.UpdateScanRuleSetInput, INPUT]
    ) -> s.ScanRuleSetPayload:
        return await sr.update_scan_rule_set(info, input)

    @strawberry.mutation(
        description="Delete an unused scan rule set. STEWARD or above.",
        permission_classes=[IsSteward],
    )
    async def delete_scan_rule_set(
        self, info: Info, input: Annotated[s.DeleteScanRuleSetInput, INPUT]
    ) -> s.ScanRuleSetPayload:
        return await sr.delete_scan_rule_set(info, input)

    @strawberry.mutation(
        description="Queue a scan (a durable run); follow it with "
        "`scanProgress`. STEWARD or above.",
        permission_classes=[IsSteward],
    )
    async def start_scan(
        self, info: Info, input: Annotated[s.StartScanInput, INPUT]
    ) -> s.ScanPayload:
        return await sr.start_scan(info, input)

    @strawberry.mutation(
        description="Cancel a queued or running scan. STEWARD or above.",
        permission_classes=[IsSteward],
    )
    async def cancel_scan(
        self, info: Info, input: Annotated[s.CancelScanInput, INPUT]
    ) -> s.ScanPayload:
        return await sr.cancel_scan(info, input)

    @strawberry.mutation(
        description="Change an asset's description, owners, tags or properties (CONFLICT on "
        "a removed asset). EDITOR or above.",
        permission_classes=[IsEditor],
    )
    async def update_asset(
        self, info: Info, input: Annotated[ci.UpdateAssetInput, INPUT]
    ) -> ci.UpdateAssetPayload:
        return await cr.update_asset(info, input)

    @strawberry.mutation(
        description="Add or remove tags, owners and glossary terms on up to 100 assets at "
        "once, all or "
        "none; each change is in the asset's history, and each changed asset gets one "
        "ASSET_UPDATED. EDITOR or above.",
        permission_classes=[IsEditor],
    )
    async def update_assets(
        self, info: Info, input: Annotated[ci.UpdateAssetsInput, INPUT]
    ) -> ci.UpdateAssetsPayload:
        return await cr.update_assets(info, input)

    @strawberry.mutation(
        description="Create a glossary term. STEWARD or above.", permission_classes=[IsSteward]
    )
    async def create_glossary_term(
        self, info: Info, input: Annotated[ci.CreateGlossaryTermInput, INPUT]
    ) -> ci.GlossaryTermPayload:
        return await cr.create_glossary_term(info, input)

    @strawberry.mutation(
        description="Change a glossary term. STEWARD or above.", permission_classes=[IsSteward]
    )
    async def update_glossary_term(
        self, info: Info, input: Annotated[ci.UpdateGlossaryTermInput, INPUT]
    ) -> ci.GlossaryTermPayload:
        return await cr.update_glossary_term(info, input)

    @strawberry.mutation(
        description="Delete a glossary term without children. STEWARD or above.",
        permission_classes=[IsSteward],
    )
    async def delete_glossary_term(
        self, info: Info, input: Annotated[ci.DeleteGlossaryTermInput, INPUT]
    ) -> ci.GlossaryTermPayload:
        return await cr.delete_glossary_term(info, input)

    @strawberry.mutation(
        description="Attach a glossary term to an asset (CONFLICT on a removed asset). EDITOR "
        "or above.",
        permission_classes=[IsEditor],
    )
    async def assign_glossary_term(
        self, info: Info, input: Annotated[ci.AssignGlossaryTermInput, INPUT]
    ) -> ci.AssignGlossaryTermPayload:
        return await cr.assign_glossary_term(info, input)

    @strawberry.mutation(
        description="Detach a glossary term from an asset (CONFLICT on a removed asset). "
        "EDITOR or above.",
        permission_classes=[IsEditor],
    )
    async def unassign_glossary_term(
        self, info: Info, input: Annotated[ci.AssignGlossaryTermInput, INPUT]
    ) -> ci.AssignGlossaryTermPayload:
        return await cr.unassign_glossary_term(info, input)


@strawberry.type
class CatalogSubscription:
    @strawberry.subscription(
        description="Live steps of one scan: a SNAPSHOT, then table started/finished/failed "
        "with counts, percent and ETA; ends after the terminal state.",
        permission_classes=[IsViewer],
    )
    async def scan_progress(
        self,
        info: Info,
        scan_id: Annotated[strawberry.ID, strawberry.argument(description="The Scan.")],
    ) -> AsyncGenerator[s.ScanProgress, None]:
        async for step in sr.scan_progress(info, scan_id):
            yield step

    @strawberry.subscription(
        description="Catalog changes: ASSET_ADDED, ASSET_REMOVED, ASSET_RENAMED, SCHEMA_CHANGED "
        "(before/after), ASSET_UPDATED, CLASSIFICATION_CHANGED, CLASSIFICATION_PROPAGATED, "
        "CLASSIFICATION_UNPROPAGATED; GAP means some may have been missed.",
        permission_classes=[IsViewer],
    )
    async def catalog_changes(
        self,
        info: Info,
        data_source_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only changes under this DataSource."),
        ] = None,
    ) -> AsyncGenerator[s.CatalogChange, None]:
        async for change in cr.catalog_changes(info, data_source_id):
            yield change
