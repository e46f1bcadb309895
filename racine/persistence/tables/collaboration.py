"""Collaboration tables: workspaces, members, documents and their CRDT log, discussions.

The update log (``collab_document_updates``) is append-only; compaction folds
its oldest rows into ``collab_document_snapshots`` and deletes exactly the rows
it folded, in one transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from racine.persistence.tables.base import Base, Json, UtcDateTime

__all__ = [
    "ActivityRow",
    "CommentRow",
    "DocumentRow",
    "DocumentSnapshotRow",
    "DocumentUpdateRow",
    "DocumentVersionRow",
    "InvitationRow",
    "MemberRow",
    "NotificationRow",
    "WorkspaceRow",
]

# SQLite only auto-increments an INTEGER PRIMARY KEY.
SeqType = BigInteger().with_variant(Integer(), "sqlite")
_WS_FK = "collab_workspaces.id"
_DOC_FK = "collab_documents.id"


class WorkspaceRow(Base):
    __tablename__ = "collab_workspaces"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MemberRow(Base):
    __tablename__ = "collab_members"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(_WS_FK, ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)


_PENDING = text("state = 'PENDING'")


class InvitationRow(Base):
    __tablename__ = "collab_invitations"
    # One pending invitation per user and workspace (migration 0016): two invitations
    # sent at once both pass ``invite_member``'s check.
    __table_args__ = (
        Index(
            "uq_collab_invitations_pending",
            "workspace_id",
            "user_id",
            unique=True,
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(_WS_FK, ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    invited_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DocumentRow(Base):
    __tablename__ = "collab_documents"
    __table_args__ = (Index("ix_collab_documents_ws_article", "workspace_id", "is_article"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_WS_FK, ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(16))
    is_article: Mapped[bool] = mapped_column(Boolean, default=False)
    asset_ids: Mapped[list[Any]] = mapped_column(Json, default=list)
    glossary_term_ids: Mapped[list[Any]] = mapped_column(Json, default=list)
    text: Mapped[str] = mapped_column(Text, default="")  # projection, kept current
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DocumentUpdateRow(Base):
    __tablename__ = "collab_document_updates"

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    document_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(_DOC_FK, ondelete="CASCADE"), index=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DocumentSnapshotRow(Base):
    __tablename__ = "collab_document_snapshots"

    document_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(_DOC_FK, ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[bytes] = mapped_column(LargeBinary)
    folded: Mapped[int] = mapped_column(Integer, default=0)  # updates folded in, in total
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DocumentVersionRow(Base):
    __tablename__ = "collab_document_versions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    document_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(_DOC_FK, ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    author_name: Mapped[str] = mapped_column(String(64))
    state: Mapped[bytes] = mapped_column(LargeBinary)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CommentRow(Base):
    __tablename__ = "collab_comments"
    __table_args__ = (
        Index("ix_collab_comments_target", "workspace_id", "document_id", "asset_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_WS_FK, ondelete="CASCADE"))
    document_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey(_DOC_FK, ondelete="CASCADE")
    )
    asset_id: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    author_name: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    anchor: Mapped[bytes | None] = mapped_column(LargeBinary)
    mentions: Mapped[list[Any]] = mapped_column(Json, default=list)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NotificationRow(Base):
    __tablename__ = "collab_notifications"
    __table_args__ = (Index("ix_collab_notifications_user", "user_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_WS_FK, ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(String(500))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ActivityRow(Base):
    __tablename__ = "collab_activities"
    __table_args__ = (Index("ix_collab_activities_ws", "workspace_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_WS_FK, ondelete="CASCADE"))
    actor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    actor_name: Mapped[str] = mapped_column(String(64))
    verb: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
