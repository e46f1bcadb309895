"""Collaboration area, the object types: workspaces, members, invitations, documents,
versions, comments, articles, activity and notifications (and their enums).

Every workspace-scoped object is visible only to members of its workspace (and
to global ADMINs); a foreign id answers NOT_FOUND like a missing one.
"""

from __future__ import annotations

import base64
from datetime import datetime
from enum import Enum
from typing import Annotated, Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from racine.domain.collaboration import model
from racine.schema.relay import Connection, encode_id

PAGE = "Page size, 0-100 (default 20)."
AFTER = "Cursor from `pageInfo.endCursor` of the previous page."


def b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


@strawberry.enum(description="Roles inside a workspace, each including the ones below it.")
class WorkspaceRole(Enum):
    VIEWER = strawberry.enum_value("VIEWER", description="Reads documents, discussions, presence.")
    COMMENTER = strawberry.enum_value(
        "COMMENTER", description="Also comments and resolves threads."
    )
    EDITOR = strawberry.enum_value("EDITOR", description="Also creates and edits documents.")
    OWNER = strawberry.enum_value("OWNER", description="Also renames, archives and invites.")


@strawberry.enum(description="What a document holds and how its CRDT is laid out.")
class DocumentFormat(Enum):
    MARKDOWN = strawberry.enum_value("MARKDOWN", description="Y.Text `content`, Markdown.")
    SQL = strawberry.enum_value("SQL", description="Y.Text `content`, SQL.")
    JSON = strawberry.enum_value("JSON", description="Y.Text `content`, JSON text.")
    NOTEBOOK = strawberry.enum_value(
        "NOTEBOOK",
        description="Y.Array `cells` of Y.Map {id, kind: code|markdown, source: Y.Text}.",
    )


@strawberry.enum(description="State of an invitation.")
class InvitationState(Enum):
    PENDING = strawberry.enum_value("PENDING", description="Waiting for the invited user.")
    ACCEPTED = strawberry.enum_value("ACCEPTED", description="The user joined.")


@strawberry.type(description="A member of a workspace.")
class WorkspaceMember:
    user_id: strawberry.ID = strawberry.field(description="Global id of the user.")
    user_name: str = strawberry.field(description="Login name (for @mentions).")
    role: WorkspaceRole = strawberry.field(description="Role in this workspace.")
    joined_at: datetime = strawberry.field(description="When the user joined (UTC).")

    @classmethod
    def from_domain(cls, m: model.Member) -> Self:
        return cls(
            user_id=encode_id("User", m.user_id),
            user_name=m.user_name,
            role=WorkspaceRole(m.role.value),
            joined_at=m.joined_at,
        )


