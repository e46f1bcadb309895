"""The Redis event bus: production fan-out across API replicas and workers.

One process holds ONE pub/sub connection, owned by a listener task. Local
subscribers come and go through the :class:`~racine.realtime.hub.Hub`; the
channels that have at least one of them are mirrored on that connection as
``SUBSCRIBE <prefix><channel>`` / ``UNSUBSCRIBE`` (the hub's channel set is the
reference count). The prefix (``racine:`` unless ``RACINE_REDIS_CHANNEL_PREFIX``
says otherwise) keeps deployments that share one Redis apart.

We drive a raw redis-py connection rather than ``redis.asyncio.PubSub`` (or the
``broadcaster`` package) because reconnecting must be visible: PubSub retries and
resubscribes silently, so subscribers could never be told that events were lost.
Here the listener notices the loss (read error, or no answer to a PING within
two health intervals), reconnects with capped exponential backoff, resubscribes
every channel, and only then gives every live subscriber
``gap(channel, "reconnected")``, so an event published after the gap is seen.

Events are best-effort (state lives in the database): ``publish`` while Redis is
down logs a throttled warning and drops the event instead of failing the caller;
a PUBLISH that meets a connection Redis has closed (a restart while the process
was idle) is sent once more on a new connection first.
Log lines name Redis by :func:`redact_url`, never with its password.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection, Connection, parse_url
from redis.asyncio.retry import Retry  # awaits each try; redis.retry.Retry cannot
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from racine.domain.errors import hide_secrets
from racine.domain.events import Event
from racine.realtime.hub import (
    DEFAULT_QUEUE_SIZE,
    RECONNECTED,
    Hub,
    Stream,
    decode_event,
    encode_event,
)

__all__ = ["CHANNEL_PREFIX", "CLIENT_NAME", "RedisEventBus", "redact_url"]

logger = logging.getLogger("racine.realtime")

CHANNEL_PREFIX = "racine:"
CLIENT_NAME = "racine-events"  # shows in CLIENT LIST next to the pub/sub connection

# What a lost or unreachable Redis raises (redis-py wraps most in RedisError).
_DOWN = (RedisError, OSError, TimeoutError)


def redact_url(url: str) -> str:
    """``url`` fit for a log line: password masked, query string dropped."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<redis url>"
    user = f"{parts.username}@" if parts.username else ""
    if parts.password is not None:
        user = f"{parts.username or ''}:***@"
    query = "?..." if parts.query else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}{query}"


class _Throttle:
    """Lets one warning through per ``every`` seconds and counts the rest."""

    def __init__(self, every: float) -> None:
        self._every = every
        self._next = 0.0
        self.suppressed = 0

    def allow(self) -> bool:
        now = time.monotonic()
        if now >= self._next:
            self._next = now + self._every
            return True
        self.suppressed += 1
        return False

    def take_suppressed(self) -> int:
        count, self.suppressed = self.suppressed, 0
        return count


