"""The per-object list reads, batched for DataLoaders: members, document pages, versions,
threads and replies of many parents in a constant number of queries.

Each answers, for every key, exactly what its one-object use case answers (same
order, same limits) or the error that use case would raise: a parent the caller may
not see gets the same ``NotFound`` as :func:`~.membership.workspace_role` and
:func:`~.membership.document_access` give, so ids leak nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from racine.domain.access.model import Principal, Role
from racine.domain.collaboration.model import (
    Comment,
    Document,
    DocumentVersion,
    Member,
    WorkspaceRole,
)
from racine.domain.collaboration.ports import CollabUnitOfWork as UnitOfWork
from racine.domain.errors import NotFound, RacineError, ValidationFailed
from racine.domain.paging import Page, PageRequest

__all__ = [
    "DocumentPageKey",
    "comment_replies",
    "document_pages",
    "document_threads",
    "document_versions",
    "workspace_members",
]

MAX_MEMBERS = 1000
MAX_VERSIONS = 100
MAX_COMMENTS = 100


@dataclass(frozen=True)
class DocumentPageKey:
    """One ``Workspace.documents`` read: the workspace and the page arguments."""

    workspace_id: uuid.UUID
    page: PageRequest
    articles_only: bool = False


async def _visible(
    uow: UnitOfWork, actor: Principal, workspace_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Of ``workspace_ids``, those that exist and where the caller has a role (ADMINs: all)."""
    wanted = list(dict.fromkeys(workspace_ids))
    found = await uow.workspaces.get_many(wanted)
    if actor.has(Role.ADMIN):
        return set(found)
    roles: dict[uuid.UUID, WorkspaceRole] = await uow.workspaces.roles_of(
        list(found), actor.user_id
    )
    return {ws for ws, role in roles.items() if role.includes(WorkspaceRole.VIEWER)}


async def _documents(
    uow: UnitOfWork, actor: Principal, document_ids: Iterable[uuid.UUID]
) -> tuple[dict[uuid.UUID, Document], set[uuid.UUID]]:
    """The documents that exist, and the workspaces among theirs the caller may see."""
    documents: dict[uuid.UUID, Document] = await uow.documents.get_many(
        list(dict.fromkeys(document_ids))
    )
    visible = await _visible(uow, actor, (d.workspace_id for d in documents.values()))
    return documents, visible


def _document_error(
    document_id: uuid.UUID, documents: dict[uuid.UUID, Document], visible: set[uuid.UUID]
) -> NotFound | None:
    document = documents.get(document_id)
    if document is None or document.workspace_id not in visible:
        return NotFound("Document", document_id, field="documentId")
    return None


async def workspace_members(
    uow: UnitOfWork, actor: Principal, workspace_ids: Sequence[uuid.UUID]
) -> list[list[Member] | RacineError]:
    """The members of each workspace (NOT_FOUND for one the caller may not see)."""
    async with uow:
        visible = await _visible(uow, actor, workspace_ids)
        found = await uow.workspaces.members_of([w for w in workspace_ids if w in visible])
    return [
        found.get(w, []) if w in visible else NotFound("Workspace", w, field="workspaceId")
        for w in workspace_ids
    ]


async def document_pages(
    uow: UnitOfWork, actor: Principal, keys: Sequence[DocumentPageKey]
) -> list[Page[Document] | RacineError]:
    """One page of each key's workspace documents, by title: one page read per
    distinct page arguments, however many workspaces."""
    answers: dict[DocumentPageKey, Page[Document] | RacineError] = {}
    async with uow:
        visible = await _visible(uow, actor, (k.workspace_id for k in keys))
        groups: dict[tuple[PageRequest, bool], list[uuid.UUID]] = {}
        for key in keys:
            if key.workspace_id not in visible:
                answers[key] = NotFound("Workspace", key.workspace_id, field="workspaceId")
            else:
                groups.setdefault((key.page, key.articles_only), []).append(key.workspace_id)
        for (page, articles_only), workspace_ids in groups.items():
            try:
                pages = await uow.documents.pages_of(
                    list(dict.fromkeys(workspace_ids)), page, articles_only=articles_only
                )
            except ValidationFailed as error:
                pages = dict.fromkeys(workspace_ids, error)
            for ws in workspace_ids:
                answers[DocumentPageKey(ws, page, articles_only)] = pages[ws]
    return [answers[k] for k in keys]


async def document_versions(
    uow: UnitOfWork, actor: Principal, document_ids: Sequence[uuid.UUID]
) -> list[list[DocumentVersion] | RacineError]:
    """The versions of each document (at most ``MAX_VERSIONS``), newest first."""
    async with uow:
        documents, visible = await _documents(uow, actor, document_ids)
        readable = [d for d in document_ids if _document_error(d, documents, visible) is None]
        found = await uow.documents.versions_of(readable, MAX_VERSIONS)
    return [_document_error(d, documents, visible) or found.get(d, []) for d in document_ids]


async def document_threads(
    uow: UnitOfWork, actor: Principal, document_ids: Sequence[uuid.UUID]
) -> list[list[Comment] | RacineError]:
    """The threads of each document, oldest first."""
    async with uow:
        documents, visible = await _documents(uow, actor, document_ids)
        readable = [d for d in document_ids if _document_error(d, documents, visible) is None]
        found: dict[uuid.UUID, list[Comment]] = await uow.discussions.threads_of(
            readable, MAX_COMMENTS
        )
    answers: list[list[Comment] | RacineError] = []
    for d in document_ids:
        error = _document_error(d, documents, visible)
        if error is not None:
            answers.append(error)
            continue
        ws = documents[d].workspace_id
        answers.append([c for c in found.get(d, []) if c.workspace_id == ws])
    return answers


async def comment_replies(
    uow: UnitOfWork, actor: Principal, root_ids: Sequence[uuid.UUID]
) -> list[list[Comment] | RacineError]:
    """The replies of each thread root, oldest first, as ``Comment.replies`` reads them
    one by one: a root that no longer exists has none."""
    async with uow:
        roots: dict[uuid.UUID, Comment] = await uow.discussions.get_comments(
            list(dict.fromkeys(root_ids))
        )
        documents, _ = await _documents(
            uow, actor, (c.document_id for c in roots.values() if c.document_id is not None)
        )
        scope: dict[uuid.UUID, uuid.UUID] = {}  # root id → workspace the replies live in
        for c in roots.values():
            if c.document_id is None:
                scope[c.id] = c.workspace_id
            elif c.document_id in documents:
                scope[c.id] = documents[c.document_id].workspace_id
        visible = await _visible(uow, actor, scope.values())
        found: dict[uuid.UUID, list[Comment]] = await uow.discussions.replies_of(
            [r for r in scope if scope[r] in visible], MAX_COMMENTS
        )
    answers: list[list[Comment] | RacineError] = []
    for r in root_ids:
        root = roots.get(r)
        if root is None:
            answers.append([])
        elif root.id not in scope:
            answers.append(NotFound("Document", root.document_id, field="documentId"))
        elif scope[r] not in visible:
            kind, ident = (
                ("Workspace", scope[r])
                if root.document_id is None
                else ("Document", root.document_id)
            )
            field = "workspaceId" if root.document_id is None else "documentId"
            answers.append(NotFound(kind, ident, field=field))
        else:
            answers.append(
                [
                    c
                    for c in found.get(r, [])
                    if c.workspace_id == scope[r]
                    and (root.document_id is None or c.document_id == root.document_id)
                    and (root.asset_id is None or c.asset_id == root.asset_id)
                ]
            )
    return answers
