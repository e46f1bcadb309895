"""Collaboration area: workspaces, co-edited documents, versions, discussions, articles.

Every workspace-scoped object is visible only to members of its workspace (and
to global ADMINs); a foreign id answers NOT_FOUND like a missing one.

The object types are in ``collaboration_types`` (re-exported here); this module
adds the live signals, the mutation inputs and their payloads.
"""

from __future__ import annotations

import json
from typing import Any, Self

import strawberry
from strawberry.scalars import JSON

from racine.schema.collaboration_types import (
    Activity,
    ArticleHit,
    Comment,
    Document,
    DocumentFormat,
    DocumentVersion,
    Invitation,
    Notification,
    Workspace,
    WorkspaceMember,
    WorkspaceRole,
    b64,
)
from racine.schema.errors import UserError

__all__ = [
    "AcceptInvitationInput",
    "AcceptInvitationPayload",
    "Activity",
    "ActivitySignal",
    "AddCommentInput",
    "AddCommentPayload",
    "ApplyDocumentUpdateInput",
    "ApplyDocumentUpdatePayload",
    "ArchiveWorkspaceInput",
    "ArchiveWorkspacePayload",
    "ArticleHit",
    "Comment",
    "CreateDocumentInput",
    "CreateDocumentPayload",
    "CreateDocumentVersionInput",
    "CreateDocumentVersionPayload",
    "CreateWorkspaceInput",
    "CreateWorkspacePayload",
    "Document",
    "DocumentFormat",
    "DocumentUpdateSignal",
    "DocumentVersion",
    "Invitation",
    "InviteWorkspaceMemberInput",
    "InviteWorkspaceMemberPayload",
    "NotebookCellInput",
    "Notification",
    "NotificationSignal",
    "Participant",
    "PresenceSignal",
    "ResolveCommentInput",
    "ResolveCommentPayload",
    "RestoreDocumentVersionInput",
    "RestoreDocumentVersionPayload",
    "UpdateDocumentInput",
    "UpdateDocumentPayload",
    "UpdateWorkspaceInput",
    "UpdateWorkspacePayload",
    "Workspace",
    "WorkspaceMember",
    "WorkspaceRole",
    "b64",
    "presence_state",
]


# -- live signals -----------------------------------------------------------------


@strawberry.type(description="A document update as it is stored, or a gap.")
class DocumentUpdateSignal:
    gap: bool = strawberry.field(description="Updates may have been missed: re-read `state`.")
    update: str | None = strawberry.field(description="Base64 Yjs update (Y.applyUpdate).")
    seq: int | None = strawberry.field(description="Position in the document's update log.")
    author_id: strawberry.ID | None = strawberry.field(description="Who made it, if known.")


@strawberry.type(description="One participant's awareness state (y-protocols awareness).")
class Participant:
    client_id: str = strawberry.field(description="Yjs client id (decimal string).")
    user_name: str | None = strawberry.field(description="Who sent it, when known.")
    state: JSON | None = strawberry.field(
        description="Awareness state (user, cursor, selection); null when the client left."
    )


@strawberry.type(description="A presence change on a document, or a gap.")
class PresenceSignal:
    gap: bool = strawberry.field(description="Changes may have been missed.")
    participants: list[Participant] = strawberry.field(description="Changed participants.")

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        return cls(
            gap=False,
            participants=[
                Participant(
                    client_id=str(s.get("client_id")), user_name=s.get("user"), state=s.get("state")
                )
                for s in payload.get("states", [])
            ],
        )


@strawberry.type(description="A new activity entry, or a gap.")
class ActivitySignal:
    gap: bool = strawberry.field(description="Entries may have been missed: re-read the feed.")
    activity: Activity | None = strawberry.field(description="The new entry.")


@strawberry.type(description="A new notification for the caller, or a gap.")
class NotificationSignal:
    gap: bool = strawberry.field(description="Notifications may have been missed.")
    notification: Notification | None = strawberry.field(description="The notification.")


# -- inputs and payloads ------------------------------------------------------------


@strawberry.input(description="A new workspace; the caller (global EDITOR) becomes OWNER.")
class CreateWorkspaceInput:
    name: str = strawberry.field(description="1-120 characters.")
    description: str | None = strawberry.field(default=None, description="≤ 4000 characters.")


@strawberry.type(description="Result of `createWorkspace`.")
class CreateWorkspacePayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    workspace: Workspace | None = strawberry.field(default=None, description="The workspace.")


@strawberry.input(description="Rename or describe a workspace (OWNER).")
class UpdateWorkspaceInput:
    id: strawberry.ID = strawberry.field(description="Global id of the workspace.")
    name: str | None = strawberry.field(default=None, description="New name.")
    description: str | None = strawberry.field(default=None, description="New description.")


@strawberry.type(description="Result of `updateWorkspace`.")
class UpdateWorkspacePayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    workspace: Workspace | None = strawberry.field(default=None, description="The workspace.")


@strawberry.input(description="Archive a workspace (OWNER): read-only afterwards.")
class ArchiveWorkspaceInput:
    id: strawberry.ID = strawberry.field(description="Global id of the workspace.")


@strawberry.type(description="Result of `archiveWorkspace`.")
class ArchiveWorkspacePayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    workspace: Workspace | None = strawberry.field(default=None, description="The workspace.")


@strawberry.input(description="Invite a user by name (OWNER).")
class InviteWorkspaceMemberInput:
    workspace_id: strawberry.ID = strawberry.field(description="Global id of the workspace.")
    user_name: str = strawberry.field(description="Login name of the user.")
    role: WorkspaceRole = strawberry.field(description="Role granted on acceptance.")


