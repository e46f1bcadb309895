"""A room: the in-memory pycrdt document of one open document, its awareness and
its local peers (the :class:`~racine.realtime.rooms.RoomManager` owns the rooms)."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from pycrdt import Awareness, Doc, merge_updates

from racine.domain.collaboration import crdt
from racine.domain.collaboration.model import DocumentFormat

__all__ = ["Peer", "Room", "merged"]


class Peer(Protocol):
    """A local connection in a room. ``send``/``send_update`` never wait (bounded queue)."""

    user_name: str

    def send(self, message: bytes) -> None: ...

    def send_update(self, update: bytes) -> None: ...


def merged(updates: list[bytes]) -> bytes:
    """One Yjs update holding all of ``updates`` (each already validated)."""
    if len(updates) == 1:
        return updates[0]
    return crdt.guarded(lambda: merge_updates(*updates))


@dataclass
class Room:
    document_id: uuid.UUID
    format: DocumentFormat
    doc: Doc
    awareness: Awareness
    peers: set[Any] = field(default_factory=set)
    clients: dict[int, tuple[Any, str]] = field(default_factory=dict)  # awareness id → peer, user
    uncompacted: int = 0
    last_used: float = field(default_factory=time.monotonic)
    relay: asyncio.Task[None] | None = None
    compacting: asyncio.Task[None] | None = None
    resyncing: asyncio.Task[None] | None = None  # the late re-read after opening
    closed: bool = False
    projection_dirty: bool = False  # the stored text lags the document
    projection_at: float = 0.0  # monotonic time of the last projection write
    compacted_at: float = 0.0

    def broadcast(self, message: bytes, exclude: object = None) -> None:
        for peer in tuple(self.peers):
            if peer is not exclude:
                peer.send(message)

    def broadcast_update(self, update: bytes, exclude: object = None) -> None:
        for peer in tuple(self.peers):
            if peer is not exclude:
                peer.send_update(update)

    def text(self) -> str:
        return crdt.project(self.doc, self.format)
