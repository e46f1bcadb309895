"""Root fields of the collaboration area, mixed into ``Query``/``Mutation``/``Subscription``.

Kept here so the shared root module only names these classes as bases.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.types import Info

from racine.resolvers import collaboration as r
from racine.resolvers.permissions import IsViewer
from racine.schema import collaboration as c
from racine.schema.errors import INPUT
from racine.schema.relay import Connection, register_node

__all__ = ["CollaborationMutation", "CollaborationQuery", "CollaborationSubscription"]

PAGE = "Page size, 0-100 (default 20)."
AFTER = "Cursor from `pageInfo.endCursor` of the previous page."
MEMBERS = " Members of the workspace only (and global ADMINs); others get NOT_FOUND."

register_node("Workspace", r.resolve_workspace)
register_node("Document", r.resolve_document)
register_node("DocumentVersion", r.resolve_version)
register_node("Comment", r.resolve_comment_node)
register_node("Invitation", r.resolve_invitation)


@strawberry.type
class CollaborationQuery:
    @strawberry.field(
        description="Workspaces the caller is a member of (ADMIN: all), by name; ≤ 100 per page.",
        permission_classes=[IsViewer],
    )
    async def workspaces(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        include_archived: Annotated[
            bool, strawberry.argument(description="Include archived workspaces.")
        ] = False,
    ) -> Connection[c.Workspace]:
        return await r.workspaces_list(info, first, after, include_archived)

    @strawberry.field(
        description="A workspace's activity feed, newest first; ≤ 100 per page." + MEMBERS,
        permission_classes=[IsViewer],
    )
    async def workspace_activity(
        self,
        info: Info,
        workspace_id: Annotated[strawberry.ID, strawberry.argument(description="Workspace.")],
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[c.Activity]:
        return await r.workspace_activity(info, workspace_id, first, after)

    @strawberry.field(
        description="Pending invitations addressed to the caller (at most 100).",
        permission_classes=[IsViewer],
    )
    async def my_invitations(self, info: Info) -> list[c.Invitation]:
        return await r.my_invitations(info)

    @strawberry.field(
        description="The caller's notifications (mentions, invitations), newest first.",
        permission_classes=[IsViewer],
    )
    async def notifications(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="How many, 1-100.")] = 50,
    ) -> list[c.Notification]:
        return await r.notifications_list(info, first)

    @strawberry.field(
        description="Unified diff (difflib) of two versions' text, or of a version and the "
        "current text; at most 5000 lines." + MEMBERS,
        permission_classes=[IsViewer],
    )
    async def document_version_diff(
        self,
        info: Info,
        from_version_id: Annotated[strawberry.ID, strawberry.argument(description="Old side.")],
        to_version_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="New side; omitted: the current text."),
        ] = None,
    ) -> str:
        return await r.version_diff(info, from_version_id, to_version_id)

    @strawberry.field(
        description="Knowledge-base articles the caller may see, ranked by full text (TF-IDF) "
        "blended with a local semantic ranking (LSA); at most 100.",
        permission_classes=[IsViewer],
    )
    async def search_articles(
        self,
        info: Info,
        query: Annotated[str, strawberry.argument(description="Words, 1-500 characters.")],
        first: Annotated[int, strawberry.argument(description="How many, 1-100.")] = 20,
    ) -> list[c.ArticleHit]:
        return await r.search_articles(info, query, first)


@strawberry.type
class CollaborationMutation:
    @strawberry.mutation(
        description="Create a workspace (global EDITOR); the caller is OWNER.",
        permission_classes=[IsViewer],
    )
    async def create_workspace(
        self, info: Info, input: Annotated[c.CreateWorkspaceInput, INPUT]
    ) -> c.CreateWorkspacePayload:
        return await r.create_workspace(info, input)

    @strawberry.mutation(
        description="Rename or describe a workspace (OWNER).", permission_classes=[IsViewer]
    )
    async def update_workspace(
        self, info: Info, input: Annotated[c.UpdateWorkspaceInput, INPUT]
    ) -> c.UpdateWorkspacePayload:
        return await r.update_workspace(info, input)

    @strawberry.mutation(
        description="Archive a workspace (OWNER); it becomes read-only.",
        permission_classes=[IsViewer],
    )
    async def archive_workspace(
        self, info: Info, input: Annotated[c.ArchiveWorkspaceInput, INPUT]
    ) -> c.ArchiveWorkspacePayload:
        return await r.archive_workspace(info, input)

    @strawberry.mutation(
        description="Invite a user by name (OWNER); PENDING until accepted.",
        permission_classes=[IsViewer],
    )
    async def invite_workspace_member(
        self, info: Info, input: Annotated[c.InviteWorkspaceMemberInput, INPUT]
    ) -> c.InviteWorkspaceMemberPayload:
        return await r.invite_member(info, input)

    @strawberry.mutation(
        description="Accept an invitation addressed to the caller.", permission_classes=[IsViewer]
    )
    async def accept_invitation(
        self, info: Info, input: Annotated[c.AcceptInvitationInput, INPUT]
    ) -> c.AcceptInvitationPayload:
        return await r.accept_invitation(info, input)

    @strawberry.mutation(
        description="Create a document (workspace EDITOR).", permission_classes=[IsViewer]
    )
    async def create_document(
        self, info: Info, input: Annotated[c.CreateDocumentInput, INPUT]
    ) -> c.CreateDocumentPayload:
        return await r.create_document(info, input)

    @strawberry.mutation(
        description="Change a document's title, links or article flag (EDITOR).",
        permission_classes=[IsViewer],
    )
    async def update_document(
        self, info: Info, input: Annotated[c.UpdateDocumentInput, INPUT]
    ) -> c.UpdateDocumentPayload:
        return await r.update_document(info, input)

    @strawberry.mutation(
        description="Merge a Yjs update into a document (workspace EDITOR). Stored before it "
        "returns, then sent to `/yjs` clients and `documentUpdates` subscribers. Malformed: "
        "INVALID; over the size cap: LIMIT_EXCEEDED; not visible: NOT_FOUND.",
        permission_classes=[IsViewer],
    )
    async def apply_document_update(
        self, info: Info, input: Annotated[c.ApplyDocumentUpdateInput, INPUT]
    ) -> c.ApplyDocumentUpdatePayload:
        return await r.apply_document_update(info, input)

    @strawberry.mutation(
        description="Save a named version of a document (workspace EDITOR).",
        permission_classes=[IsViewer],
    )
    async def create_document_version(
        self, info: Info, input: Annotated[c.CreateDocumentVersionInput, INPUT]
    ) -> c.CreateDocumentVersionPayload:
        return await r.create_version(info, input)

    @strawberry.mutation(
        description="Restore a version as a NEW update (history is kept); workspace EDITOR.",
        permission_classes=[IsViewer],
    )
    async def restore_document_version(
        self, info: Info, input: Annotated[c.RestoreDocumentVersionInput, INPUT]
    ) -> c.RestoreDocumentVersionPayload:
        return await r.restore_version(info, input)

    @strawberry.mutation(
        description="Comment on a document or asset, or reply (COMMENTER). "
        "`@name` notifies that member.",
        permission_classes=[IsViewer],
    )
    async def add_comment(
        self, info: Info, input: Annotated[c.AddCommentInput, INPUT]
    ) -> c.AddCommentPayload:
        return await r.add_comment(info, input)

    @strawberry.mutation(description="Resolve a thread (COMMENTER).", permission_classes=[IsViewer])
    async def resolve_comment(
        self, info: Info, input: Annotated[c.ResolveCommentInput, INPUT]
    ) -> c.ResolveCommentPayload:
        return await r.set_resolved(info, input, True)

    @strawberry.mutation(
        description="Reopen a resolved thread (COMMENTER).", permission_classes=[IsViewer]
    )
    async def reopen_comment(
        self, info: Info, input: Annotated[c.ResolveCommentInput, INPUT]
    ) -> c.ResolveCommentPayload:
        return await r.set_resolved(info, input, False)


@strawberry.type
class CollaborationSubscription:
    @strawberry.subscription(
        description="Yjs updates of a document as they are stored (base64), from every edit "
        "path and every server process." + MEMBERS,
        permission_classes=[IsViewer],
    )
    async def document_updates(
        self,
        info: Info,
        document_id: Annotated[strawberry.ID, strawberry.argument(description="Document.")],
    ) -> AsyncGenerator[c.DocumentUpdateSignal, None]:
        async for signal in r.document_updates(info, document_id):
            yield signal

    @strawberry.subscription(
        description="Presence (awareness: who is here, cursors, selections) on a document."
        + MEMBERS,
        permission_classes=[IsViewer],
    )
    async def document_presence(
        self,
        info: Info,
        document_id: Annotated[strawberry.ID, strawberry.argument(description="Document.")],
    ) -> AsyncGenerator[c.PresenceSignal, None]:
        async for signal in r.document_presence(info, document_id):
            yield signal

    @strawberry.subscription(
        description="New entries of a workspace's activity feed." + MEMBERS,
        permission_classes=[IsViewer],
    )
    async def workspace_activity(
        self,
        info: Info,
        workspace_id: Annotated[strawberry.ID, strawberry.argument(description="Workspace.")],
    ) -> AsyncGenerator[c.ActivitySignal, None]:
        async for signal in r.workspace_activity_live(info, workspace_id):
            yield signal

    @strawberry.subscription(
        description="The caller's new notifications (@mentions, invitations).",
        permission_classes=[IsViewer],
    )
    async def notifications(self, info: Info) -> AsyncGenerator[c.NotificationSignal, None]:
        async for signal in r.notifications_live(info):
            yield signal
