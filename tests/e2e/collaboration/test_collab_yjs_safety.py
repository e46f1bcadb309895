"""Hostile or broken ``/yjs`` clients are refused cleanly; the document and others are fine;
two server processes sharing PostgreSQL and Redis converge."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import pytest
import websockets
from pycrdt import Doc, Text, create_update_message
from test_collab_yjs_live import DOC, node, post, setup  # type: ignore[import-not-found]

pytestmark = pytest.mark.slow


async def close_code(url: str, payload: bytes | None) -> int:
    """Connect, read the greeting, send ``payload``, and return the close code."""
    async with websockets.connect(url, max_size=None, open_timeout=10) as ws:
        try:
            if payload is not None:
                await ws.recv()  # sync step 1 from the server
                # Frames are not compressed: the server may close while a large one is
                # still being sent (it refuses it by its header), so the send may fail.
                await ws.send(payload)
            async with asyncio.timeout(10):
                while True:
                    await ws.recv()
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None
            return int(closed.rcvd.code)
    raise AssertionError("not closed")


async def test_bad_clients_are_refused_and_the_document_is_unaffected(
    live_server, admin_token: str
) -> None:
    _ws, doc, tokens = await asyncio.to_thread(setup, live_server, admin_token, {"eve": "EDITOR"})
    url = f"{live_server.ws}/yjs/{doc}?token={tokens['eve']}"
    before = (await asyncio.to_thread(post, live_server, admin_token, DOC, {"id": doc}))["node"]

    local: Doc = Doc()
    local.apply_update(base64.b64decode(before["state"]))
    sv = local.get_state()
    text = local.get("content", type=Text)
    text += "ok"
    good = local.get_update(sv)

    cases = {
        "garbage": b"\x00\x02\x0fnot a yjs update",
        "truncated": create_update_message(good)[:-4],
        "truncated update inside a whole frame": create_update_message(good[:-3]),
        "overflowing varint": b"\x00\x02" + b"\xff" * 20,
        "unknown type": b"\x09\x00",
    }
    for name, payload in cases.items():
        assert await close_code(url, payload) == 1007, name
    # Over the 1 MiB cap: 1009. A 50 MB frame is refused by the transport limit, also 1009.
    assert await close_code(url, b"\x00\x02" + b"\x00" * (2 * 1024 * 1024)) == 1009
    assert await close_code(url, b"\x00" * (50 * 1024 * 1024)) == 1009
    # A bad token: 4401; a document in a workspace the caller cannot see: 4404.
    assert await close_code(f"{live_server.ws}/yjs/{doc}?token=nope", None) == 4401
    outsider_doc = (await asyncio.to_thread(setup, live_server, admin_token, {}))[1]
    assert (
        await close_code(f"{live_server.ws}/yjs/{outsider_doc}?token={tokens['eve']}", None) == 4404
    )

    # A client that disconnects mid-sync (before answering step 1) leaves nothing behind.
    async with websockets.connect(url, open_timeout=10) as ws:
        await ws.recv()
    # Then the document is unchanged, and a well-behaved update still goes through.
    async with websockets.connect(url, open_timeout=10) as ws:
        await ws.recv()
        await ws.send(create_update_message(good))
        await asyncio.sleep(0.5)
    after = (await asyncio.to_thread(post, live_server, admin_token, DOC, {"id": doc}))["node"]
    assert after["text"] == before["text"] + "ok"


async def test_two_processes_relay_updates_over_the_bus(
    dialect: str,
    redis_url: str | None,
    live_server_env: dict[str, str],
    tmp_path: Path,
    admin_token: str,
    node_client: Path,
    live_server: Any,
) -> None:
    if dialect != "postgresql" or redis_url is None:
        pytest.skip("two processes need the shared PostgreSQL and Redis")
    first = live_server  # a second `racine serve` on the same database and Redis:
    second = type(live_server)(live_server_env, tmp_path).start()
    try:
        _ws, doc, tokens = await asyncio.to_thread(
            setup, first, admin_token, {"ann": "EDITOR", "ben": "EDITOR"}
        )
        lines = ["ann on one\n", "ben on two\n"]
        a, b = await asyncio.gather(
            node(node_client, first, doc, tokens["ann"], insert=lines[0], expect=lines),
            node(node_client, second, doc, tokens["ben"], insert=lines[1], expect=lines),
        )
        assert a["ok"] and b["ok"], (a, b)
        assert a["text"] == b["text"]
        # The searchable projection converges too (each process refreshes it after merging).
        for server in (first, second):
            for _ in range(50):
                node_ = await asyncio.to_thread(post, server, admin_token, DOC, {"id": doc})
                if node_["node"]["text"] == a["text"]:
                    break
                await asyncio.sleep(0.1)
            assert node_["node"]["text"] == a["text"]
    finally:
        first.stop()
        second.stop()
