"""``WS /yjs/{documentId}?token=…``: the y-websocket protocol over our rooms.

Interoperable with the JS ``yjs@13`` + ``y-websocket@3`` client. On connect the
server sends sync step 1 and the current awareness states; clients answer with
step 2 and then stream updates and awareness. Every edit goes through
:meth:`RoomManager.submit` (stored before it is echoed to anyone).

Close codes: 4401 bad or missing token, 4404 document missing or not visible,
1007 malformed message, 1008 rate limit, 1009 message over the size cap, 1011
storage failure, 1013 the client does not read fast enough (send queue full).
VIEWER and COMMENTER members may read and share presence; their updates are
refused with the y-websocket ``permission denied`` message (type 2).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import uuid
from collections import deque
from typing import cast

from pycrdt import create_sync_message, create_update_message, handle_sync_message, write_message
from starlette.websockets import WebSocket, WebSocketDisconnect

from racine.domain.access.model import Principal
from racine.domain.access.use_cases import authenticate
from racine.domain.collaboration import crdt
from racine.domain.collaboration.documents import get_document
from racine.domain.errors import NotFound, RacineError, Unauthenticated, ValidationFailed
from racine.domain.throttle import TokenBucket
from racine.realtime.frames import AWARENESS, QUERY_AWARENESS, SYNC, parse_frame, permission_denied
from racine.realtime.room import Room, merged
from racine.realtime.rooms import RoomManager

__all__ = ["ROOMS_KEY", "SocketPeer", "yjs_endpoint"]

log = logging.getLogger("racine.collab")

ROOMS_KEY = "collab_rooms"  # Services.extras key of the RoomManager
_EMPTY = crdt.EMPTY_UPDATE
SLOW_READER_CLOSE_S = 30  # a dropped slow reader may take this long to drain its backlog


class SocketPeer:
    """One WebSocket in a room: a bounded send queue drained by its own sender task.

    Nobody waits on a client: :meth:`send` only appends. The sender takes
    everything queued at once and merges each run of updates into ONE update
    message, so a client that fell behind catches up in a few frames instead of
    one frame per edit (a WebSocket send costs far more than a merge). The queue
    is bounded in messages (``send_queue``) and bytes (``send_queue_bytes``); a
    client that does not read is dropped with 1013 once either bound is reached.
    """

    def __init__(
        self,
        websocket: WebSocket,
        principal: Principal,
        queue_size: int,
        queue_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        self.websocket = websocket
        self.user_name = principal.name
        self.max_items, self.max_bytes = queue_size, queue_bytes
        self.items: deque[tuple[bool, bytes]] = deque()  # (is a bare update, data)
        self.queued_bytes = 0
        self.ready = asyncio.Event()
        self.dropped: tuple[int, str] | None = None
        self.gone = asyncio.Event()
        self.in_flight = asyncio.Semaphore(queue_size)

    def stored(self, done: asyncio.Future[int]) -> None:
        """An update of ours was committed (or failed: then the room dropped us)."""
        self.in_flight.release()
        if not done.cancelled() and done.exception() is not None:
            self.drop(1011, "UNAVAILABLE: storage failed")

    def send(self, message: bytes) -> None:
        self._put(False, message)

    def send_update(self, update: bytes) -> None:
        self._put(True, update)

    def _put(self, is_update: bool, data: bytes) -> None:
        if self.dropped is not None:
            return
        full = len(self.items) >= self.max_items or self.queued_bytes + len(data) > self.max_bytes
        if full and self.items:  # one message alone (a large sync step 2) always fits
            self.items.clear()
            self.queued_bytes = 0
            self.drop(1013, "LIMIT_EXCEEDED: the client does not read its messages")
            return
        self.items.append((is_update, data))
        self.queued_bytes += len(data)
        self.ready.set()

    def drop(self, code: int, reason: str) -> None:
        if self.dropped is None:
            self.dropped = (code, reason[:120])
            self.gone.set()

    def take(self) -> list[bytes]:
        """Everything queued, as frames: each run of updates merged into one message."""
        frames: list[bytes] = []
        run: list[bytes] = []
        for is_update, data in self.items:
            if is_update:
                run.append(data)
                continue
            if run:
                frames.append(create_update_message(merged(run)))
                run = []
            frames.append(data)
        if run:
            frames.append(create_update_message(merged(run)))
        self.items.clear()
        self.queued_bytes = 0
        return frames

    async def sender(self) -> None:
        while True:
            if not self.items:
                self.ready.clear()
                await self.ready.wait()
                continue
            for frame in self.take():
                await self.websocket.send_bytes(frame)


def document_id_of(value: str) -> uuid.UUID:
    """The path segment: a Document global id (as GraphQL gives it) or a raw UUID."""
    try:
        return uuid.UUID(value)
    except ValueError:
        pass
    try:
        padded = value + "=" * (-len(value) % 4)
        kind, _, raw = base64.b64decode(padded, validate=True).decode().partition(":")
        if kind == "Document":
            return uuid.UUID(raw)
    except (ValueError, UnicodeDecodeError):
        pass
    raise NotFound("Document", value)


async def _authorise(websocket: WebSocket, rooms: RoomManager) -> tuple[Principal, uuid.UUID, bool]:
    principal = await authenticate(rooms.uow_factory(), websocket.query_params.get("token"))
    document_id = document_id_of(websocket.path_params["document_id"])
    access = await get_document(rooms.uow_factory(), principal, document_id)
    return principal, document_id, access.can_write


async def yjs_endpoint(websocket: WebSocket) -> None:
    rooms: RoomManager = websocket.app.state.runtime.services.extras[ROOMS_KEY]
    try:
        principal, document_id, writable = await _authorise(websocket, rooms)
    except Unauthenticated as exc:
        await websocket.accept()
        await websocket.close(4401, f"{exc.code}: {exc.message}")
        return
    except NotFound as exc:
        await websocket.accept()
        await websocket.close(4404, f"{exc.code}: {exc.message}")
        return
    await websocket.accept()
    gauge = _connections(websocket)
    gauge.inc()
    try:
        await _serve(websocket, rooms, principal, document_id, writable)
    finally:
        gauge.dec()


def _connections(websocket: WebSocket) -> _Gauge:
    metrics = getattr(websocket.app.state.runtime, "metrics", None)
    if metrics is None:
        return _Gauge()
    return cast(_Gauge, metrics.websocket_connections.labels(endpoint="yjs"))


class _Gauge:
    """Stand-in when the app has no metrics."""

    def inc(self) -> None: ...

    def dec(self) -> None: ...


async def _serve(
    websocket: WebSocket,
    rooms: RoomManager,
    principal: Principal,
    document_id: uuid.UUID,
    writable: bool,
) -> None:
    room = await rooms.room(document_id)
    limits = rooms.settings
    peer = SocketPeer(websocket, principal, limits.send_queue, limits.send_queue_bytes)
    rooms.join(room, peer)
    peer.send(create_sync_message(room.doc))
    presence = rooms.presence_message(room)
    if presence is not None:
        peer.send(presence)
    sender = asyncio.create_task(peer.sender(), name="yjs-sender")
    receiver = asyncio.create_task(
        _receive(websocket, rooms, room, peer, principal, writable), name="yjs-receiver"
    )
    gone = asyncio.create_task(peer.gone.wait(), name="yjs-gone")
    try:
        await asyncio.wait({sender, receiver, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sender, receiver, gone):
            task.cancel()
        for task in (sender, receiver, gone):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        try:
            rooms.leave(room, peer)
        except Exception:  # never leave a task or a peer behind because of presence
            log.exception("leaving a document room failed")
            room.peers.discard(peer)
        code, reason = peer.dropped or (1000, "")
        # A slow reader gets its close frame once it reads what is already in flight
        # (uvicorn waits for the paused transport to drain before any frame; our queue
        # is gone, so what waits is bounded): give it up to SLOW_READER_CLOSE_S.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                websocket.close(code, reason), timeout=SLOW_READER_CLOSE_S if code == 1013 else 2
            )


async def _receive(
    websocket: WebSocket,
    rooms: RoomManager,
    room: Room,
    peer: SocketPeer,
    principal: Principal,
    writable: bool,
) -> None:
    limits = rooms.settings
    bucket = TokenBucket(limits.rate_per_second, limits.rate_burst)
    try:
        while peer.dropped is None:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("bytes")
            if data is None:
                peer.drop(1003, "INVALID: binary messages only")
                return
            if len(data) > limits.max_message_bytes:
                peer.drop(
                    1009, f"LIMIT_EXCEEDED: messages are limited to {limits.max_update_bytes} bytes"
                )
                return
            if not bucket.take():
                peer.drop(1008, "LIMIT_EXCEEDED: too many messages")
                return
            try:
                room = await _handle(rooms, room, peer, principal, writable, data)
            except ValidationFailed as exc:
                peer.drop(1007, f"{exc.code}: {exc.message}")
                return
            except RacineError as exc:
                peer.drop(1011, f"{exc.code}: {exc.message}")
                return
    except WebSocketDisconnect:
        return


async def _handle(
    rooms: RoomManager,
    room: Room,
    peer: SocketPeer,
    principal: Principal,
    writable: bool,
    data: bytes,
) -> Room:
    frame = parse_frame(data)
    if frame.type == SYNC:
        if frame.subtype == 0:  # step 1: the client's state vector → what it lacks
            step1 = bytes([0]) + write_message(frame.payload)
            reply = crdt.guarded(lambda: handle_sync_message(step1, room.doc), "stateVector")
            if reply is not None:
                peer.send(reply)
            return room
        if frame.payload == _EMPTY:
            return room
        if not writable:
            peer.send(permission_denied("your workspace role cannot edit this document"))
            return room
        await peer.in_flight.acquire()  # bounded: at most send_queue updates uncommitted
        done = await rooms.enqueue(room, frame.payload, principal.user_id, origin=peer)
        done.add_done_callback(peer.stored)
        return rooms.rooms.get(room.document_id, room)
    if frame.type == AWARENESS:
        rooms.awareness(room, peer, frame.payload, principal.name)
    elif frame.type == QUERY_AWARENESS:
        presence = rooms.presence_message(room)
        if presence is not None:
            peer.send(presence)
    return room
