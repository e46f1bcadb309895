"""Workspace repository: ``uow.workspaces`` (workspaces, members, invitations, activity).

Registered on the UnitOfWork at import time; ``repositories/__init__.py`` imports
this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from racine.domain.collaboration.model import (
    Activity,
    Invitation,
    InvitationState,
    Member,
    Workspace,
    WorkspaceRole,
)
from racine.domain.paging import Page, PageRequest
from racine.persistence.repositories.keyset import keyset_page
from racine.persistence.tables.access import UserRow
from racine.persistence.tables.collaboration import (
    ActivityRow,
    InvitationRow,
    MemberRow,
    WorkspaceRow,
)
from racine.persistence.unique_keys import UniqueKey, conflicts_on
from racine.persistence.unit_of_work import register_repository

__all__ = ["WorkspaceRepository"]

# Only ``acceptInvitation`` adds a member to an existing workspace: its field is ``id``.
_MEMBER = UniqueKey.of(
    MemberRow.__table__,
    "workspace_id",
    "user_id",
    field="id",
    message="the user is already a member of this workspace",
)

_PENDING_INVITATION = UniqueKey.of(
    InvitationRow.__table__,
    "workspace_id",
    "user_id",
    field="userName",
    message="the user is already invited to this workspace",
)


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
        return await keyset_page(
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
        """A user who is already a member (two accepts of one invitation at once, or
        of two invitations) is ``Conflict`` on ``id``."""
        self.session.add(
            MemberRow(
                workspace_id=member.workspace_id,
                user_id=member.user_id,
                role=member.role.value,
                joined_at=member.joined_at,
            )
        )
        with conflicts_on(_MEMBER):
            await self.session.flush()

    async def member(self, workspace_id: uuid.UUID, user_id: uuid.UUID) -> Member | None:
        row = await self.session.get(MemberRow, (workspace_id, user_id))
        if row is None:
            return None
        return Member(
            row.workspace_id, row.user_id, WorkspaceRole(row.role), joined_at=row.joined_at
        )

    async def get_many(self, workspace_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Workspace]:
        """The workspaces of ``workspace_ids`` that exist, by id (one query)."""
        if not workspace_ids:
            return {}
        rows = await self.session.scalars(
            select(WorkspaceRow).where(WorkspaceRow.id.in_(list(workspace_ids)))
        )
        return {r.id: _workspace(r) for r in rows}

    async def roles_of(
        self, workspace_ids: Sequence[uuid.UUID], user_id: uuid.UUID
    ) -> dict[uuid.UUID, WorkspaceRole]:
        """The user's role in each of ``workspace_ids`` they are a member of (one query)."""
        if not workspace_ids:
            return {}
        rows = await self.session.execute(
            select(MemberRow.workspace_id, MemberRow.role).where(
                MemberRow.workspace_id.in_(list(workspace_ids)), MemberRow.user_id == user_id
            )
        )
        return {ws: WorkspaceRole(role) for ws, role in rows}

    async def members_of(
        self, workspace_ids: Sequence[uuid.UUID], limit: int = 1000
    ) -> dict[uuid.UUID, list[Member]]:
        """:meth:`members` of several workspaces in one query, same order and limit each."""
        if not workspace_ids:
            return {}
        rank = (
            func.row_number()
            .over(partition_by=MemberRow.workspace_id, order_by=UserRow.name)
            .label("rank")
        )
        ranked = (
            select(MemberRow, UserRow.name.label("user_name"), rank)
            .join(UserRow, UserRow.id == MemberRow.user_id)
            .where(MemberRow.workspace_id.in_(list(workspace_ids)))
            .subquery()
        )
        member = aliased(MemberRow, ranked)
        rows = await self.session.execute(
            select(member, ranked.c.user_name)
            .where(ranked.c.rank <= limit)
            .order_by(ranked.c.workspace_id, ranked.c.rank)
        )
        found: dict[uuid.UUID, list[Member]] = {}
        for m, name in rows:
            found.setdefault(m.workspace_id, []).append(
                Member(
                    m.workspace_id,
                    m.user_id,
                    WorkspaceRole(m.role),
                    user_name=name,
                    joined_at=m.joined_at,
                )
            )
        return found

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
        with conflicts_on(_PENDING_INVITATION):
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
        return await keyset_page(
            self.session,
            query,
            count,
            page,
            (t.created_at, t.id),
            True,
            lambda r: [r.created_at.isoformat(), str(r.id)],
            _activity,
            datetime,
        )


register_repository("workspaces", WorkspaceRepository)
