"""Root types: each area contributes fields; every root field declares a permission."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from racine.resolvers import access as access_resolvers
from racine.resolvers import audit as audit_resolvers
from racine.resolvers.permissions import IsAdmin, IsAuthenticated, IsViewer
from racine.schema import access, audit
from racine.schema.catalog_fields import CatalogMutation, CatalogQuery, CatalogSubscription
from racine.schema.classification_fields import ClassificationMutation, ClassificationQuery
from racine.schema.collaboration_fields import (
    CollaborationMutation,
    CollaborationQuery,
    CollaborationSubscription,
)
from racine.schema.compliance_fields import (
    ComplianceMutation,
    ComplianceQuery,
    ComplianceSubscription,
)
from racine.schema.errors import INPUT
from racine.schema.lineage_fields import LineageMutation, LineageQuery
from racine.schema.relay import Connection, register_node, resolve_node

__all__ = ["Mutation", "Query", "Subscription"]

PAGE = "Page size, 0-100 (default 20)."
AFTER = "Cursor from `pageInfo.endCursor` of the previous page."

register_node("User", access_resolvers.resolve_user)
register_node("AuditEvent", audit_resolvers.resolve_audit_event)


@strawberry.type(description="Read the platform.")
class Query(CatalogQuery, ClassificationQuery, CollaborationQuery, LineageQuery, ComplianceQuery):
    @strawberry.field(description="The caller.", permission_classes=[IsAuthenticated])
    async def viewer(self, info: Info) -> access.User:
        return await access_resolvers.viewer(info)

    @strawberry.field(
        description="Any object by its global id. A missing id and one the caller may not "
        "see both answer NOT_FOUND.",
        permission_classes=[IsViewer],
    )
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Global id")]
    ) -> relay.Node | None:
        return await resolve_node(info, id)

    @strawberry.field(
        description="The audit trail, newest first. ADMIN only. At most 100 per page.",
        permission_classes=[IsAdmin],
    )
    async def audit_events(
        self,
        info: Info,
        filter: Annotated[
            audit.AuditEventFilter | None, strawberry.argument(description="Criteria.")
        ] = None,
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[audit.AuditEvent]:
        return await audit_resolvers.audit_events(info, filter, first, after)


@strawberry.type(description="Change the platform. Each mutation is audited.")
class Mutation(
    CatalogMutation,
    ClassificationMutation,
    CollaborationMutation,
    LineageMutation,
    ComplianceMutation,
):
    @strawberry.mutation(
        description="Issue an API token for the caller (or, ADMIN, for another user). "
        "The secret is returned once.",
        permission_classes=[IsViewer],
    )
    async def create_api_token(
        self, info: Info, input: Annotated[access.CreateApiTokenInput, INPUT]
    ) -> access.CreateApiTokenPayload:
        return await access_resolvers.create_api_token(info, input)

    @strawberry.mutation(
        description="Revoke a token (its owner or an ADMIN). Live subscriptions opened "
        "with it end.",
        permission_classes=[IsViewer],
    )
    async def revoke_api_token(
        self, info: Info, input: Annotated[access.RevokeApiTokenInput, INPUT]
    ) -> access.RevokeApiTokenPayload:
        return await access_resolvers.revoke_api_token(info, input)

    @strawberry.mutation(description="Create a user. ADMIN only.", permission_classes=[IsAdmin])
    async def create_user(
        self, info: Info, input: Annotated[access.CreateUserInput, INPUT]
    ) -> access.CreateUserPayload:
        return await access_resolvers.create_user(info, input)


@strawberry.type(description="Live signals over graphql-transport-ws.")
class Subscription(CatalogSubscription, CollaborationSubscription, ComplianceSubscription):
    @strawberry.subscription(
        description="Audit events as they are recorded. ADMIN only. A `gap` signal means "
        "some may have been missed: re-read `auditEvents`. A scan's `asset.remove` and "
        "`asset.revive` entries (one per asset, thousands at a time) are not signalled here: "
        "`catalogChanges` announces the schemas, tables and views they concern.",
        permission_classes=[IsAdmin],
    )
    async def audit_event_recorded(self, info: Info) -> AsyncGenerator[audit.AuditSignal, None]:
        async for signal in audit_resolvers.audit_event_recorded(info):
            yield signal
