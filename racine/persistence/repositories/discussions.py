"""Discussion repository: ``uow.discussions`` (comments and notifications).

Registered on the UnitOfWork at import time; ``repositories/__init__.py`` imports
this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from racine.domain.collaboration.model import Comment, Notification
from racine.persistence.tables.collaboration import CommentRow, NotificationRow
from racine.persistence.unit_of_work import register_repository

__all__ = ["DiscussionRepository"]


def _comment(row: CommentRow) -> Comment:
    return Comment(
        id=row.id,
        workspace_id=row.workspace_id,
        document_id=row.document_id,
        asset_id=row.asset_id,
        parent_id=row.parent_id,
        author_id=row.author_id,
        author_name=row.author_name,
        body=row.body,
        anchor=None if row.anchor is None else bytes(row.anchor),
        mentions=list(row.mentions or []),
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        created_at=row.created_at,
    )


def _notification(row: NotificationRow) -> Notification:
    return Notification(
        id=row.id,
        user_id=row.user_id,
        kind=row.kind,
        workspace_id=row.workspace_id,
        message=row.message,
        subject_id=row.subject_id,
        created_at=row.created_at,
        read_at=row.read_at,
    )


class DiscussionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_comment(self, c: Comment) -> None:
        self.session.add(
            CommentRow(
                id=c.id,
                workspace_id=c.workspace_id,
                document_id=c.document_id,
                asset_id=c.asset_id,
                parent_id=c.parent_id,
                author_id=c.author_id,
                author_name=c.author_name,
                body=c.body,
                anchor=c.anchor,
                mentions=c.mentions,
                resolved_at=c.resolved_at,
                resolved_by=c.resolved_by,
                created_at=c.created_at,
            )
        )
        await self.session.flush()

    async def get_comment(self, comment_id: uuid.UUID) -> Comment | None:
        row = await self.session.get(CommentRow, comment_id)
        return None if row is None else _comment(row)

    async def set_resolution(
        self, comment_id: uuid.UUID, at: datetime | None, by: uuid.UUID | None
    ) -> None:
        await self.session.execute(
            update(CommentRow)
            .where(CommentRow.id == comment_id)
            .values(resolved_at=at, resolved_by=by)
        )

    async def get_comments(self, comment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Comment]:
        """The comments of ``comment_ids`` that exist, by id (one query)."""
        if not comment_ids:
            return {}
        rows = await self.session.scalars(
            select(CommentRow).where(CommentRow.id.in_(list(comment_ids)))
        )
        return {r.id: _comment(r) for r in rows}

    async def threads_of(
        self, document_ids: Sequence[uuid.UUID], limit: int = 100
    ) -> dict[uuid.UUID, list[Comment]]:
        """Thread roots of several documents in one query: ``limit`` each, oldest first.

        Callers keep only those in the document's workspace, as :meth:`comments` does."""
        t = CommentRow
        return await self._ranked(
            t.document_id, document_ids, t.parent_id.is_(None), limit, lambda c: c.document_id
        )

    async def replies_of(
        self, parent_ids: Sequence[uuid.UUID], limit: int = 100
    ) -> dict[uuid.UUID, list[Comment]]:
        """Replies of several thread roots in one query: ``limit`` each, oldest first."""
        t = CommentRow
        return await self._ranked(t.parent_id, parent_ids, true(), limit, lambda c: c.parent_id)

    async def _ranked(
        self,
        column: Any,
        keys: Sequence[uuid.UUID],
        condition: Any,
        limit: int,
        key: Callable[[Comment], uuid.UUID | None],
    ) -> dict[uuid.UUID, list[Comment]]:
        if not keys:
            return {}
        t = CommentRow
        rank = func.row_number().over(partition_by=column, order_by=(t.created_at, t.id))
        ranked = select(t, rank.label("rank")).where(column.in_(list(keys)), condition).subquery()
        comment = aliased(CommentRow, ranked)
        rows = await self.session.scalars(
            select(comment).where(ranked.c.rank <= limit).order_by(ranked.c.created_at, ranked.c.id)
        )
        found: dict[uuid.UUID, list[Comment]] = {}
        for row in rows:
            c = _comment(row)
            found.setdefault(key(c), []).append(c)  # type: ignore[arg-type]
        return found

    async def add_notification(self, n: Notification) -> None:
        self.session.add(
            NotificationRow(
                id=n.id,
                user_id=n.user_id,
                kind=n.kind,
                workspace_id=n.workspace_id,
                message=n.message[:500],
                subject_id=n.subject_id,
                created_at=n.created_at,
                read_at=n.read_at,
            )
        )

    async def get_notification(self, notification_id: uuid.UUID) -> Notification | None:
        row = await self.session.get(NotificationRow, notification_id)
        return None if row is None else _notification(row)

    async def notifications(self, user_id: uuid.UUID, limit: int = 100) -> list[Notification]:
        rows = await self.session.scalars(
            select(NotificationRow)
            .where(NotificationRow.user_id == user_id)
            .order_by(NotificationRow.created_at.desc())
            .limit(limit)
        )
        return [_notification(r) for r in rows]


register_repository("discussions", DiscussionRepository)
