"""Who may do what inside a workspace.

Every workspace-scoped read, write and subscription goes through
:func:`workspace_role` or :func:`document_access`. A caller who is not a member
gets the same ``NotFound`` as for an id that does not exist, so ids leak nothing.

Global ADMINs act as OWNER of every workspace (they run the platform and answer
audits); this is deliberate and documented in ``docs/collaboration.md``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from racine.domain.access.model import Principal, Role
from racine.domain.collaboration.model import Document, Workspace, WorkspaceRole
from racine.domain.collaboration.ports import CollabUnitOfWork as UnitOfWork
from racine.domain.errors import Conflict, NotFound, PermissionDenied

__all__ = ["DocumentAccess", "document_access", "require", "workspace_role"]


def require(role: WorkspaceRole, needed: WorkspaceRole) -> None:
    """Raise FORBIDDEN when a member's role is below ``needed`` (members may know why)."""
    if not role.includes(needed):
        raise PermissionDenied(f"requires the workspace role {needed.value}")


async def workspace_role(
    uow: UnitOfWork,
    actor: Principal,
    workspace_id: uuid.UUID,
    needed: WorkspaceRole = WorkspaceRole.VIEWER,
    *,
    field: str = "workspaceId",
    writing: bool = False,
) -> tuple[Workspace, WorkspaceRole]:
    """The workspace and the caller's role in it; NOT_FOUND for non-members."""
    workspace = await uow.workspaces.get(workspace_id)
    if workspace is None:
        raise NotFound("Workspace", workspace_id, field=field)
    if actor.has(Role.ADMIN):
        role = WorkspaceRole.OWNER
    else:
        member = await uow.workspaces.member(workspace_id, actor.user_id)
        if member is None:
            raise NotFound("Workspace", workspace_id, field=field)
        role = member.role
    require(role, needed)
    if writing and workspace.archived:
        raise Conflict("the workspace is archived", field=field)
    return workspace, role


@dataclass(frozen=True)
class DocumentAccess:
    document: Document
    workspace: Workspace
    role: WorkspaceRole

    @property
    def can_write(self) -> bool:
        return self.role.includes(WorkspaceRole.EDITOR) and not self.workspace.archived


async def document_access(
    uow: UnitOfWork,
    actor: Principal,
    document_id: uuid.UUID,
    needed: WorkspaceRole = WorkspaceRole.VIEWER,
    *,
    field: str = "documentId",
    writing: bool = False,
) -> DocumentAccess:
    """The document with the caller's role; NOT_FOUND when missing or not visible."""
    document = await uow.documents.get(document_id)
    if document is None:
        raise NotFound("Document", document_id, field=field)
    try:
        workspace, role = await workspace_role(
            uow, actor, document.workspace_id, WorkspaceRole.VIEWER, field=field
        )
    except NotFound:
        raise NotFound("Document", document_id, field=field) from None
    require(role, needed)
    if writing and workspace.archived:
        raise Conflict("the workspace is archived", field=field)
    return DocumentAccess(document=document, workspace=workspace, role=role)