@strawberry.type(description="Result of `inviteWorkspaceMember`.")
class InviteWorkspaceMemberPayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    invitation: Invitation | None = strawberry.field(default=None, description="PENDING.")


@strawberry.input(description="Accept an invitation addressed to the caller.")
class AcceptInvitationInput:
    id: strawberry.ID = strawberry.field(description="Global id of the invitation.")


@strawberry.type(description="Result of `acceptInvitation`.")
class AcceptInvitationPayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    member: WorkspaceMember | None = strawberry.field(default=None, description="Membership.")


@strawberry.input(description="One notebook cell.")
class NotebookCellInput:
    kind: str = strawberry.field(default="code", description="`code` or `markdown`.")
    source: str = strawberry.field(default="", description="Cell text.")


@strawberry.input(description="A new document (workspace EDITOR).")
class CreateDocumentInput:
    workspace_id: strawberry.ID = strawberry.field(description="Global id of the workspace.")
    title: str = strawberry.field(description="1-200 characters.")
    format: DocumentFormat = strawberry.field(description="MARKDOWN, SQL, JSON or NOTEBOOK.")
    text: str = strawberry.field(default="", description="Initial text (text formats).")
    cells: list[NotebookCellInput] = strawberry.field(
        default_factory=list, description="Initial cells (NOTEBOOK), ≤ 1000."
    )
    asset_ids: list[str] = strawberry.field(
        default_factory=list, description="Catalog asset ids to link (≤ 100)."
    )
    glossary_term_ids: list[str] = strawberry.field(
        default_factory=list, description="Glossary term ids to link (≤ 100)."
    )
    is_article: bool = strawberry.field(default=False, description="Add to the knowledge base.")


@strawberry.type(description="Result of `createDocument`.")
class CreateDocumentPayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    document: Document | None = strawberry.field(default=None, description="The document.")


@strawberry.input(description="Change a document's metadata (workspace EDITOR).")
class UpdateDocumentInput:
    id: strawberry.ID = strawberry.field(description="Global id of the document.")
    title: str | None = strawberry.field(default=None, description="New title.")
    is_article: bool | None = strawberry.field(default=None, description="KB article or not.")
    asset_ids: list[str] | None = strawberry.field(default=None, description="Replace links.")
    glossary_term_ids: list[str] | None = strawberry.field(
        default=None, description="Replace glossary links."
    )


@strawberry.type(description="Result of `updateDocument`.")
class UpdateDocumentPayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    document: Document | None = strawberry.field(default=None, description="The document.")


@strawberry.input(description="A Yjs update to merge into a document (workspace EDITOR).")
class ApplyDocumentUpdateInput:
    document_id: strawberry.ID = strawberry.field(description="Global id of the document.")
    update: str = strawberry.field(
        description="Base64 Yjs v1 update (Y.encodeStateAsUpdate / 'update' event); ≤ 1 MiB "
        "decoded by default (RACINE_COLLAB_MAX_UPDATE_BYTES)."
    )


@strawberry.type(description="Result of `applyDocumentUpdate`: stored before it is returned.")
class ApplyDocumentUpdatePayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    seq: int | None = strawberry.field(default=None, description="Position in the update log.")
    document: Document | None = strawberry.field(default=None, description="The document.")


@strawberry.input(description="Name the current state of a document (workspace EDITOR).")
class CreateDocumentVersionInput:
    document_id: strawberry.ID = strawberry.field(description="Global id of the document.")
    name: str = strawberry.field(description="1-120 characters.")


@strawberry.type(description="Result of `createDocumentVersion`.")
class CreateDocumentVersionPayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    version: DocumentVersion | None = strawberry.field(default=None, description="The version.")


@strawberry.input(description="Bring a document back to a version, as a new update.")
class RestoreDocumentVersionInput:
    version_id: strawberry.ID = strawberry.field(description="Global id of the version.")


@strawberry.type(description="Result of `restoreDocumentVersion`.")
class RestoreDocumentVersionPayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    seq: int | None = strawberry.field(default=None, description="Log position of the update.")
    document: Document | None = strawberry.field(default=None, description="The document.")


@strawberry.input(
    description="A comment (workspace COMMENTER). Target: documentId, "
    "assetId with workspaceId, or parentId for a reply."
)
class AddCommentInput:
    body: str = strawberry.field(description="1-10000 characters; `@name` notifies members.")
    document_id: strawberry.ID | None = strawberry.field(default=None, description="Document.")
    workspace_id: strawberry.ID | None = strawberry.field(
        default=None, description="Workspace (for an asset comment)."
    )
    asset_id: str | None = strawberry.field(default=None, description="Catalog asset id.")
    parent_id: strawberry.ID | None = strawberry.field(default=None, description="Thread root.")
    anchor: str | None = strawberry.field(
        default=None, description="Base64 Yjs relative position in the document (≤ 1 KiB)."
    )


@strawberry.type(description="Result of `addComment`.")
class AddCommentPayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    comment: Comment | None = strawberry.field(default=None, description="The comment.")


@strawberry.input(description="Resolve or reopen a thread (workspace COMMENTER).")
class ResolveCommentInput:
    id: strawberry.ID = strawberry.field(description="Global id of the thread's first comment.")


@strawberry.type(description="Result of `resolveComment` / `reopenComment`.")
class ResolveCommentPayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    comment: Comment | None = strawberry.field(default=None, description="The thread root.")


def presence_state(value: Any) -> Any:
    return json.loads(json.dumps(value))
