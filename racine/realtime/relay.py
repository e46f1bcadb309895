"""Other processes: a room's bus channels relayed to its local peers, and the resync
after a gap. Mixed into :class:`~racine.realtime.rooms.RoomManager`."""

from __future__ import annotations

import asyncio
import base64
import logging
import uuid
from collections.abc import Callable

from pycrdt import create_awareness_message

from racine.domain.collaboration import crdt
from racine.domain.collaboration.documents import load_updates
from racine.domain.collaboration.ports import CollabUnitOfWork
from racine.domain.events import GAP, Channels, Event
from racine.domain.ports import EventBus
from racine.realtime.frames import parse_awareness
from racine.realtime.room import Room

__all__ = ["RelayMixin"]

log = logging.getLogger("racine.collab")

RESYNC_CHUNK = 200  # log rows a resync applies per event-loop turn


class RelayMixin:
    uow_factory: Callable[[], CollabUnitOfWork]
    bus: EventBus
    origin: str
    _mark_dirty: Callable[[Room], None]  # RoomManager's: queue the room's projection write

    # -- other processes ----------------------------------------------------------

    async def _relay(
        self, document_id: uuid.UUID, subscribed: asyncio.Event, loaded: asyncio.Future[Room]
    ) -> None:
        channels = [Channels.document(str(document_id)), Channels.presence(str(document_id))]
        try:
            async with self.bus.subscribe(channels) as subscription:
                subscribed.set()
                room = await loaded
                async for event in subscription:
                    if room.closed:
                        return
                    if event.type == GAP:
                        await self._resync(room)
                        continue
                    if event.payload.get("origin") == self.origin:
                        continue
                    self._apply_remote(room, event)
        finally:
            subscribed.set()

    def _apply_remote(self, room: Room, event: Event) -> None:
        try:
            data = base64.b64decode(str(event.payload.get("update", "")), validate=True)
            if event.type == "UPDATE":
                crdt.guarded(lambda: room.doc.apply_update(data))
                room.broadcast_update(data)
                self._mark_dirty(room)
            elif event.type == "AWARENESS":
                parse_awareness(data)
                room.awareness.apply_awareness_update(data, "remote")
                room.broadcast(create_awareness_message(data))
        except Exception:
            log.warning("ignored a malformed relayed event", extra={"channel": event.channel})

    async def _resync(self, room: Room) -> None:
        """After a bus gap: merge what the database has and pass the difference on.

        Applied ``RESYNC_CHUNK`` rows per loop turn (re-applying thousands of known rows
        took ~10 ms at once, and every co-editor waited). Each chunk's difference is
        taken with no await in between, so it holds only stored rows, never a local
        edit still waiting for its commit.
        """
        try:
            _, updates = await load_updates(self.uow_factory(), room.document_id)
        except Exception:
            log.warning("resync after a bus gap failed")
            return
        for start in range(0, len(updates), RESYNC_CHUNK):
            if room.closed:
                return
            before = room.doc.get_state()
            for update in updates[start : start + RESYNC_CHUNK]:
                crdt.guarded(lambda u=update: room.doc.apply_update(u))  # type: ignore[misc]
            diff = room.doc.get_update(before)
            if diff != crdt.EMPTY_UPDATE:
                room.broadcast_update(diff)
                self._mark_dirty(room)
            await asyncio.sleep(0)