@strawberry.type(description="A shared space of documents, discussions and articles.")
class Workspace(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Name, 1-120 characters.")
    description: str = strawberry.field(description="What the workspace is for.")
    archived: bool = strawberry.field(description="Archived workspaces are read-only.")
    created_at: datetime = strawberry.field(description="Creation time (UTC).")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")

    @classmethod
    def from_domain(cls, w: model.Workspace) -> Self:
        return cls(
            id=str(w.id),
            name=w.name,
            description=w.description,
            archived=w.archived,
            created_at=w.created_at,
            updated_at=w.updated_at,
        )

    @strawberry.field(description="Members, by name (at most 1000).")
    async def members(self, info: Info) -> list[WorkspaceMember]:
        from racine.resolvers import collaboration as r

        return await r.workspace_members(info, self.id)

    @strawberry.field(description="Documents of the workspace by title; at most 100 per page.")
    async def documents(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        articles_only: Annotated[
            bool, strawberry.argument(description="Only knowledge-base articles.")
        ] = False,
    ) -> Connection[Document]:
        from racine.resolvers import collaboration as r

        return await r.workspace_documents(info, self.id, first, after, articles_only)


@strawberry.type(description="An invitation to join a workspace.")
class Invitation(relay.Node):
    id: relay.NodeID[str]
    workspace_id: strawberry.ID = strawberry.field(description="Global id of the workspace.")
    user_name: str = strawberry.field(description="The invited user.")
    role: WorkspaceRole = strawberry.field(description="Role granted on acceptance.")
    state: InvitationState = strawberry.field(description="PENDING or ACCEPTED.")
    created_at: datetime = strawberry.field(description="When it was sent (UTC).")

    @classmethod
    def from_domain(cls, i: model.Invitation) -> Self:
        return cls(
            id=str(i.id),
            workspace_id=encode_id("Workspace", i.workspace_id),
            user_name=i.user_name,
            role=WorkspaceRole(i.role.value),
            state=InvitationState(i.state.value),
            created_at=i.created_at,
        )


@strawberry.type(description="A named version of a document: its content at that moment.")
class DocumentVersion(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Label given by its author.")
    author_name: str = strawberry.field(description="Who saved it.")
    created_at: datetime = strawberry.field(description="When (UTC).")
    text: str = strawberry.field(description="Plain-text/JSON projection at that version.")

    @classmethod
    def from_domain(cls, v: model.DocumentVersion) -> Self:
        return cls(
            id=str(v.id),
            name=v.name,
            author_name=v.author_name,
            created_at=v.created_at,
            text=v.text,
        )


@strawberry.type(description="A comment; thread roots carry the replies and the resolution.")
class Comment(relay.Node):
    id: relay.NodeID[str]
    body: str = strawberry.field(description="Text, 1-10000 characters; `@name` mentions.")
    author_name: str = strawberry.field(description="Who wrote it.")
    document_id: strawberry.ID | None = strawberry.field(description="Document commented on.")
    asset_id: str | None = strawberry.field(description="Catalog asset id commented on.")
    parent_id: strawberry.ID | None = strawberry.field(description="Thread root, for replies.")
    anchor: str | None = strawberry.field(
        description="Base64 Yjs relative position (Y.encodeRelativePosition) in the document."
    )
    mentions: list[str] = strawberry.field(description="User names mentioned with `@`.")
    resolved: bool = strawberry.field(description="True once the thread is resolved.")
    resolved_at: datetime | None = strawberry.field(description="When it was resolved (UTC).")
    created_at: datetime = strawberry.field(description="When it was written (UTC).")

    @classmethod
    def from_domain(cls, c: model.Comment) -> Self:
        return cls(
            id=str(c.id),
            body=c.body,
            author_name=c.author_name,
            document_id=None if c.document_id is None else encode_id("Document", c.document_id),
            asset_id=c.asset_id,
            parent_id=None if c.parent_id is None else encode_id("Comment", c.parent_id),
            anchor=b64(c.anchor),
            mentions=list(c.mentions),
            resolved=c.resolved_at is not None,
            resolved_at=c.resolved_at,
            created_at=c.created_at,
        )

    @strawberry.field(description="Replies, oldest first (at most 100; roots only).")
    async def replies(self, info: Info) -> list[Comment]:
        from racine.resolvers import collaboration as r

        return await r.comment_replies(info, self)


@strawberry.type(description="A co-edited document (CRDT) in a workspace; also a KB article.")
class Document(relay.Node):
    id: relay.NodeID[str]
    workspace_id: strawberry.ID = strawberry.field(description="Global id of the workspace.")
    title: str = strawberry.field(description="Title, 1-200 characters.")
    format: DocumentFormat = strawberry.field(description="Content format and CRDT layout.")
    is_article: bool = strawberry.field(description="Part of the knowledge base.")
    asset_ids: list[str] = strawberry.field(description="Linked catalog asset ids (≤ 100).")
    glossary_term_ids: list[str] = strawberry.field(description="Linked glossary term ids.")
    text: str = strawberry.field(
        description="Plain-text projection (NOTEBOOK: a JSON list of cells), kept current."
    )
    created_at: datetime = strawberry.field(description="Creation time (UTC).")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")

    @classmethod
    def from_domain(cls, d: model.Document) -> Self:
        return cls(
            id=str(d.id),
            workspace_id=encode_id("Workspace", d.workspace_id),
            title=d.title,
            format=DocumentFormat(d.format.value),
            is_article=d.is_article,
            asset_ids=list(d.asset_ids),
            glossary_term_ids=list(d.glossary_term_ids),
            text=d.text,
            created_at=d.created_at,
            updated_at=d.updated_at,
        )

    @strawberry.field(description="Full CRDT state as one base64 Yjs update (Y.applyUpdate).")
    async def state(self, info: Info) -> str:
        from racine.resolvers import collaboration as r

        return (await r.document_crdt(info, self.id))[0]

    @strawberry.field(description="Base64 Yjs state vector (Y.encodeStateVector).")
    async def state_vector(self, info: Info) -> str:
        from racine.resolvers import collaboration as r

        return (await r.document_crdt(info, self.id))[1]

    @strawberry.field(description="Named versions, newest first (at most 100).")
    async def versions(self, info: Info) -> list[DocumentVersion]:
        from racine.resolvers import collaboration as r

        return await r.document_versions(info, self.id)

    @strawberry.field(description="Comment threads on this document, oldest first (≤ 100).")
    async def comments(self, info: Info) -> list[Comment]:
        from racine.resolvers import collaboration as r

        return await r.document_comments(info, self.id)

    @strawberry.field(description="Articles closest in meaning (LSA), at most 20.")
    async def related_articles(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="How many, 1-20.")] = 5,
    ) -> list[ArticleHit]:
        from racine.resolvers import collaboration as r

        return await r.related_articles(info, self.id, first)


