"""The collaboration area's per-object lists, batched: workspace members and document
pages, document versions and threads, thread replies. Each key answers what the
one-object read answers, or the NOT_FOUND it would raise (see ``domain/collaboration/batches``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from racine.domain.collaboration import batches
from racine.domain.collaboration.ports import CollabUnitOfWork

if TYPE_CHECKING:
    from racine.domain.collaboration.model import Comment, Document, DocumentVersion, Member
    from racine.domain.errors import RacineError
    from racine.domain.paging import Page
    from racine.resolvers.context import Context

__all__ = [
    "load_comment_replies",
    "load_document_pages",
    "load_document_threads",
    "load_document_versions",
    "load_workspace_members",
]


def _uow(context: Context) -> CollabUnitOfWork:
    return cast(CollabUnitOfWork, context.uow())


async def load_workspace_members(
    context: Context, ids: Sequence[uuid.UUID]
) -> list[list[Member] | RacineError]:
    return await batches.workspace_members(_uow(context), context.actor, ids)


async def load_document_pages(
    context: Context, keys: Sequence[batches.DocumentPageKey]
) -> list[Page[Document] | RacineError]:
    return await batches.document_pages(_uow(context), context.actor, keys)


async def load_document_versions(
    context: Context, ids: Sequence[uuid.UUID]
) -> list[list[DocumentVersion] | RacineError]:
    return await batches.document_versions(_uow(context), context.actor, ids)


async def load_document_threads(
    context: Context, ids: Sequence[uuid.UUID]
) -> list[list[Comment] | RacineError]:
    return await batches.document_threads(_uow(context), context.actor, ids)


async def load_comment_replies(
    context: Context, ids: Sequence[uuid.UUID]
) -> list[list[Comment] | RacineError]:
    return await batches.comment_replies(_uow(context), context.actor, ids)
