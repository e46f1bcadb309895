"""Discussions: threaded comments on documents and assets, @mentions, resolution.

A comment on a document may be anchored to a position through a Yjs relative
position (encoded bytes; stays put while the text around it changes). Mentions
(``@username``) notify the mentioned users who are members of the workspace;
others are ignored, so a mention never reveals the workspace to an outsider.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import regex

from racine.domain.access.model import Principal
from racine.domain.audit.record import record
from racine.domain.collaboration import crdt
from racine.domain.collaboration.activity import note_activity
from racine.domain.collaboration.membership import document_access, workspace_role
from racine.domain.collaboration.model import Comment, Notification, WorkspaceRole, utcnow
from racine.domain.collaboration.ports import CollabUnitOfWork as UnitOfWork
from racine.domain.errors import Conflict, LimitExceeded, NotFound, ValidationFailed
from racine.domain.events import Channels, Event

__all__ = [
    "AddComment",
    "add_comment",
    "list_notifications",
    "mentions_in",
    "set_resolved",
]

MAX_BODY = 10_000
MAX_MENTIONS = 20
_MENTION = regex.compile(r"(?<![\w@])@([A-Za-z0-9_.-]{1,64})")


def mentions_in(body: str) -> list[str]:
    """Distinct ``@username`` mentions, in order of appearance (trailing dots trimmed)."""
    names = [m.rstrip(".") for m in _MENTION.findall(body)]
    return list(dict.fromkeys(n for n in names if n))[:MAX_MENTIONS]


@dataclass(frozen=True)
class AddComment:
    body: str
    workspace_id: uuid.UUID | None = None
    document_id: uuid.UUID | None = None
    asset_id: str | None = None
    parent_id: uuid.UUID | None = None
    anchor: bytes | None = None


async def add_comment(uow: UnitOfWork, actor: Principal, cmd: AddComment) -> Comment:
    """COMMENTERs (and above) comment; exactly one target: document, asset or parent."""
    body = cmd.body.strip()
    if not body or len(body) > MAX_BODY:
        raise ValidationFailed(f"body must be 1-{MAX_BODY} characters", field="body")
    if cmd.anchor is not None:
        if cmd.document_id is None:
            raise ValidationFailed("an anchor needs a document", field="anchor")
        crdt.check_anchor(cmd.anchor)
    async with uow:
        document_id, asset_id, workspace_id = cmd.document_id, cmd.asset_id, cmd.workspace_id
        if cmd.parent_id is not None:
            parent = await uow.discussions.get_comment(cmd.parent_id)
            if parent is None:
                raise NotFound("Comment", cmd.parent_id, field="parentId")
            try:
                await workspace_role(uow, actor, parent.workspace_id)
            except NotFound:
                raise NotFound("Comment", cmd.parent_id, field="parentId") from None
            if parent.parent_id is not None:
                raise ValidationFailed("reply to the thread's first comment", field="parentId")
            document_id, asset_id, workspace_id = (
                parent.document_id,
                parent.asset_id,
                parent.workspace_id,
            )
        elif document_id is not None:
            access = await document_access(uow, actor, document_id)
            workspace_id = access.workspace.id
        elif asset_id is None or workspace_id is None:
            raise ValidationFailed(
                "give a documentId, or an assetId with its workspaceId", field="documentId"
            )
        assert workspace_id is not None
        await workspace_role(uow, actor, workspace_id, WorkspaceRole.COMMENTER, writing=True)
        mentioned = mentions_in(body)
        comment = Comment(
            workspace_id=workspace_id,
            author_id=actor.user_id,
            author_name=actor.name,
            body=body,
            document_id=document_id,
            asset_id=asset_id,
            parent_id=cmd.parent_id,
            anchor=cmd.anchor,
            mentions=mentioned,
        )
        await uow.discussions.add_comment(comment)
        members = await uow.workspaces.member_names(workspace_id, mentioned)
        for name, user_id in members.items():
            if user_id == actor.user_id:
                continue
            notification = Notification(
                user_id=user_id,
                kind="MENTION",
                workspace_id=workspace_id,
                message=f"{actor.name} mentioned you: {body[:200]}",
                subject_id=str(comment.id),
            )
            await uow.discussions.add_notification(notification)
            uow.emit(
                Event(
                    Channels.notifications(user_id),
                    "NOTIFICATION",
                    {"id": str(notification.id), "mention": name},
                )
            )
        await record(
            uow,
            actor,
            "comment.add",
            "Comment",
            comment.id,
            {"document_id": document_id, "asset_id": asset_id, "mentions": mentioned},
        )
        await note_activity(
            uow,
            actor,
            workspace_id,
            "comment.add",
            "Comment",
            comment.id,
            f"{actor.name} commented: {body[:120]}",
        )
        await uow.commit()
    return comment


async def set_resolved(
    uow: UnitOfWork, actor: Principal, comment_id: uuid.UUID, resolved: bool
) -> Comment:
    """COMMENTERs resolve or reopen a thread (its first comment)."""
    async with uow:
        comment = await uow.discussions.get_comment(comment_id)
        if comment is None:
            raise NotFound("Comment", comment_id, field="id")
        try:
            await workspace_role(uow, actor, comment.workspace_id)
        except NotFound:
            raise NotFound("Comment", comment_id, field="id") from None
        await workspace_role(
            uow, actor, comment.workspace_id, WorkspaceRole.COMMENTER, writing=True, field="id"
        )
        if comment.parent_id is not None:
            raise ValidationFailed("resolve the thread's first comment", field="id")
        if resolved == (comment.resolved_at is not None):
            raise Conflict(
                "the thread is already " + ("resolved" if resolved else "open"), field="id"
            )
        comment.resolved_at = utcnow() if resolved else None
        comment.resolved_by = actor.user_id if resolved else None
        await uow.discussions.set_resolution(comment.id, comment.resolved_at, comment.resolved_by)
        verb = "comment.resolve" if resolved else "comment.reopen"
        await record(uow, actor, verb, "Comment", comment.id, {})
        await note_activity(
            uow,
            actor,
            comment.workspace_id,
            verb,
            "Comment",
            comment.id,
            f"{actor.name} {'resolved' if resolved else 'reopened'} a thread",
        )
        await uow.commit()
    return comment


async def list_notifications(
    uow: UnitOfWork, actor: Principal, limit: int = 50
) -> list[Notification]:
    if not 1 <= limit <= 100:
        raise LimitExceeded("first must be between 1 and 100", field="first")
    async with uow:
        return await uow.discussions.notifications(actor.user_id, limit)