@strawberry.type(description="An article found by `searchArticles`, with its scores.")
class ArticleHit:
    article: Document = strawberry.field(description="The article.")
    score: float = strawberry.field(description="Blended rank score, higher is better.")
    lexical_score: float = strawberry.field(description="TF-IDF cosine with the query.")
    semantic_score: float = strawberry.field(description="LSA cosine with the query.")


@strawberry.type(description="One entry of a workspace's activity feed.")
class Activity(relay.Node):
    id: relay.NodeID[str]
    verb: str = strawberry.field(description="What happened: document.create, comment.add, ...")
    actor_name: str = strawberry.field(description="Who did it.")
    target_type: str = strawberry.field(description="Type of the object changed.")
    target_id: str = strawberry.field(description="Raw id of the object changed.")
    summary: str = strawberry.field(description="One line for humans.")
    created_at: datetime = strawberry.field(description="When (UTC).")

    @classmethod
    def from_domain(cls, a: model.Activity) -> Self:
        return cls(
            id=str(a.id),
            verb=a.verb,
            actor_name=a.actor_name,
            target_type=a.target_type,
            target_id=a.target_id,
            summary=a.summary,
            created_at=a.created_at,
        )


@strawberry.type(description="Something for the caller: a mention or an invitation.")
class Notification:
    id: strawberry.ID = strawberry.field(description="Id of the notification.")
    kind: str = strawberry.field(description="MENTION or INVITATION.")
    message: str = strawberry.field(description="One line for humans.")
    subject_id: str | None = strawberry.field(
        description="Raw id of the comment (MENTION) or invitation (INVITATION)."
    )
    workspace_id: strawberry.ID = strawberry.field(description="Workspace it comes from.")
    created_at: datetime = strawberry.field(description="When (UTC).")

    @classmethod
    def from_domain(cls, n: model.Notification) -> Self:
        subject = n.subject_id
        if n.kind == "INVITATION" and subject:
            subject = encode_id("Invitation", subject)
        return cls(
            id=strawberry.ID(str(n.id)),
            kind=n.kind,
            message=n.message,
            subject_id=subject,
            workspace_id=encode_id("Workspace", n.workspace_id),
            created_at=n.created_at,
        )
