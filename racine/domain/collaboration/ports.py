"""The unit of work this area needs: the shared one plus its three repositories."""

from __future__ import annotations

from typing import Any, Protocol

from racine.domain.ports import UnitOfWork

__all__ = ["CollabUnitOfWork"]


class CollabUnitOfWork(UnitOfWork, Protocol):
    """``workspaces``, ``documents`` and ``discussions`` are registered by persistence."""

    workspaces: Any
    documents: Any
    discussions: Any

    async def __aenter__(self) -> CollabUnitOfWork: ...
