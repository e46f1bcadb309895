"""Wire co-editing into the app: the process' room manager and its lifecycle."""

from __future__ import annotations

import gc
from typing import Any

from racine.persistence.repositories.collab_log import SqliteUpdateLog
from racine.realtime.collab_settings import CollabSettings
from racine.realtime.rooms import RoomManager
from racine.realtime.yjs_endpoint import ROOMS_KEY

__all__ = ["freeze_startup_heap", "install_rooms"]

_frozen = False


def freeze_startup_heap() -> None:
    """Move the objects of start-up (modules, schema, mappers: ~300k) out of the GC's reach.

    A full (generation 2) collection walks every tracked object; with the start-up heap
    in it, each took 100-500 ms on the event loop during bench/crdt and set the p99
    latency of every co-editor. Frozen objects are never collected, which is what
    start-up objects need; everything allocated later is collected as usual.
    """
    global _frozen
    if _frozen:  # once per process (tests start many apps in one process)
        return
    _frozen = True
    gc.collect()
    gc.freeze()


def install_rooms(runtime: Any) -> RoomManager:
    """Create the rooms (``services.extras["collab_rooms"]``), started/stopped with the app.

    On a SQLite file database the rooms' group commit gets a connection and a thread of
    its own (:class:`~racine.persistence.database.SqliteWriter`); on PostgreSQL it goes
    through a unit of work like everything else.
    """
    writer = runtime.db.sqlite_writer()
    log = None if writer is None else SqliteUpdateLog(writer)
    rooms = RoomManager(runtime.uow, runtime.bus, CollabSettings(), log)
    runtime.services.extras[ROOMS_KEY] = rooms

    async def start(_: Any) -> None:
        await rooms.start()
        freeze_startup_heap()

    async def stop(_: Any) -> None:
        try:
            await rooms.stop()  # writes the last projections through the writer
        finally:
            if writer is not None:
                await writer.close()

    runtime.on_start.append(start)
    runtime.on_stop.append(stop)
    return rooms
