"""Workspaces, members, documents, versions, comments, notifications and activity.

Plain dataclasses: the CRDT state of a document lives in the update log and
snapshots (bytes), never in these objects.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "Activity",
    "Comment",
    "Document",
    "DocumentFormat",
    "DocumentVersion",
    "Invitation",
    "InvitationState",
    "Member",
    "Notification",
    "Workspace",
    "WorkspaceRole",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class WorkspaceRole(StrEnum):
    """Roles inside one workspace, ordered: OWNER ⊃ EDITOR ⊃ COMMENTER ⊃ VIEWER."""

    VIEWER = "VIEWER"
    COMMENTER = "COMMENTER"
    EDITOR = "EDITOR"
    OWNER = "OWNER"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def includes(self, other: WorkspaceRole) -> bool:
        return self.rank >= other.rank


_RANKS = {
    WorkspaceRole.VIEWER: 0,
    WorkspaceRole.COMMENTER: 1,
    WorkspaceRole.EDITOR: 2,
    WorkspaceRole.OWNER: 3,
}


class DocumentFormat(StrEnum):
    MARKDOWN = "MARKDOWN"
    SQL = "SQL"
    JSON = "JSON"
    NOTEBOOK = "NOTEBOOK"


class InvitationState(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"


@dataclass
class Workspace:
    name: str
    created_by: uuid.UUID
    description: str = ""
    archived: bool = False
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass
class Member:
    workspace_id: uuid.UUID
    user_id: uuid.UUID
    role: WorkspaceRole
    user_name: str = ""
    joined_at: datetime = field(default_factory=utcnow)


@dataclass
class Invitation:
    workspace_id: uuid.UUID
    user_id: uuid.UUID
    user_name: str
    role: WorkspaceRole
    invited_by: uuid.UUID
    state: InvitationState = InvitationState.PENDING
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=utcnow)
    accepted_at: datetime | None = None


@dataclass
class Document:
    """A co-edited document. ``text`` is the current plain-text/JSON projection."""

    workspace_id: uuid.UUID
    title: str
    format: DocumentFormat
    created_by: uuid.UUID
    is_article: bool = False
    asset_ids: list[str] = field(default_factory=list)
    glossary_term_ids: list[str] = field(default_factory=list)
    text: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass
class DocumentVersion:
    """A named version: the full CRDT state and its projection at that moment."""

    document_id: uuid.UUID
    name: str
    author_id: uuid.UUID
    author_name: str
    state: bytes
    text: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=utcnow)


@dataclass
class Comment:
    """A comment on a document or an asset; ``parent_id`` threads replies.

    ``anchor`` is a Yjs relative position (encoded, bytes) inside a document.
    Resolution is a property of the thread root.
    """

    workspace_id: uuid.UUID
    author_id: uuid.UUID
    author_name: str
    body: str
    document_id: uuid.UUID | None = None
    asset_id: str | None = None
    parent_id: uuid.UUID | None = None
    anchor: bytes | None = None
    mentions: list[str] = field(default_factory=list)
    resolved_at: datetime | None = None
    resolved_by: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=utcnow)


@dataclass
class Notification:
    user_id: uuid.UUID
    kind: str  # MENTION, INVITATION
    workspace_id: uuid.UUID
    message: str
    subject_id: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=utcnow)
    read_at: datetime | None = None


@dataclass
class Activity:
    workspace_id: uuid.UUID
    actor_id: uuid.UUID
    actor_name: str
    verb: str  # document.create, comment.add, ...
    target_type: str
    target_id: str
    summary: str
    data: dict[str, Any] = field(default_factory=dict)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=utcnow)
