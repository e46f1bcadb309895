"""``/yjs`` protects the server from its clients: a client that never reads is dropped
(1013) with bounded memory, a client over its message rate is closed (1008), and
connections that vanish without a close handshake leave nothing behind.

Each test runs a real ``racine serve`` with small ``RACINE_COLLAB_*`` limits.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from pycrdt import Doc, Text, create_update_message
from test_collab_yjs_live import setup

pytestmark = pytest.mark.slow

QUERY_AWARENESS = b"\x03"
GAUGE = re.compile(r'^racine_websocket_connections\{endpoint="yjs"\} (\S+)$', re.M)


def limited(factory: Any, env: dict[str, str], **limits: object) -> Any:
    """A live server with small ``RACINE_COLLAB_*`` limits."""
    return factory({**env, **{f"RACINE_COLLAB_{k.upper()}": str(v) for k, v in limits.items()}})


def yjs_connections(server: Any) -> float:
    body = httpx.get(f"{server.http}/metrics", timeout=10).text
    found = GAUGE.search(body)
    return 0.0 if found is None else float(found.group(1))


async def wait_for_connections(server: Any, expected: float, seconds: float = 15) -> float:
    value = -1.0
    for _ in range(int(seconds * 10)):
        value = await asyncio.to_thread(yjs_connections, server)
        if value == expected:
            return value
        await asyncio.sleep(0.1)
    return value


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def close_code(ws: Any, seconds: float = 20) -> int:
    """Read until the server closes; its close code."""
    try:
        async with asyncio.timeout(seconds):
            while True:
                await ws.recv()
    except websockets.ConnectionClosed as closed:
        assert closed.rcvd is not None, "closed without a close frame"
        return int(closed.rcvd.code)


async def test_a_client_over_its_message_rate_is_closed_with_1008(
    live_server_factory: Any, live_server_env: dict[str, str], admin_token: str
) -> None:
    limited_server = limited(live_server_factory, live_server_env, rate_per_second=5, rate_burst=10)
    _ws, doc, _ = await asyncio.to_thread(setup, limited_server, admin_token, {})
    url = f"{limited_server.ws}/yjs/{doc}?token={admin_token}"
    async with (
        websockets.connect(url, open_timeout=10) as polite,
        websockets.connect(url, open_timeout=10) as flooder,
    ):
        # Given one client within its rate (5/s, bursts of 10) and one far above it.
        for _ in range(8):
            await polite.send(QUERY_AWARENESS)
        for _ in range(100):
            await flooder.send(QUERY_AWARENESS)
        # Then the flooder is closed with 1008 and the polite client stays connected.
        assert await close_code(flooder) == 1008
        await asyncio.sleep(0.5)
        await polite.send(QUERY_AWARENESS)
        await polite.ping()
        assert polite.close_code is None


class RawReader:
    """A WebSocket client on a bare socket, so nothing reads unless the test does."""

    def __init__(self, stream: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stream, self.writer = stream, writer

    @classmethod
    async def connect(cls, port: int, path: str) -> RawReader:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        stream, writer = await asyncio.open_connection(sock=sock, limit=1 << 20)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = await asyncio.wait_for(stream.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 101"), head
        return cls(stream, writer)

    async def close_code(self, seconds: float = 30) -> int:
        """Read frames (server frames are unmasked) until a close frame; its code."""
        async with asyncio.timeout(seconds):
            while True:
                first, second = await self.stream.readexactly(2)
                length = second & 0x7F
                if length == 126:
                    length = int.from_bytes(await self.stream.readexactly(2), "big")
                elif length == 127:
                    length = int.from_bytes(await self.stream.readexactly(8), "big")
                payload = await self.stream.readexactly(length)
                if first & 0x0F == 0x8:
                    self.writer.close()
                    return int.from_bytes(payload[:2], "big")


def _edits(count: int, size: int) -> Iterator[bytes]:
    """Alternately insert ``size`` characters and delete them: big updates, a small doc."""
    local: Doc = Doc()
    text = local.get("content", type=Text)
    for i in range(count):
        before = local.get_state()
        if i % 2 == 0:
            text += "x" * size
        else:
            del text[0 : len(text)]
        yield local.get_update(before)


async def test_a_client_that_never_reads_is_dropped_with_1013_and_memory_stays_bounded(
    live_server_factory: Any, live_server_env: dict[str, str], admin_token: str
) -> None:
    limited_server = limited(
        live_server_factory,
        live_server_env,
        send_queue=8,
        send_queue_bytes=256 * 1024,
        rate_per_second=5000,
        rate_burst=10000,
    )
    _ws, doc, _ = await asyncio.to_thread(setup, limited_server, admin_token, {})
    url = f"{limited_server.ws}/yjs/{doc}?token={admin_token}"
    assert limited_server.proc is not None
    pid = limited_server.proc.pid
    async with websockets.connect(url, open_timeout=10, max_size=None) as editor:
        await editor.recv()  # sync step 1

        async def push() -> float:
            """384 MiB of inserts (6144 x 64 KiB, each deleted by the next update, so the
            document stays small); the server's peak RSS meanwhile."""
            peak = rss_mb(pid)
            for i, update in enumerate(_edits(12288, 64 * 1024)):
                await editor.send(create_update_message(update))
                if i % 20 == 0:
                    peak = max(peak, rss_mb(pid))
            return peak

        # Given the server's memory peak for that load with no one else in the room.
        alone = await push()
        # And a reader that completes the handshake and then reads nothing at all, with
        # a tiny receive buffer so TCP pushes back on the server at once.
        reader = await RawReader.connect(limited_server.port, f"/yjs/{doc}?token={admin_token}")
        # When the same load arrives: far more than the reader's queue (8 messages,
        # 256 KiB) and the sockets' buffers hold.
        with_reader = await push()
        # Then the reader, reading again, finds its backlog cut short by a 1013 close...
        assert await reader.close_code() == 1013
        # ... the server forgot it but not the editor...
        assert await wait_for_connections(limited_server, 1.0) == 1.0
        assert editor.close_code is None
        # ... and never held the reader's backlog. The load is large so the two outcomes
        # lie far apart: an unbounded queue adds about the load here (+235 MiB measured
        # when it was 192 MiB), while the peaks of transient buffers differ from run to
        # run by up to ~40 MiB mostly, but +109 MiB and +146 MiB were seen (the second on
        # a quiet machine, failing the bound of 150 the test had at half this load):
        # the bound sits between, ~100 MiB from each.
        assert with_reader - alone < 250, (alone, with_reader)


