"""The per-workspace activity feed: one row per visible change, published live."""

from __future__ import annotations

import uuid
from typing import Any

from racine.domain.access.model import Principal
from racine.domain.collaboration.model import Activity
from racine.domain.collaboration.ports import CollabUnitOfWork as UnitOfWork
from racine.domain.events import Channels, Event

__all__ = ["note_activity"]


async def note_activity(
    uow: UnitOfWork,
    actor: Principal,
    workspace_id: uuid.UUID,
    verb: str,
    target_type: str,
    target_id: object,
    summary: str,
    data: dict[str, Any] | None = None,
) -> Activity:
    """Add an activity row in the caller's transaction; emitted after commit."""
    activity = Activity(
        workspace_id=workspace_id,
        actor_id=actor.user_id,
        actor_name=actor.name,
        verb=verb,
        target_type=target_type,
        target_id=str(target_id),
        summary=summary[:300],
        data=data or {},
    )
    await uow.workspaces.add_activity(activity)
    uow.emit(
        Event(
            Channels.workspace(str(workspace_id)),
            "ACTIVITY",
            {
                "id": str(activity.id),
                "verb": verb,
                "target_type": target_type,
                "target_id": str(target_id),
            },
        )
    )
    return activity
