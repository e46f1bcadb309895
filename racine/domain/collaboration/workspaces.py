"""Workspace use cases: create, update, archive, invite, accept, list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.collaboration.activity import note_activity
from racine.domain.collaboration.membership import workspace_role
from racine.domain.collaboration.model import (
    Invitation,
    InvitationState,
    Member,
    Notification,
    Workspace,
    WorkspaceRole,
    utcnow,
)
from racine.domain.collaboration.ports import CollabUnitOfWork as UnitOfWork
from racine.domain.errors import Conflict, NotFound, ValidationFailed
from racine.domain.events import Channels, Event
from racine.domain.paging import Page, PageRequest

__all__ = [
    "CreateWorkspace",
    "InviteMember",
    "UpdateWorkspace",
    "accept_invitation",
    "archive_workspace",
    "create_workspace",
    "invite_member",
    "list_workspaces",
    "update_workspace",
]

MAX_NAME = 120
MAX_DESCRIPTION = 4000


def _name(value: str) -> str:
    name = value.strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed(f"name must be 1-{MAX_NAME} characters", field="name")
    return name


def _description(value: str | None) -> str:
    text = (value or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise ValidationFailed(
            f"description is limited to {MAX_DESCRIPTION} characters", field="description"
        )
    return text


@dataclass(frozen=True)
class CreateWorkspace:
    name: str
    description: str | None = None


async def create_workspace(uow: UnitOfWork, actor: Principal, cmd: CreateWorkspace) -> Workspace:
    """Any EDITOR (global role) may create a workspace; the creator becomes its OWNER."""
    actor.require(Role.EDITOR)
    workspace = Workspace(
        name=_name(cmd.name), description=_description(cmd.description), created_by=actor.user_id
    )
    async with uow:
        await uow.workspaces.add(workspace)
        await uow.workspaces.add_member(
            Member(workspace.id, actor.user_id, WorkspaceRole.OWNER, user_name=actor.name)
        )
        await record(
            uow, actor, "workspace.create", "Workspace", workspace.id, {"name": workspace.name}
        )
        await note_activity(
            uow,
            actor,
            workspace.id,
            "workspace.create",
            "Workspace",
            workspace.id,
            f"{actor.name} created {workspace.name}",
        )
        await uow.commit()
    return workspace


@dataclass(frozen=True)
class UpdateWorkspace:
    workspace_id: uuid.UUID
    name: str | None = None
    description: str | None = None


async def update_workspace(uow: UnitOfWork, actor: Principal, cmd: UpdateWorkspace) -> Workspace:
    """OWNERs rename or describe their workspace."""
    async with uow:
        workspace, _ = await workspace_role(
            uow, actor, cmd.workspace_id, WorkspaceRole.OWNER, field="id", writing=True
        )
        diff: dict[str, object] = {}
        if cmd.name is not None:
            workspace.name = diff["name"] = _name(cmd.name)
        if cmd.description is not None:
            workspace.description = diff["description"] = _description(cmd.description)
        workspace.updated_at = utcnow()
        await uow.workspaces.update(workspace)
        await record(uow, actor, "workspace.update", "Workspace", workspace.id, diff)
        await note_activity(
            uow,
            actor,
            workspace.id,
            "workspace.update",
            "Workspace",
            workspace.id,
            f"{actor.name} updated the workspace",
        )
        await uow.commit()
    return workspace


async def archive_workspace(
    uow: UnitOfWork, actor: Principal, workspace_id: uuid.UUID
) -> Workspace:
    """OWNERs archive a workspace: it stays readable, every write is refused (CONFLICT)."""
    async with uow:
        workspace, _ = await workspace_role(
            uow, actor, workspace_id, WorkspaceRole.OWNER, field="id", writing=True
        )
        workspace.archived = True
        workspace.updated_at = utcnow()
        await uow.workspaces.update(workspace)
        await record(uow, actor, "workspace.archive", "Workspace", workspace.id, {})
        await note_activity(
            uow,
            actor,
            workspace.id,
            "workspace.archive",
            "Workspace",
            workspace.id,
            f"{actor.name} archived the workspace",
        )
        await uow.commit()
    return workspace


@dataclass(frozen=True)
class InviteMember:
    workspace_id: uuid.UUID
    user_name: str
    role: WorkspaceRole


async def invite_member(uow: UnitOfWork, actor: Principal, cmd: InviteMember) -> Invitation:
    """OWNERs invite a user by name; the invitation is PENDING until the user accepts.

    An unknown user name answers NOT_FOUND on ``userName``.
    """
    async with uow:
        workspace, _ = await workspace_role(
            uow, actor, cmd.workspace_id, WorkspaceRole.OWNER, writing=True
        )
        user = await uow.users.get_by_name(cmd.user_name.strip())
        if user is None or user.disabled:
            raise NotFound("User", cmd.user_name, field="userName")
        if await uow.workspaces.member(workspace.id, user.id) is not None:
            raise Conflict(f"{user.name} is already a member", field="userName")
        if await uow.workspaces.pending_invitation(workspace.id, user.id) is not None:
            raise Conflict(f"{user.name} is already invited", field="userName")
        invitation = Invitation(
            workspace_id=workspace.id,
            user_id=user.id,
            user_name=user.name,
            role=cmd.role,
            invited_by=actor.user_id,
        )
        await uow.workspaces.add_invitation(invitation)
        notification = Notification(
            user_id=user.id,
            kind="INVITATION",
            workspace_id=workspace.id,
            message=f"{actor.name} invited you to {workspace.name} as {cmd.role.value}",
            subject_id=str(invitation.id),
        )
        await uow.discussions.add_notification(notification)
        uow.emit(
            Event(Channels.notifications(user.id), "NOTIFICATION", {"id": str(notification.id)})
        )
        await record(
            uow,
            actor,
            "workspace.invite",
            "Workspace",
            workspace.id,
            {"user": user.name, "role": cmd.role},
        )
        await note_activity(
            uow,
            actor,
            workspace.id,
            "workspace.invite",
            "Invitation",
            invitation.id,
            f"{actor.name} invited {user.name}",
        )
        await uow.commit()
    return invitation


async def accept_invitation(uow: UnitOfWork, actor: Principal, invitation_id: uuid.UUID) -> Member:
    """The invited user accepts; any other caller gets NOT_FOUND."""
    async with uow:
        invitation = await uow.workspaces.get_invitation(invitation_id)
        if invitation is None or invitation.user_id != actor.user_id:
            raise NotFound("Invitation", invitation_id, field="id")
        if invitation.state is not InvitationState.PENDING:
            raise Conflict("the invitation was already accepted", field="id")
        workspace = await uow.workspaces.get(invitation.workspace_id)
        if workspace is None or workspace.archived:
            raise Conflict("the workspace is archived", field="id")
        invitation.state = InvitationState.ACCEPTED
        invitation.accepted_at = utcnow()
        await uow.workspaces.update_invitation(invitation)
        member = Member(
            invitation.workspace_id, actor.user_id, invitation.role, user_name=actor.name
        )
        await uow.workspaces.add_member(member)
        await record(
            uow, actor, "workspace.join", "Workspace", workspace.id, {"role": invitation.role}
        )
        await note_activity(
            uow,
            actor,
            workspace.id,
            "workspace.join",
            "Member",
            actor.user_id,
            f"{actor.name} joined as {invitation.role.value}",
        )
        await uow.commit()
    return member


async def list_workspaces(
    uow: UnitOfWork, actor: Principal, page: PageRequest, *, include_archived: bool = False
) -> Page[Workspace]:
    """Workspaces the caller is a member of (ADMIN: all), by name."""
    member_of = None if actor.has(Role.ADMIN) else actor.user_id
    async with uow:
        return await uow.workspaces.page(member_of, page, include_archived)