async def test_abrupt_disconnects_leave_no_connection_behind(
    live_server_factory: Any, live_server_env: dict[str, str], admin_token: str
) -> None:
    limited_server = limited(live_server_factory, live_server_env, idle_close_s=1)
    _ws, doc, _ = await asyncio.to_thread(setup, limited_server, admin_token, {})
    url = f"{limited_server.ws}/yjs/{doc}?token={admin_token}"
    local: Doc = Doc()
    text = local.get("content", type=Text)
    # Given ten connections in the middle of a sync, of an edit, or idle...
    sockets = [await websockets.connect(url, open_timeout=10) for _ in range(10)]
    assert await wait_for_connections(limited_server, 10.0) == 10.0
    for i, ws in enumerate(sockets):
        await ws.recv()
        if i % 2 == 0:
            before = local.get_state()
            text += f"{i}"
            await ws.send(create_update_message(local.get_update(before)))
    # When each vanishes without a close handshake (the TCP connection is just dropped).
    for ws in sockets:
        ws.transport.abort()
    # Then the server forgets every one of them.
    assert await wait_for_connections(limited_server, 0.0) == 0.0
    # And the document still works for a newcomer.
    async with websockets.connect(url, open_timeout=10) as ws:
        await ws.recv()
        await ws.send(QUERY_AWARENESS)
        await ws.ping()


async def test_frames_are_not_compressed(live_server: Any, admin_token: str) -> None:
    # Given a client that offers permessage-deflate (websockets does by default).
    _ws, doc, _ = await asyncio.to_thread(setup, live_server, admin_token, {})
    url = f"{live_server.ws}/yjs/{doc}?token={admin_token}"
    async with websockets.connect(url, open_timeout=10) as ws:
        # Then the server declines it: compression dominated co-editing latency
        # (bench/crdt), and without it a client that stops reading still stalls its
        # own sender and is dropped (1013) with bounded memory (the test above).
        assert ws.response is not None
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
        await ws.recv()  # and the session works: sync step 1
