"""Collaboration repositories: ``uow.workspaces``, ``uow.documents``, ``uow.discussions``.

Registered on the UnitOfWork at import time; ``repositories/__init__.py`` imports
this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.collaboration.model import (
    Activity,
    Comment,
    Document,
    DocumentFormat,
    DocumentVersion,
    Invitation,
    InvitationState,
    Member,
    Notification,
    Workspace,
    WorkspaceRole,
    utcnow,
)
from racine.domain.errors import ValidationFailed
from racine.domain.paging import Page, PageRequest, encode_cursor
from racine.persistence.tables.access import UserRow
from racine.persistence.tables.collaboration import (
    ActivityRow,
    CommentRow,
    DocumentRow,
    DocumentSnapshotRow,
    DocumentUpdateRow,
    DocumentVersionRow,
    InvitationRow,
    MemberRow,
    NotificationRow,
    WorkspaceRow,
)
from racine.persistence.unit_of_work import register_repository

__all__ = [
    "DiscussionRepository",
    "DocumentRepository",
    "WorkspaceRepository",
]


async def _keyset_page(
    session: AsyncSession,
    query: Select[Any],
    count_query: Select[Any],
    page: PageRequest,
    columns: tuple[Any, Any],
    descending: bool,
    key: Any,
    convert: Any,
    parse: Any = str,
) -> Page[Any]:
    """Keyset pagination on (sort column, id); ``key(row)`` gives the cursor values."""
    total = int(await session.scalar(count_query) or 0)
    first_col, id_col = columns
    position = page.position()
    if position is not None:
        try:
            value, ident = parse(position[0]), uuid.UUID(position[1])
        except (ValueError, IndexError, TypeError):
            raise ValidationFailed("malformed cursor", field="after") from None
        if descending:
            query = query.where(or_(first_col < value, and_(first_col == value, id_col < ident)))
        else:
            query = query.where(or_(first_col > value, and_(first_col == value, id_col > ident)))
    order = (first_col.desc(), id_col.desc()) if descending else (first_col, id_col)
    rows = list(await session.scalars(query.order_by(*order).limit(page.first + 1)))
    shown = rows[: page.first]
    return Page(
        items=[convert(r) for r in shown],
        cursors=[encode_cursor(key(r)) for r in shown],
        total_count=total,
        has_next_page=len(rows) > page.first,
        has_previous_page=page.after is not None,
    )


# -- workspaces -------------------------------------------------------------------


def _workspace(row: WorkspaceRow) -> Workspace:
    return Workspace(
        id=row.id,
        name=row.name,
        description=row.description,
        archived=row.archived,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _invitation(row: InvitationRow, user_name: str) -> Invitation:
    return Invitation(
        id=row.id,
        workspace_id=row.workspace_id,
        user_id=row.user_id,
        user_name=user_name,
        role=WorkspaceRole(row.role),
        invited_by=row.invited_by,
        state=InvitationState(row.state),
        created_at=row.created_at,
        accepted_at=row.accepted_at,
    )


def _activity(row: ActivityRow) -> Activity:
    return Activity(
        id=row.id,
        workspace_id=row.workspace_id,
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        verb=row.verb,
        target_type=row.target_type,
        target_id=row.target_id,
        summary=row.summary,
        data=dict(row.data or {}),
        created_at=row.created_at,
    )


class WorkspaceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, ws: Workspace) -> None:
        self.session.add(
            WorkspaceRow(
                id=ws.id,
                name=ws.name,
                description=ws.description,
                archived=ws.archived,
                created_by=ws.created_by,
                created_at=ws.created_at,
                updated_at=ws.updated_at,
            )
        )
        await self.session.flush()

    async def get(self, workspace_id: uuid.UUID) -> Workspace | None:
        row = await self.session.get(WorkspaceRow, workspace_id)
        return None if row is None else _workspace(row)

    async def update(self, ws: Workspace) -> None:
        await self.session.execute(
            update(WorkspaceRow)
            .where(WorkspaceRow.id == ws.id)
            .values(
                name=ws.name,
                description=ws.description,
                archived=ws.archived,
                updated_at=ws.updated_at,
            )
        )

    async def page(
        self, member_of: uuid.UUID | None, page: PageRequest, include_archived: bool
    ) -> Page[Workspace]:
        t = WorkspaceRow
        query = select(t)
        count = select(func.count()).select_from(t)
        if member_of is not None:
            mine = select(MemberRow.workspace_id).where(MemberRow.user_id == member_of)
            query, count = query.where(t.id.in_(mine)), count.where(t.id.in_(mine))
        if not include_archived:
            query, count = query.where(t.archived.is_(False)), count.where(t.archived.is_(False))
        return await _keyset_page(
            self.session,
            query,
            count,
            page,
            (t.name, t.id),
            False,
            lambda r: [r.name, str(r.id)],
            _workspace,
        )

    async def add_member(self, member: Member) -> None:
        self.session.add(
            MemberRow(
                workspace_id=member.workspace_id,
                user_id=member.user_id,
                role=member.role.value,
                joined_at=member.joined_at,
            )
        )
        await self.session.flush()

    async def member(self, workspace_id: uuid.UUID, user_id: uuid.UUID) -> Member | None:
        row = await self.session.get(MemberRow, (workspace_id, user_id))
        if row is None:
            return None
        return Member(
            row.workspace_id, row.user_id, WorkspaceRole(row.role), joined_at=row.joined_at
        )

    async def members(self, workspace_id: uuid.UUID, limit: int = 1000) -> list[Member]:
        rows = await self.session.execute(
            select(MemberRow, UserRow.name)
            .join(UserRow, UserRow.id == MemberRow.user_id)
            .where(MemberRow.workspace_id == workspace_id)
            .order_by(UserRow.name)
            .limit(limit)
        )
        return [
            Member(
                m.workspace_id,
                m.user_id,
                WorkspaceRole(m.role),
                user_name=name,
                joined_at=m.joined_at,
            )
            for m, name in rows
        ]

    async def member_names(
        self, workspace_id: uuid.UUID, names: Sequence[str]
    ) -> dict[str, uuid.UUID]:
        """Of ``names``, those of users who are members (name → user id)."""
        if not names:
            return {}
        rows = await self.session.execute(
            select(UserRow.name, UserRow.id)
            .join(MemberRow, MemberRow.user_id == UserRow.id)
            .where(MemberRow.workspace_id == workspace_id, UserRow.name.in_(list(names)))
        )
        return {name: uid for name, uid in rows}

    async def add_invitation(self, inv: Invitation) -> None:
        self.session.add(
            InvitationRow(
                id=inv.id,
                workspace_id=inv.workspace_id,
                user_id=inv.user_id,
                role=inv.role.value,
                invited_by=inv.invited_by,
                state=inv.state.value,
                created_at=inv.created_at,
                accepted_at=inv.accepted_at,
            )
        )
        await self.session.flush()

    async def get_invitation(self, invitation_id: uuid.UUID) -> Invitation | None:
        row = (
            await self.session.execute(
                select(InvitationRow, UserRow.name)
                .join(UserRow, UserRow.id == InvitationRow.user_id)
                .where(InvitationRow.id == invitation_id)
            )
        ).first()
        return None if row is None else _invitation(row[0], row[1])

    async def pending_invitation(
        self, workspace_id: uuid.UUID, user_id: uuid.UUID
    ) -> Invitation | None:
        row = await self.session.scalar(
            select(InvitationRow).where(
                InvitationRow.workspace_id == workspace_id,
                InvitationRow.user_id == user_id,
                InvitationRow.state == InvitationState.PENDING.value,
            )
        )
        return None if row is None else _invitation(row, "")

    async def invitations_for(self, user_id: uuid.UUID, limit: int = 100) -> list[Invitation]:
        rows = await self.session.execute(
            select(InvitationRow, UserRow.name)
            .join(UserRow, UserRow.id == InvitationRow.user_id)
            .where(
                InvitationRow.user_id == user_id,
                InvitationRow.state == InvitationState.PENDING.value,
            )
            .order_by(InvitationRow.created_at.desc())
            .limit(limit)
        )
        return [_invitation(r, n) for r, n in rows]

    async def update_invitation(self, inv: Invitation) -> None:
        await self.session.execute(
            update(InvitationRow)
            .where(InvitationRow.id == inv.id)
            .values(state=inv.state.value, accepted_at=inv.accepted_at)
        )

    async def add_activity(self, a: Activity) -> None:
        self.session.add(
            ActivityRow(
                id=a.id,
                workspace_id=a.workspace_id,
                actor_id=a.actor_id,
                actor_name=a.actor_name,
                verb=a.verb,
                target_type=a.target_type,
                target_id=a.target_id,
                summary=a.summary,
                data=a.data,
                created_at=a.created_at,
            )
        )

    async def get_activity(self, activity_id: uuid.UUID) -> Activity | None:
        row = await self.session.get(ActivityRow, activity_id)
        return None if row is None else _activity(row)

    async def activity_page(self, workspace_id: uuid.UUID, page: PageRequest) -> Page[Activity]:
        t = ActivityRow
        query = select(t).where(t.workspace_id == workspace_id)
        count = select(func.count()).select_from(t).where(t.workspace_id == workspace_id)
        return await _keyset_page(
            self.session,
            query,
            count,
            page,
            (t.created_at, t.id),
            True,
            lambda r: [r.created_at.isoformat(), str(r.id)],
            _activity,
            datetime.fromisoformat,
        )


# -- documents --------------------------------------------------------------------


def _document(row: DocumentRow) -> Document:
    return Document(
        id=row.id,
        workspace_id=row.workspace_id,
        title=row.title,
        format=DocumentFormat(row.format),
        is_article=row.is_article,
        asset_ids=list(row.asset_ids or []),
        glossary_term_ids=list(row.glossary_term_ids or []),
        text=row.text,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _version(row: DocumentVersionRow) -> DocumentVersion:
    return DocumentVersion(
        id=row.id,
        document_id=row.document_id,
        name=row.name,
        author_id=row.author_id,
        author_name=row.author_name,
        state=row.state,
        text=row.text,
        created_at=row.created_at,
    )


class DocumentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, doc: Document) -> None:
        self.session.add(
            DocumentRow(
                id=doc.id,
                workspace_id=doc.workspace_id,
                title=doc.title,
                format=doc.format.value,
                is_article=doc.is_article,
                asset_ids=doc.asset_ids,
                glossary_term_ids=doc.glossary_term_ids,
                text=doc.text,
                created_by=doc.created_by,
                created_at=doc.created_at,
                updated_at=doc.updated_at,
            )
        )
        await self.session.flush()

    async def get(self, document_id: uuid.UUID, *, lock: bool = False) -> Document | None:
        query = select(DocumentRow).where(DocumentRow.id == document_id)
        if lock:
            query = query.with_for_update()
        row = await self.session.scalar(query)
        return None if row is None else _document(row)

    async def update(self, doc: Document) -> None:
        await self.session.execute(
            update(DocumentRow)
            .where(DocumentRow.id == doc.id)
            .values(
                title=doc.title,
                is_article=doc.is_article,
                asset_ids=doc.asset_ids,
                glossary_term_ids=doc.glossary_term_ids,
                updated_at=doc.updated_at,
            )
        )

    async def set_projection(self, document_id: uuid.UUID, text: str) -> None:
        await self.session.execute(
            update(DocumentRow)
            .where(DocumentRow.id == document_id)
            .values(text=text, updated_at=utcnow())
        )

    async def page(
        self,
        workspace_ids: Sequence[uuid.UUID] | None,
        page: PageRequest,
        *,
        articles_only: bool = False,
    ) -> Page[Document]:
        t = DocumentRow
        query = select(t)
        count = select(func.count()).select_from(t)
        if workspace_ids is not None:
            query = query.where(t.workspace_id.in_(list(workspace_ids)))
            count = count.where(t.workspace_id.in_(list(workspace_ids)))
        if articles_only:
            query, count = query.where(t.is_article.is_(True)), count.where(t.is_article.is_(True))
        return await _keyset_page(
            self.session,
            query,
            count,
            page,
            (t.title, t.id),
            False,
            lambda r: [r.title, str(r.id)],
            _document,
        )

    async def articles(
        self, workspace_ids: Sequence[uuid.UUID] | None, limit: int
    ) -> list[Document]:
        query = select(DocumentRow).where(DocumentRow.is_article.is_(True))
        if workspace_ids is not None:
            query = query.where(DocumentRow.workspace_id.in_(list(workspace_ids)))
        rows = await self.session.scalars(
            query.order_by(DocumentRow.updated_at.desc()).limit(limit)
        )
        return [_document(r) for r in rows]

    # the CRDT log

    async def append_update(
        self, document_id: uuid.UUID, data: bytes, author_id: uuid.UUID | None
    ) -> int:
        row = DocumentUpdateRow(
            document_id=document_id, data=data, author_id=author_id, created_at=utcnow()
        )
        self.session.add(row)
        await self.session.flush()
        return int(row.seq)

    async def append_updates(
        self, entries: Sequence[tuple[uuid.UUID, bytes, uuid.UUID | None]]
    ) -> list[int]:
        """Append many log rows in one statement; their seqs, in order.

        Not ``sort_by_parameter_order=True``: on SQLite that makes SQLAlchemy run one
        INSERT per row (240 rows: ~150 ms instead of ~12 ms). One multi-row INSERT
        takes its seqs in VALUES order (SQLite rowids, a PostgreSQL sequence called
        row by row), so the returned seqs, sorted, are in the order given.
        """
        if not entries:
            return []
        now = utcnow()
        rows = await self.session.execute(
            insert(DocumentUpdateRow).returning(DocumentUpdateRow.seq),
            [
                {"document_id": d, "data": data, "author_id": a, "created_at": now}
                for d, data, a in entries
            ],
        )
        return sorted(int(seq) for seq in rows.scalars())

    async def snapshot(self, document_id: uuid.UUID) -> bytes | None:
        row = await self.session.get(DocumentSnapshotRow, document_id)
        return None if row is None else bytes(row.state)

    async def log_tail(
        self, document_id: uuid.UUID, limit: int | None = None
    ) -> list[tuple[int, bytes]]:
        """The oldest ``limit`` (None: all) log rows as (seq, data), in order. No ORM
        objects: a room loads thousands of rows on the event loop (~30 µs each as ORM
        objects)."""
        rows = await self.session.execute(
            select(DocumentUpdateRow.seq, DocumentUpdateRow.data)
            .where(DocumentUpdateRow.document_id == document_id)
            .order_by(DocumentUpdateRow.seq)
            .limit(limit)
        )
        return [(int(seq), bytes(data)) for seq, data in rows]

    async def log_size(self, document_id: uuid.UUID) -> int:
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(DocumentUpdateRow)
                .where(DocumentUpdateRow.document_id == document_id)
            )
            or 0
        )

    async def snapshot_version(self, document_id: uuid.UUID) -> tuple[bytes, int] | None:
        """The snapshot and how many log rows it has folded so far (its version)."""
        row = (
            await self.session.execute(
                select(DocumentSnapshotRow.state, DocumentSnapshotRow.folded).where(
                    DocumentSnapshotRow.document_id == document_id
                )
            )
        ).first()
        return None if row is None else (bytes(row.state), int(row.folded))

    async def replace_snapshot(
        self, document_id: uuid.UUID, state: bytes, version: int | None, folded: Sequence[int]
    ) -> bool:
        """Compare-and-swap: replace the snapshot if it is still at ``version`` (None: there
        is none yet) and delete exactly the log rows folded into it; False if another
        compaction got there first (then nothing was written).

        ``folded`` only grows, so it versions the snapshot; the UPDATE's WHERE clause
        (or the primary key, for the first snapshot) decides atomically on both databases.
        """
        if version is None:
            try:
                await self.session.execute(
                    insert(DocumentSnapshotRow).values(
                        document_id=document_id,
                        state=state,
                        folded=len(folded),
                        updated_at=utcnow(),
                    )
                )
            except IntegrityError:
                return False  # the caller does not commit: its transaction rolls back
        else:
            result = await self.session.execute(
                update(DocumentSnapshotRow)
                .where(
                    DocumentSnapshotRow.document_id == document_id,
                    DocumentSnapshotRow.folded == version,
                )
                .values(state=state, folded=version + len(folded), updated_at=utcnow())
            )
            if getattr(result, "rowcount", 0) != 1:
                return False
        if folded:
            await self.session.execute(
                delete(DocumentUpdateRow).where(DocumentUpdateRow.seq.in_(list(folded)))
            )
        return True

    async def add_version(self, v: DocumentVersion) -> None:
        self.session.add(
            DocumentVersionRow(
                id=v.id,
                document_id=v.document_id,
                name=v.name,
                author_id=v.author_id,
                author_name=v.author_name,
                state=v.state,
                text=v.text,
                created_at=v.created_at,
            )
        )
        await self.session.flush()

    async def get_version(self, version_id: uuid.UUID) -> DocumentVersion | None:
        row = await self.session.get(DocumentVersionRow, version_id)
        return None if row is None else _version(row)

    async def versions(self, document_id: uuid.UUID, limit: int = 100) -> list[DocumentVersion]:
        rows = await self.session.scalars(
            select(DocumentVersionRow)
            .where(DocumentVersionRow.document_id == document_id)
            .order_by(DocumentVersionRow.created_at.desc())
            .limit(limit)
        )
        return [_version(r) for r in rows]


# -- discussions ------------------------------------------------------------------


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

    async def comments(
        self,
        workspace_id: uuid.UUID,
        *,
        document_id: uuid.UUID | None = None,
        asset_id: str | None = None,
        parent_id: uuid.UUID | None = None,
        limit: int = 100,
    ) -> list[Comment]:
        t = CommentRow
        query = select(t).where(t.workspace_id == workspace_id)
        if document_id is not None:
            query = query.where(t.document_id == document_id)
        if asset_id is not None:
            query = query.where(t.asset_id == asset_id)
        query = query.where(t.parent_id == parent_id if parent_id else t.parent_id.is_(None))
        rows = await self.session.scalars(query.order_by(t.created_at, t.id).limit(limit))
        return [_comment(r) for r in rows]

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


register_repository("workspaces", WorkspaceRepository)
register_repository("documents", DocumentRepository)
register_repository("discussions", DiscussionRepository)
