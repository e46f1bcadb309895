"""CRDT rooms: one in-memory pycrdt document per open document, kept durable and shared.

A :class:`RoomManager` (one per process) owns the rooms. Both edit paths — the
``/yjs`` WebSocket and GraphQL ``applyDocumentUpdate`` — call :meth:`RoomManager.submit`:

1. the update is validated (size cap, full decode, Rust panics caught);
2. it is applied to the room document and queued for the writer;
3. the writer appends EVERY queued update (up to ``batch_max``) in ONE transaction
   (group commit, through its :class:`~racine.domain.collaboration.ports.UpdateLog`: on
   SQLite a connection and a thread of its own, one hop per commit), then at once
   takes the next batch;
4. only after the commit: local peers receive the batch (one merged update per
   room; each peer's sender merges again whatever queued up while it was
   writing), the event bus carries it (``Channels.document(id)``, base64, with
   this process' ``origin``; one merged event per room and run of one author) to
   other processes and to GraphQL subscribers, and each submitter is acknowledged.

The text projection (what GraphQL ``text`` and search read) is O(document) to
compute and write, so it is throttled: written with a batch at most every
``projection_interval_s`` per room, and once more after the last edit (the writer
wakes for it). GraphQL ``applyDocumentUpdate`` (:meth:`RoomManager.submit`) asks
for a fresh projection, so its caller reads its own write.

If a commit fails the room is dropped (its peers disconnected) so no process
keeps an edit the database does not have; clients reconnect and resync.

Each room listens to its channels on the bus: updates and awareness from OTHER
processes (another ``origin``) are merged and passed to local peers; a ``gap``
triggers a resync from the database. Compaction runs in the background once a
document's log passes ``compact_after`` rows, at most every ``compact_interval_s``; it
folds bounded batches in a worker thread (:func:`~racine.domain.collaboration.documents.compact`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from pycrdt import Awareness, create_awareness_message

from racine.domain.collaboration import crdt
from racine.domain.collaboration.documents import (
    Fold,
    PendingUpdate,
    UnitOfWorkLog,
    compact,
    load_updates,
)
from racine.domain.collaboration.ports import CollabUnitOfWork, UpdateLog
from racine.domain.events import Channels, Event
from racine.domain.ports import EventBus
from racine.realtime.collab_settings import CollabSettings
from racine.realtime.frames import AwarenessEntry
from racine.realtime.presence import PresenceMixin
from racine.realtime.relay import RelayMixin
from racine.realtime.room import Peer, Room, merged

__all__ = ["RoomManager"]

log = logging.getLogger("racine.collab")


@dataclass
class _Job:
    room: Room
    update: bytes
    author_id: uuid.UUID | None
    origin: object
    done: asyncio.Future[int]
    fresh: bool  # the submitter reads the projection right after (GraphQL)


async def await_stored(done: asyncio.Future[int]) -> int:
    return await done


class RoomManager(PresenceMixin, RelayMixin):
    """The rooms of this process and the single writer that makes their edits durable."""

    def __init__(
        self,
        uow_factory: Callable[[], CollabUnitOfWork],
        bus: EventBus,
        settings: CollabSettings | None = None,
        log: UpdateLog | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.bus = bus
        self.settings = settings or CollabSettings()
        self.log: UpdateLog = log or UnitOfWorkLog(uow_factory)
        self.origin = uuid.uuid4().hex  # this process, on the bus
        self.rooms: dict[uuid.UUID, Room] = {}
        self._opening: dict[uuid.UUID, asyncio.Future[Room]] = {}
        self._queue: asyncio.Queue[_Job | None] = asyncio.Queue()  # None: wake the writer
        self._folds: list[tuple[Fold, asyncio.Future[bool]]] = []  # saved by the writer
        self._writer: asyncio.Task[None] | None = None
        self._janitor: asyncio.Task[None] | None = None

    # -- lifecycle ----------------------------------------------------------------

    async def start(self) -> None:
        self._writer = asyncio.create_task(self._write_loop(), name="collab-writer")
        self._janitor = asyncio.create_task(self._janitor_loop(), name="collab-janitor")

    async def stop(self) -> None:
        for task in (self._writer, self._janitor):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._write_projections([r for r in self.rooms.values() if r.projection_dirty])
        for room in list(self.rooms.values()):
            await self._close_room(room)

    @property
    def task_count(self) -> int:
        """Background tasks owned by rooms (for leak checks)."""
        return sum(
            1
            for r in self.rooms.values()
            for t in (r.relay, r.compacting, r.resyncing)
            if t is not None and not t.done()
        )

    # -- rooms --------------------------------------------------------------------

    async def room(self, document_id: uuid.UUID) -> Room:
        """The open room of a document, loading it (snapshot + log) on first use."""
        room = self.rooms.get(document_id)
        if room is not None and not room.closed:
            room.last_used = time.monotonic()
            return room
        pending = self._opening.get(document_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Room] = asyncio.get_running_loop().create_future()
        self._opening[document_id] = future
        try:
            room = await self._open(document_id)
            future.set_result(room)
            return room
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning
            raise
        finally:
            self._opening.pop(document_id, None)

    async def _open(self, document_id: uuid.UUID) -> Room:
        # Subscribe BEFORE loading so no remote update falls between the two.
        subscribed = asyncio.Event()
        loaded: asyncio.Future[Room] = asyncio.get_running_loop().create_future()
        relay = asyncio.create_task(
            self._relay(document_id, subscribed, loaded), name=f"collab-relay-{document_id}"
        )
        try:
            await subscribed.wait()
            document, updates = await load_updates(self.uow_factory(), document_id)
            doc = crdt.build_doc(updates)
        except BaseException:
            relay.cancel()
            raise
        awareness = Awareness(doc)
        awareness.set_local_state(None)  # the server is not a participant
        room = Room(
            document_id,
            document.format,
            doc,
            awareness,
            relay=relay,
            uncompacted=max(0, len(updates) - 1),
        )
        self.rooms[document_id] = room
        loaded.set_result(room)
        if room.text() != document.text:  # a crash before a throttled write: repair it
            self._mark_dirty(room)
        # Belt and braces: merge whatever the database got while the room opened. Not a
        # compaction: the first edits may compact meanwhile.
        room.resyncing = asyncio.create_task(self._late_resync(room), name="collab-resync")
        return room

    async def _late_resync(self, room: Room) -> None:
        await asyncio.sleep(1.0)
        if not room.closed:
            await self._resync(room)

    async def _close_room(self, room: Room) -> None:
        room.closed = True
        self.rooms.pop(room.document_id, None)
        if room.projection_dirty:
            await self._write_projections([room])
        for task in (room.relay, room.compacting, room.resyncing):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    def join(self, room: Room, peer: Peer) -> None:
        room.peers.add(peer)
        room.last_used = time.monotonic()

    def leave(self, room: Room, peer: Peer) -> None:
        """Forget a peer and announce that its awareness states are gone."""
        room.peers.discard(peer)
        room.last_used = time.monotonic()
        gone = [cid for cid, (p, _) in room.clients.items() if p is peer]
        if not gone or room.closed:
            return
        for cid in gone:
            room.clients.pop(cid, None)
        # Only ids the awareness holds a clock for: a first state with clock 0 is
        # ignored by y-protocols (and pycrdt), and encoding an id without a clock fails.
        gone = [cid for cid in gone if cid in room.awareness.meta]
        if not gone:
            return
        room.awareness.remove_awareness_states(gone, "disconnect")
        message = room.awareness.encode_awareness_update(gone)
        room.broadcast(create_awareness_message(message))
        entries = [AwarenessEntry(c, 0, None) for c in gone]
        self._publish_presence(room, message, entries, {c: peer.user_name for c in gone})

    # -- edits --------------------------------------------------------------------

    async def submit(
        self, room: Room, update: bytes, author_id: uuid.UUID | None, origin: object = None
    ) -> int:
        """Validate, store (group commit), then broadcast ``update``; returns its seq.

        The projection is written with it, so the caller may read ``text`` at once.
        """
        done = await self.enqueue(room, update, author_id, origin, fresh_projection=True)
        return await await_stored(done)

    async def enqueue(
        self,
        room: Room,
        update: bytes,
        author_id: uuid.UUID | None,
        origin: object = None,
        *,
        fresh_projection: bool = False,
    ) -> asyncio.Future[int]:
        """Validate and queue ``update`` for the writer; the future resolves once stored.

        A WebSocket keeps reading while its updates are committed (order is kept:
        the writer's queue is FIFO); it bounds how many it has in flight.
        """
        crdt.check_update(update, self.settings.max_update_bytes)
        if room.closed:
            room = await self.room(room.document_id)
        crdt.guarded(lambda: room.doc.apply_update(update))
        room.last_used = time.monotonic()
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(room, update, author_id, origin, done, fresh_projection))
        return done

    async def _take(self) -> list[_Job]:
        """Everything queued (≤ ``batch_max``); [] when a projection falls due first."""
        dirty = [r.projection_at for r in self.rooms.values() if r.projection_dirty]
        if dirty:
            wait = min(dirty) + self.settings.projection_interval_s - time.monotonic()
            try:
                # not wait_for: on 3.11 it swallows a cancellation that lands as the
                # get completes, and the writer would outlive stop()
                async with asyncio.timeout(max(0.0, wait)):
                    first = await self._queue.get()
            except TimeoutError:
                return []
        else:
            first = await self._queue.get()
        jobs = [] if first is None else [first]
        while len(jobs) < self.settings.batch_max and not self._queue.empty():
            job = self._queue.get_nowait()
            if job is not None:
                jobs.append(job)
        return jobs

    def _due(self, live: list[_Job]) -> list[Room]:
        """Rooms whose projection is written with this batch (throttled per room)."""
        due: dict[uuid.UUID, Room] = {}
        for job in live:
            job.room.projection_dirty = True
            if job.fresh:
                due[job.room.document_id] = job.room
        now = time.monotonic()
        for room in self.rooms.values():
            if room.projection_dirty and (
                now - room.projection_at >= self.settings.projection_interval_s
            ):
                due[room.document_id] = room
        return list(due.values())

    async def _write_loop(self) -> None:
        while True:
            await self._save_folds()
            jobs = await self._take()
            live = [j for j in jobs if not j.done.done()]
            due = self._due(live)
            if not live:
                await self._write_projections(due)
                continue
            try:
                seqs = await self.log.append(
                    [PendingUpdate(j.room.document_id, j.update, j.author_id) for j in live],
                    {room.document_id: room.text() for room in due},
                )
            except Exception as exc:
                log.exception("storing document updates failed; dropping the rooms")
                for job in live:
                    if not job.done.done():
                        job.done.set_exception(exc)
                        job.done.exception()
                    await self._fail_room(job.room)
                continue
            now = time.monotonic()
            for room in due:
                room.projection_dirty, room.projection_at = False, now
            by_room: dict[uuid.UUID, list[tuple[_Job, int]]] = {}
            for job, seq in zip(live, seqs, strict=True):
                by_room.setdefault(job.room.document_id, []).append((job, seq))
            for stored in by_room.values():
                await self._after_commit(stored)

    async def _after_commit(self, stored: list[tuple[_Job, int]]) -> None:
        """Pass one room's committed batch on: peers, the bus, then the submitters."""
        room = stored[0][0].room
        origins = {job.origin for job, _ in stored}
        only = next(iter(origins)) if len(origins) == 1 else None
        # One message for the room. When several peers contributed, each also gets its
        # own edits back inside the merged update: Yjs ignores what it already has.
        room.broadcast_update(merged([job.update for job, _ in stored]), exclude=only)
        room.uncompacted += len(stored)
        run: list[tuple[_Job, int]] = []
        for item in stored:
            if run and run[-1][0].author_id != item[0].author_id:
                await self._publish_run(room, run)
                run = []
            run.append(item)
        await self._publish_run(room, run)
        for job, seq in stored:
            if not job.done.done():
                job.done.set_result(seq)
        self._maybe_compact(room)

    async def _publish_run(self, room: Room, run: list[tuple[_Job, int]]) -> None:
        """One bus event for consecutive updates of one author (seq: the last one's)."""
        author = run[0][0].author_id
        await self._publish(
            Event(
                Channels.document(str(room.document_id)),
                "UPDATE",
                {
                    "update": base64.b64encode(merged([j.update for j, _ in run])).decode(),
                    "seq": run[-1][1],
                    "origin": self.origin,
                    "author": None if author is None else str(author),
                },
            )
        )

    async def _write_projections(self, rooms: list[Room]) -> None:
        if not rooms:
            return
        try:
            await self.log.append([], {r.document_id: r.text() for r in rooms})
        except Exception:
            log.warning("writing document projections failed; retrying later")
            for room in rooms:
                room.projection_at = time.monotonic()  # back off one interval
            return
        now = time.monotonic()
        for room in rooms:
            room.projection_dirty, room.projection_at = False, now

    def _mark_dirty(self, room: Room) -> None:
        """The projection lags (a remote merge, a resync): the writer refreshes it."""
        if not room.projection_dirty:
            room.projection_dirty = True
            self._queue.put_nowait(None)

    async def _fail_room(self, room: Room) -> None:
        for peer in tuple(room.peers):
            close = getattr(peer, "drop", None)
            if close is not None:
                close(1011, "UNAVAILABLE: storage failed")
        await self._close_room(room)

    async def _save_in_writer(self, fold: Fold) -> bool:
        """Have the writer save a compaction between two group commits: on SQLite a
        concurrent write transaction would hold the database lock across event-loop
        turns, and the group commit would wait for it (busy-timeout sleeps)."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._folds.append((fold, done))
        self._queue.put_nowait(None)
        return await done

    async def _save_folds(self) -> None:
        folds, self._folds = self._folds, []
        for fold, done in folds:
            if done.done():  # its compaction was cancelled
                continue
            try:
                done.set_result(await self.log.save_fold(fold))
            except Exception as exc:
                done.set_exception(exc)

    def _maybe_compact(self, room: Room) -> None:
        if room.uncompacted < self.settings.compact_after:
            return
        if room.compacting is not None and not room.compacting.done():
            return
        if time.monotonic() - room.compacted_at < self.settings.compact_interval_s:
            return
        room.uncompacted, room.compacted_at = 0, time.monotonic()

        async def run() -> None:
            try:
                await compact(
                    self.uow_factory, room.document_id, minimum=2, save=self._save_in_writer
                )
            except Exception:
                log.exception("compaction failed (the log is intact)")

        room.compacting = asyncio.create_task(run(), name=f"collab-compact-{room.document_id}")

    async def _janitor_loop(self) -> None:
        while True:
            await asyncio.sleep(min(5.0, self.settings.idle_close_s))
            now = time.monotonic()
            for room in list(self.rooms.values()):
                if not room.peers and now - room.last_used > self.settings.idle_close_s:
                    if room.compacting is not None and not room.compacting.done():
                        continue
                    await self._close_room(room)
