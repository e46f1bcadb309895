"""Awareness in a room: applied, passed to local peers, published as presence.
Mixed into :class:`~racine.realtime.rooms.RoomManager`."""

from __future__ import annotations

import asyncio
import base64
import logging

from pycrdt import create_awareness_message

from racine.domain.events import Channels, Event
from racine.domain.ports import EventBus
from racine.realtime.frames import AwarenessEntry, parse_awareness
from racine.realtime.room import Peer, Room

__all__ = ["PresenceMixin"]

log = logging.getLogger("racine.collab")


class PresenceMixin:
    bus: EventBus
    origin: str

    # -- awareness ----------------------------------------------------------------

    def awareness(self, room: Room, peer: Peer, update: bytes, user_name: str) -> None:
        """Apply a client's awareness update, pass it on, publish presence.

        y-websocket clients re-send the states of OTHER clients they heard about; a
        client id belongs to the first connection that claimed it, and presence is
        labelled with that owner's user name, never the relaying connection's.
        """
        entries = parse_awareness(update)
        owners: dict[int, str] = {}
        for entry in entries:
            owner = room.clients.get(entry.client_id)
            if owner is not None and owner[0] is not peer:
                owners[entry.client_id] = owner[1]
                continue
            owners[entry.client_id] = user_name
            if entry.state is None:
                room.clients.pop(entry.client_id, None)
            else:
                room.clients[entry.client_id] = (peer, user_name)
        room.awareness.apply_awareness_update(update, "peer")
        room.broadcast(create_awareness_message(update), exclude=peer)
        self._publish_presence(room, update, entries, owners)

    def presence_message(self, room: Room) -> bytes | None:
        ids = list(room.awareness.states)
        if not ids:
            return None
        return create_awareness_message(room.awareness.encode_awareness_update(ids))

    def _publish_presence(
        self, room: Room, update: bytes, entries: list[AwarenessEntry], owners: dict[int, str]
    ) -> None:
        event = Event(
            Channels.presence(str(room.document_id)),
            "AWARENESS",
            {
                "update": base64.b64encode(update).decode(),
                "origin": self.origin,
                "states": [
                    {"client_id": e.client_id, "state": e.state, "user": owners.get(e.client_id)}
                    for e in entries
                ],
            },
        )
        task = asyncio.create_task(self._publish(event))
        task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)

    async def _publish(self, event: Event) -> None:
        try:
            await self.bus.publish(event)
        except Exception:  # best-effort: the state is committed
            log.warning("publishing a document event failed", extra={"channel": event.channel})
