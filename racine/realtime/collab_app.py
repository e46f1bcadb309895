"""Wire co-editing into the app: the process' room manager and its lifecycle."""

from __future__ import annotations

from typing import Any

from racine.realtime.collab_settings import CollabSettings
from racine.realtime.rooms import RoomManager
from racine.realtime.yjs_endpoint import ROOMS_KEY

__all__ = ["install_rooms"]


def install_rooms(runtime: Any) -> RoomManager:
    """Create the rooms (``services.extras["collab_rooms"]``), started/stopped with the app."""
    rooms = RoomManager(runtime.uow, runtime.bus, CollabSettings())
    runtime.services.extras[ROOMS_KEY] = rooms

    async def start(_: Any) -> None:
        await rooms.start()

    async def stop(_: Any) -> None:
        await rooms.stop()

    runtime.on_start.append(start)
    runtime.on_stop.append(stop)
    return rooms