class RedisEventBus:
    """:class:`~racine.domain.ports.EventBus` over Redis pub/sub.

    ``queue_size`` bounds each local subscriber's buffer. Backoff between
    reconnect attempts doubles from ``backoff_initial`` to ``backoff_max``
    seconds (with jitter, so replicas do not reconnect in lockstep).
    ``op_timeout`` bounds connect, publish, ping and waiting for a SUBSCRIBE to
    be confirmed; ``health_interval`` is how long the pub/sub connection may be
    silent before we PING it. ``stop()`` is final.
    """

    def __init__(
        self,
        url: str,
        *,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        backoff_initial: float = 0.1,
        backoff_max: float = 5.0,
        op_timeout: float = 2.0,
        health_interval: float = 5.0,
        channel_prefix: str = CHANNEL_PREFIX,
    ) -> None:
        if not 0 < backoff_initial <= backoff_max:
            raise ValueError("need 0 < backoff_initial <= backoff_max")
        self._hub = Hub(queue_size)
        self._prefix = channel_prefix
        self._where = redact_url(url)
        options: dict[str, Any] = dict(parse_url(url))  # ValueError on a bad URL
        self._secret: str | None = options.get("password")
        self._connection_class: type[AbstractConnection] = options.pop(
            "connection_class", Connection
        )
        self._options = options | {
            # RESP2: pub/sub messages arrive as plain replies we parse ourselves.
            "protocol": 2,
            "decode_responses": False,
            "retry": Retry(NoBackoff(), 0),  # we do the reconnecting, visibly
            "socket_connect_timeout": op_timeout,
            "socket_timeout": op_timeout,
            "health_check_interval": 0,
            "client_name": CLIENT_NAME,
        }
        self._client = Redis.from_url(
            url,
            # One immediate retry, on a lost connection only: a pooled connection
            # that outlived a Redis restart fails its first PUBLISH with "closed by
            # server" although Redis is up again. Not on a timeout (the PUBLISH may
            # have gone through); ``op_timeout`` still bounds the whole call.
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
            socket_connect_timeout=op_timeout,
            socket_timeout=op_timeout,
        )
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._op_timeout = op_timeout
        self._health_interval = health_interval
        self._lock = asyncio.Lock()  # serialises writes on the pub/sub connection
        self._conn: AbstractConnection | None = None
        self._remote: set[str] = set()  # channels SUBSCRIBEd on self._conn
        self._waiters: dict[str, deque[asyncio.Future[None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._first_attempt = asyncio.Event()
        self._stopped = False
        self._publish_warning = _Throttle(10.0)
        self._down_warning = _Throttle(30.0)
        self._decode_warning = _Throttle(10.0)

    # -- public surface -------------------------------------------------

    @property
    def subscriber_count(self) -> int:
        """Live subscriptions in this process."""
        return self._hub.subscriber_count

    @property
    def connected(self) -> bool:
        """True while the pub/sub connection is up (no network round trip)."""
        return self._conn is not None

    async def start(self) -> None:
        """Start the listener; wait (at most ``op_timeout``) for its first connect.

        Does not raise when Redis is down: the listener keeps retrying, and
        ``ping()`` reports False meanwhile.
        """
        if self._task is not None or self._stopped:
            return
        self._task = asyncio.create_task(self._listen(), name="racine-event-bus-listener")
        try:
            async with asyncio.timeout(self._op_timeout * 2):
                await self._first_attempt.wait()
        except TimeoutError:
            pass

    async def stop(self) -> None:
        """End every subscription, cancel the listener, close connections."""
        self._stopped = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._hub.close()
        self._wake_waiters()
        await self._client.aclose()

    async def ping(self) -> bool:
        """True when the listener is connected and Redis answers a PING."""
        if self._conn is None:
            return False
        try:
            async with asyncio.timeout(self._op_timeout):
                return bool(await self._client.ping())
        except _DOWN:
            return False

    async def publish(self, event: Event) -> None:
        """Publish to ``<prefix><channel>``; on a Redis failure, warn and drop.

        Raises ``TypeError`` only for a payload that is not JSON-safe (a bug).
        """
        data = encode_event(event)
        if self._stopped:
            return
        try:
            async with asyncio.timeout(self._op_timeout):
                await self._client.publish(self._prefix + event.channel, data)
        except _DOWN as exc:
            if self._publish_warning.allow():
                logger.warning(
                    "event bus: publish to Redis %s failed (%s); dropped %d event(s)",
                    self._where,
                    self._describe(exc),
                    1 + self._publish_warning.take_suppressed(),
                )

    @asynccontextmanager
    async def subscribe(self, channels: Sequence[str]) -> AsyncIterator[Stream]:
        """Subscribe for the ``async with`` block.

        When Redis is up, the block starts once Redis has confirmed the
        subscription (bounded by ``op_timeout``); when it is down, at once, and
        the stream gets a ``reconnected`` gap when Redis is back.
        """
        stream = self._hub.attach(channels, self._release)
        try:
            waiters = await self._sync()
            if waiters:
                await asyncio.wait(waiters, timeout=self._op_timeout)
            yield stream
        finally:
            await stream.close()

    # -- subscriptions ----------------------------------------------------

    async def _release(self, stream: Stream) -> None:
        if self._hub.detach(stream):
            await self._sync()

    async def _sync(self) -> list[asyncio.Future[None]]:
        """Make the connection's subscriptions match the hub's channels.

        Returns futures resolved when Redis confirms the new subscriptions.
        Does nothing while disconnected: reconnecting subscribes everything.
        """
        async with self._lock:
            conn = self._conn
            if conn is None or not conn.is_connected:
                return []
            wanted = self._hub.channels
            extra = self._remote - wanted
            missing = wanted - self._remote
            waiters: list[asyncio.Future[None]] = []
            try:
                if extra:
                    self._remote -= extra
                    await conn.send_command("UNSUBSCRIBE", *_names(self._prefix, extra))
                if missing:
                    loop = asyncio.get_running_loop()
                    for channel in missing:
                        waiter: asyncio.Future[None] = loop.create_future()
                        self._waiters.setdefault(channel, deque()).append(waiter)
                        waiters.append(waiter)
                    self._remote |= missing
                    await conn.send_command("SUBSCRIBE", *_names(self._prefix, missing))
            except _DOWN as exc:
                # The listener sees the same failure and resubscribes on reconnect.
                logger.debug("event bus: subscription change failed: %s", self._describe(exc))
            return waiters

    def _confirmed(self, channel: str) -> None:
        queue = self._waiters.get(channel)
        if not queue:
            return
        waiter = queue.popleft()
        if not queue:
            del self._waiters[channel]
        if not waiter.done():
            waiter.set_result(None)

    def _wake_waiters(self) -> None:
        for queue in self._waiters.values():
            for waiter in queue:
                if not waiter.done():
                    waiter.set_result(None)
        self._waiters.clear()

    # -- the listener -----------------------------------------------------

    async def _listen(self) -> None:
        delay = self._backoff_initial
        lost = False  # a connect failed or a connection dropped since the last success
        while True:
            try:
                conn, early = await self._open()
            except _DOWN as exc:
                self._first_attempt.set()
                if self._down_warning.allow() or not lost:
                    logger.warning(
                        "event bus: cannot reach Redis %s (%s); retrying with backoff",
                        self._where,
                        self._describe(exc),
                    )
                lost = True
                await asyncio.sleep(delay * random.uniform(0.8, 1.0))
                delay = min(delay * 2, self._backoff_max)
                continue
            self._first_attempt.set()
            opened = time.monotonic()
            try:
                released = False
                if lost:
                    logger.info(
                        "event bus: reconnected to Redis %s; resubscribed %d channel(s)",
                        self._where,
                        len(self._remote),
                    )
                    released |= self._hub.announce_gap(RECONNECTED)
                    lost = False
                for event in early:
                    released |= self._hub.deliver(event)
                if released:
                    await self._sync()
                await self._read(conn)
            except _DOWN as exc:
                logger.warning(
                    "event bus: lost the Redis pub/sub connection to %s (%s); reconnecting",
                    self._where,
                    self._describe(exc),
                )
                lost = True
            except Exception:
                # A bug must not end live events for the life of the process.
                logger.exception("event bus: listener failed; reconnecting")
                lost = True
                await asyncio.sleep(self._backoff_max)
            finally:
                self._forget(conn)
                await conn.disconnect(nowait=True)
            # Back off again unless the connection lived a while: a server that
            # accepts then drops us (maxclients, failover) must not be hammered.
            if time.monotonic() - opened >= self._backoff_max:
                delay = self._backoff_initial
            await asyncio.sleep(delay * random.uniform(0.8, 1.0))
            delay = min(delay * 2, self._backoff_max)

    async def _open(self) -> tuple[AbstractConnection, list[Event]]:
        """Connect and subscribe every wanted channel before going live.

        Confirmations are read here, so once this returns (and the gap goes
        out) the subscriptions are in place. Redis answers one SUBSCRIBE with
        all its confirmations in a row; anything else is kept and delivered after.
        """
        conn = self._connection_class(**self._options)
        try:
            async with asyncio.timeout(self._op_timeout * 2):
                await conn.connect()
                async with self._lock:
                    wanted = self._hub.channels
                    early: list[Event] = []
                    if wanted:
                        await conn.send_command("SUBSCRIBE", *_names(self._prefix, wanted))
                        pending = len(wanted)
                        while pending:
                            reply = await conn.read_response()
                            if _kind(reply) == b"subscribe":
                                pending -= 1
                            elif (event := self._message(reply)) is not None:
                                early.append(event)
                    self._remote = set(wanted)
                    self._conn = conn
        except BaseException:
            await conn.disconnect(nowait=True)
            raise
        return conn, early

    async def _read(self, conn: AbstractConnection) -> None:
        pinged = False
        while True:
            reply = await conn.read_response(timeout=self._health_interval)
            if reply is None:
                if pinged:
                    raise TimeoutError("no answer to PING")
                async with self._lock:
                    await conn.send_command("PING")
                pinged = True
                continue
            pinged = False
            kind = _kind(reply)
            if kind == b"subscribe":
                self._confirmed(_text(reply[1])[len(self._prefix) :])
            elif (event := self._message(reply)) is not None and self._hub.deliver(event):
                await self._sync()

    def _forget(self, conn: AbstractConnection) -> None:
        if self._conn is conn:
            self._conn = None
            self._remote = set()
        self._wake_waiters()

    def _message(self, reply: Any) -> Event | None:
        """The event in a pub/sub ``message`` reply, or None for anything else."""
        if _kind(reply) != b"message" or len(reply) != 3:
            return None
        name = _text(reply[1])
        try:
            if not name.startswith(self._prefix):
                raise ValueError("channel outside our prefix")
            event = decode_event(reply[2])
            if event.channel != name[len(self._prefix) :]:
                raise ValueError("event channel differs from its Redis channel")
        except ValueError as exc:
            if self._decode_warning.allow():
                logger.warning("event bus: ignored a malformed message on %s: %s", name, exc)
            return None
        return event

    def _describe(self, exc: BaseException) -> str:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return hide_secrets(text, [self._secret] if self._secret else [])


def _names(prefix: str, channels: set[str] | frozenset[str]) -> list[str]:
    return [prefix + channel for channel in sorted(channels)]


def _kind(reply: Any) -> bytes | None:
    if isinstance(reply, list) and reply and isinstance(reply[0], bytes):
        return reply[0]
    return None


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
