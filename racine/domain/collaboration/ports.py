"""The unit of work this area needs: the shared one plus its three repositories."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from racine.domain.ports import UnitOfWork

if TYPE_CHECKING:
    from racine.domain.collaboration.documents import Fold, PendingUpdate

__all__ = ["CollabUnitOfWork", "UpdateLog"]


class CollabUnitOfWork(UnitOfWork, Protocol):
    """``workspaces``, ``documents`` and ``discussions`` are registered by persistence."""

    workspaces: Any
    documents: Any
    discussions: Any

    async def __aenter__(self) -> CollabUnitOfWork: ...


class UpdateLog(Protocol):
    """The CRDT rooms' writes: the group commit and the compactions' saves.

    :class:`~racine.domain.collaboration.documents.UnitOfWorkLog` on any database; on
    SQLite a dedicated connection on its own thread (persistence) does the same writes.
    """

    async def append(
        self, updates: Sequence[PendingUpdate], projections: Mapping[uuid.UUID, str]
    ) -> list[int]:
        """Store ``updates`` (and the projections) in ONE transaction; their seqs, in order."""
        ...

    async def save_fold(self, fold: Fold) -> bool:
        """:func:`~racine.domain.collaboration.documents.save_fold`."""
        ...
