"""Resolvers of the collaboration area: input → command → use case → schema type."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import AsyncGenerator
from typing import Any, cast

from strawberry.types import Info

from racine.domain.collaboration import articles, crdt, discussions, documents, versions, workspaces
from racine.domain.collaboration.batches import DocumentPageKey
from racine.domain.collaboration.membership import document_access, workspace_role
from racine.domain.collaboration.model import DocumentFormat, WorkspaceRole
from racine.domain.collaboration.ports import CollabUnitOfWork
from racine.domain.errors import LimitExceeded, NotFound, ValidationFailed
from racine.domain.events import GAP, Channels
from racine.domain.paging import PageRequest
from racine.realtime.rooms import RoomManager
from racine.realtime.yjs_endpoint import ROOMS_KEY
from racine.resolvers.live import live_events
from racine.schema import collaboration as gql
from racine.schema.errors import run_mutation
from racine.schema.relay import Connection, connection_from_page, decode_id, encode_id


def _uow(info: Info) -> CollabUnitOfWork:
    return cast(CollabUnitOfWork, info.context.uow())


def _rooms(info: Info) -> RoomManager:
    return cast(RoomManager, info.context.services.extras[ROOMS_KEY])


def _raw(raw_id: str, kind: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw_id)
    except ValueError:
        raise NotFound(kind, raw_id, field="id") from None


def _bytes(value: str, field: str, limit: int) -> bytes:
    if len(value) > limit * 4 // 3 + 8:
        raise LimitExceeded(f"{field} is limited to {limit} bytes", field=field)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("not valid base64", field=field) from None


# -- workspaces -------------------------------------------------------------------


async def workspaces_list(
    info: Info, first: int, after: str | None, archived: bool
) -> Connection[gql.Workspace]:
    page = await workspaces.list_workspaces(
        _uow(info),
        info.context.actor,
        PageRequest(first=first, after=after),
        include_archived=archived,
    )
    return connection_from_page(page, gql.Workspace.from_domain)


async def resolve_workspace(info: Info, raw_id: str) -> gql.Workspace | None:
    async with _uow(info) as uow:
        ws, _ = await workspace_role(uow, info.context.actor, _raw(raw_id, "Workspace"), field="id")
    return gql.Workspace.from_domain(ws)


async def workspace_members(info: Info, raw_id: str) -> list[gql.WorkspaceMember]:
    members = await info.context.loaders.workspace_members.load(uuid.UUID(raw_id))
    return [gql.WorkspaceMember.from_domain(m) for m in members]


async def workspace_documents(
    info: Info, raw_id: str, first: int, after: str | None, articles_only: bool
) -> Connection[gql.Document]:
    key = DocumentPageKey(uuid.UUID(raw_id), PageRequest(first=first, after=after), articles_only)
    page = await info.context.loaders.workspace_documents.load(key)
    return connection_from_page(page, gql.Document.from_domain)


async def create_workspace(
    info: Info, input: gql.CreateWorkspaceInput
) -> gql.CreateWorkspacePayload:
    async def action() -> dict[str, Any]:
        cmd = workspaces.CreateWorkspace(name=input.name, description=input.description)
        ws = await workspaces.create_workspace(_uow(info), info.context.actor, cmd)
        return {"workspace": gql.Workspace.from_domain(ws)}

    return await run_mutation(info, gql.CreateWorkspacePayload, action)


async def update_workspace(
    info: Info, input: gql.UpdateWorkspaceInput
) -> gql.UpdateWorkspacePayload:
    async def action() -> dict[str, Any]:
        cmd = workspaces.UpdateWorkspace(
            workspace_id=decode_id(input.id, "Workspace"),
            name=input.name,
            description=input.description,
        )
        ws = await workspaces.update_workspace(_uow(info), info.context.actor, cmd)
        return {"workspace": gql.Workspace.from_domain(ws)}

    return await run_mutation(info, gql.UpdateWorkspacePayload, action)


async def archive_workspace(
    info: Info, input: gql.ArchiveWorkspaceInput
) -> gql.ArchiveWorkspacePayload:
    async def action() -> dict[str, Any]:
        ws = await workspaces.archive_workspace(
            _uow(info), info.context.actor, decode_id(input.id, "Workspace")
        )
        return {"workspace": gql.Workspace.from_domain(ws)}

    return await run_mutation(info, gql.ArchiveWorkspacePayload, action)


async def invite_member(
    info: Info, input: gql.InviteWorkspaceMemberInput
) -> gql.InviteWorkspaceMemberPayload:
    async def action() -> dict[str, Any]:
        cmd = workspaces.InviteMember(
            workspace_id=decode_id(input.workspace_id, "Workspace", field="workspaceId"),
            user_name=input.user_name,
            role=WorkspaceRole(input.role.name),
        )
        inv = await workspaces.invite_member(_uow(info), info.context.actor, cmd)
        return {"invitation": gql.Invitation.from_domain(inv)}

    return await run_mutation(info, gql.InviteWorkspaceMemberPayload, action)


async def accept_invitation(
    info: Info, input: gql.AcceptInvitationInput
) -> gql.AcceptInvitationPayload:
    async def action() -> dict[str, Any]:
        member = await workspaces.accept_invitation(
            _uow(info), info.context.actor, decode_id(input.id, "Invitation")
        )
        return {"member": gql.WorkspaceMember.from_domain(member)}

    return await run_mutation(info, gql.AcceptInvitationPayload, action)


async def resolve_invitation(info: Info, raw_id: str) -> gql.Invitation | None:
    async with _uow(info) as uow:
        inv = await uow.workspaces.get_invitation(_raw(raw_id, "Invitation"))
    if inv is None or inv.user_id != info.context.actor.user_id:
        return None
    return gql.Invitation.from_domain(inv)


async def my_invitations(info: Info) -> list[gql.Invitation]:
    async with _uow(info) as uow:
        found = await uow.workspaces.invitations_for(info.context.actor.user_id)
    return [gql.Invitation.from_domain(i) for i in found]


async def workspace_activity(
    info: Info, workspace_id: str, first: int, after: str | None
) -> Connection[gql.Activity]:
    ws_id = decode_id(workspace_id, "Workspace", field="workspaceId")
    page_request = PageRequest(first=first, after=after)
    async with _uow(info) as uow:
        await workspace_role(uow, info.context.actor, ws_id)
        page = await uow.workspaces.activity_page(ws_id, page_request)
    return connection_from_page(page, gql.Activity.from_domain)


async def workspace_activity_live(
    info: Info, workspace_id: str
) -> AsyncGenerator[gql.ActivitySignal, None]:
    ws_id = decode_id(workspace_id, "Workspace", field="workspaceId")
    async with _uow(info) as uow:
        await workspace_role(uow, info.context.actor, ws_id)
    async for event in live_events(info, [Channels.workspace(str(ws_id))]):
        if event.type == GAP:
            yield gql.ActivitySignal(gap=True, activity=None)
            continue
        async with _uow(info) as uow:
            activity = await uow.workspaces.get_activity(uuid.UUID(event.payload["id"]))
        if activity is not None:
            yield gql.ActivitySignal(gap=False, activity=gql.Activity.from_domain(activity))


# -- documents --------------------------------------------------------------------


async def resolve_document(info: Info, raw_id: str) -> gql.Document | None:
    access = await documents.get_document(
        _uow(info), info.context.actor, _raw(raw_id, "Document"), field="id"
    )
    return gql.Document.from_domain(access.document)


async def create_document(info: Info, input: gql.CreateDocumentInput) -> gql.CreateDocumentPayload:
    async def action() -> dict[str, Any]:
        cmd = documents.CreateDocument(
            workspace_id=decode_id(input.workspace_id, "Workspace", field="workspaceId"),
            title=input.title,
            format=DocumentFormat(input.format.name),
            text=input.text,
            cells=[{"kind": c.kind, "source": c.source} for c in input.cells],
            asset_ids=list(input.asset_ids),
            glossary_term_ids=list(input.glossary_term_ids),
            is_article=input.is_article,
        )
        doc = await documents.create_document(_uow(info), info.context.actor, cmd)
        return {"document": gql.Document.from_domain(doc)}

    return await run_mutation(info, gql.CreateDocumentPayload, action)


async def update_document(info: Info, input: gql.UpdateDocumentInput) -> gql.UpdateDocumentPayload:
    async def action() -> dict[str, Any]:
        cmd = documents.UpdateDocument(
            document_id=decode_id(input.id, "Document"),
            title=input.title,
            is_article=input.is_article,
            asset_ids=input.asset_ids,
            glossary_term_ids=input.glossary_term_ids,
        )
        doc = await documents.update_document(_uow(info), info.context.actor, cmd)
        return {"document": gql.Document.from_domain(doc)}

    return await run_mutation(info, gql.UpdateDocumentPayload, action)


async def _apply(info: Info, document_id: uuid.UUID, update: bytes) -> int:
    rooms = _rooms(info)
    async with _uow(info) as uow:
        await document_access(
            uow, info.context.actor, document_id, WorkspaceRole.EDITOR, writing=True
        )
    crdt.check_update(update, rooms.settings.max_update_bytes)
    room = await rooms.room(document_id)
    return await rooms.submit(room, update, info.context.actor.user_id)


async def _reread(info: Info, document_id: uuid.UUID) -> gql.Document:
    access = await documents.get_document(_uow(info), info.context.actor, document_id)
    return gql.Document.from_domain(access.document)


async def apply_document_update(
    info: Info, input: gql.ApplyDocumentUpdateInput
) -> gql.ApplyDocumentUpdatePayload:
    async def action() -> dict[str, Any]:
        document_id = decode_id(input.document_id, "Document", field="documentId")
        update = _bytes(input.update, "update", _rooms(info).settings.max_update_bytes)
        seq = await _apply(info, document_id, update)
        return {"seq": seq, "document": await _reread(info, document_id)}

    return await run_mutation(info, gql.ApplyDocumentUpdatePayload, action)


async def document_crdt(info: Info, raw_id: str) -> tuple[str, str]:
    """(full state, state vector), base64, from the durable log."""
    document_id = uuid.UUID(raw_id)
    async with _uow(info) as uow:
        await document_access(uow, info.context.actor, document_id)
    _, updates = await documents.load_updates(_uow(info), document_id)
    doc = crdt.build_doc(updates)
    return gql.b64(doc.get_update()) or "", gql.b64(doc.get_state()) or ""


async def document_updates(
    info: Info, document_id: str
) -> AsyncGenerator[gql.DocumentUpdateSignal, None]:
    doc_id = decode_id(document_id, "Document", field="documentId")
    async with _uow(info) as uow:
        await document_access(uow, info.context.actor, doc_id)
    async for event in live_events(info, [Channels.document(str(doc_id))]):
        if event.type == GAP:
            yield gql.DocumentUpdateSignal(gap=True, update=None, seq=None, author_id=None)
        elif event.type == "UPDATE":
            author = event.payload.get("author")
            yield gql.DocumentUpdateSignal(
                gap=False,
                update=event.payload.get("update"),
                seq=event.payload.get("seq"),
                author_id=None if not author else encode_id("User", author),
            )


async def document_presence(
    info: Info, document_id: str
) -> AsyncGenerator[gql.PresenceSignal, None]:
    doc_id = decode_id(document_id, "Document", field="documentId")
    async with _uow(info) as uow:
        await document_access(uow, info.context.actor, doc_id)
    async for event in live_events(info, [Channels.presence(str(doc_id))]):
        if event.type == GAP:
            yield gql.PresenceSignal(gap=True, participants=[])
        else:
            yield gql.PresenceSignal.from_payload(event.payload)


# -- versions ---------------------------------------------------------------------


async def document_versions(info: Info, raw_id: str) -> list[gql.DocumentVersion]:
    found = await info.context.loaders.document_versions.load(uuid.UUID(raw_id))
    return [gql.DocumentVersion.from_domain(v) for v in found]


async def resolve_version(info: Info, raw_id: str) -> gql.DocumentVersion | None:
    async with _uow(info) as uow:
        version = await uow.documents.get_version(_raw(raw_id, "DocumentVersion"))
        if version is None:
            return None
        try:
            await document_access(uow, info.context.actor, version.document_id)
        except NotFound:
            return None
    return gql.DocumentVersion.from_domain(version)


async def create_version(
    info: Info, input: gql.CreateDocumentVersionInput
) -> gql.CreateDocumentVersionPayload:
    async def action() -> dict[str, Any]:
        version = await versions.create_version(
            _uow(info),
            info.context.actor,
            decode_id(input.document_id, "Document", field="documentId"),
            input.name,
        )
        return {"version": gql.DocumentVersion.from_domain(version)}

    return await run_mutation(info, gql.CreateDocumentVersionPayload, action)


async def restore_version(
    info: Info, input: gql.RestoreDocumentVersionInput
) -> gql.RestoreDocumentVersionPayload:
    async def action() -> dict[str, Any]:
        restore = await versions.restore_version(
            _uow(info),
            info.context.actor,
            decode_id(input.version_id, "DocumentVersion", field="versionId"),
        )
        seq = await _apply(info, restore.document.id, restore.update)
        return {"seq": seq, "document": await _reread(info, restore.document.id)}

    return await run_mutation(info, gql.RestoreDocumentVersionPayload, action)


async def version_diff(info: Info, from_id: str, to_id: str | None) -> str:
    return await versions.diff_versions(
        _uow(info),
        info.context.actor,
        decode_id(from_id, "DocumentVersion", field="fromVersionId"),
        None if to_id is None else decode_id(to_id, "DocumentVersion", field="toVersionId"),
    )


# -- discussions ------------------------------------------------------------------


async def add_comment(info: Info, input: gql.AddCommentInput) -> gql.AddCommentPayload:
    async def action() -> dict[str, Any]:
        cmd = discussions.AddComment(
            body=input.body,
            document_id=None
            if input.document_id is None
            else decode_id(input.document_id, "Document", field="documentId"),
            workspace_id=None
            if input.workspace_id is None
            else decode_id(input.workspace_id, "Workspace", field="workspaceId"),
            asset_id=input.asset_id,
            parent_id=None
            if input.parent_id is None
            else decode_id(input.parent_id, "Comment", field="parentId"),
            anchor=None if input.anchor is None else _bytes(input.anchor, "anchor", 1024),
        )
        comment = await discussions.add_comment(_uow(info), info.context.actor, cmd)
        return {"comment": gql.Comment.from_domain(comment)}

    return await run_mutation(info, gql.AddCommentPayload, action)


async def set_resolved(
    info: Info, input: gql.ResolveCommentInput, resolved: bool
) -> gql.ResolveCommentPayload:
    async def action() -> dict[str, Any]:
        comment = await discussions.set_resolved(
            _uow(info), info.context.actor, decode_id(input.id, "Comment"), resolved
        )
        return {"comment": gql.Comment.from_domain(comment)}

    return await run_mutation(info, gql.ResolveCommentPayload, action)


async def document_comments(info: Info, raw_id: str) -> list[gql.Comment]:
    found = await info.context.loaders.document_comments.load(uuid.UUID(raw_id))
    return [gql.Comment.from_domain(c) for c in found]


async def comment_replies(info: Info, root: gql.Comment) -> list[gql.Comment]:
    if root.parent_id is not None:
        return []
    found = await info.context.loaders.comment_replies.load(uuid.UUID(str(root.id)))
    return [gql.Comment.from_domain(c) for c in found]


async def resolve_comment_node(info: Info, raw_id: str) -> gql.Comment | None:
    async with _uow(info) as uow:
        comment = await uow.discussions.get_comment(_raw(raw_id, "Comment"))
        if comment is None:
            return None
        try:
            await workspace_role(uow, info.context.actor, comment.workspace_id)
        except NotFound:
            return None
    return gql.Comment.from_domain(comment)


async def notifications_list(info: Info, first: int) -> list[gql.Notification]:
    found = await discussions.list_notifications(_uow(info), info.context.actor, first)
    return [gql.Notification.from_domain(n) for n in found]


async def notifications_live(info: Info) -> AsyncGenerator[gql.NotificationSignal, None]:
    channel = Channels.notifications(info.context.actor.user_id)
    async for event in live_events(info, [channel]):
        if event.type == GAP:
            yield gql.NotificationSignal(gap=True, notification=None)
            continue
        async with _uow(info) as uow:
            found = await uow.discussions.get_notification(uuid.UUID(event.payload["id"]))
        if found is not None and found.user_id == info.context.actor.user_id:
            yield gql.NotificationSignal(
                gap=False, notification=gql.Notification.from_domain(found)
            )


# -- knowledge base ---------------------------------------------------------------


def _hit(hit: articles.ArticleHit) -> gql.ArticleHit:
    return gql.ArticleHit(
        article=gql.Document.from_domain(hit.article),
        score=hit.score,
        lexical_score=hit.lexical,
        semantic_score=hit.semantic,
    )


async def search_articles(info: Info, query: str, first: int) -> list[gql.ArticleHit]:
    hits = await articles.search_articles(_uow(info), info.context.actor, query, first)
    return [_hit(h) for h in hits]


async def related_articles(info: Info, raw_id: str, first: int) -> list[gql.ArticleHit]:
    hits = await articles.related_articles(_uow(info), info.context.actor, uuid.UUID(raw_id), first)
    return [_hit(h) for h in hits]
