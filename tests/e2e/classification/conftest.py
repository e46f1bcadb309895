"""Fixtures of the classification end-to-end tests: users by role, the demo shop
scanned once per test, scans run to the end, and a catalogChanges subscriber."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

SECRET = "test-secret-key-0123456789"  # the ``settings`` fixture's secret_key

_CREATE_USER = """
mutation($name: String!, $role: Role!) {
  createUser(input: {name: $name, role: $role}) { errors { code message } user { id } }
}
"""
_CREATE_TOKEN = """
mutation($name: String!, $user: ID!) {
  createApiToken(input: {name: $name, userId: $user}) { errors { code message } secret }
}
"""
_START_SCAN = """
mutation($id: ID!) {
  startScan(input: {dataSourceId: $id}) { errors { code field message } scan { id } }
}
"""
_SCAN = "query($id: ID!) { node(id: $id) { ... on Scan { state reason tablesDone } } }"
_SCANS = "{ scans(first: 1) { edges { node { id state tablesDone requestedBy { id } } } } }"
_SOURCES = "{ dataSources { edges { node { id name } } } }"
_TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")


@pytest.fixture(autouse=True)
def _scan_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    # Scan handlers read the platform secret from the environment, like ``racine worker``.
    monkeypatch.setenv("RACINE_SECRET_KEY", SECRET)


@pytest.fixture
def user_with_role(gql: Any) -> Any:
    """``await user_with_role("STEWARD")`` → ``(user_id, token)`` of a new user."""

    async def make(role: str) -> tuple[str, str]:
        name = f"{role.lower()}_{uuid.uuid4().hex[:6]}"
        user = (await gql.ok(_CREATE_USER, {"name": name, "role": role}))["createUser"]
        assert user["errors"] == [], user
        issued = await gql.ok(_CREATE_TOKEN, {"name": name, "user": user["user"]["id"]})
        assert issued["createApiToken"]["errors"] == [], issued
        return user["user"]["id"], issued["createApiToken"]["secret"]

    return make


async def _wait(gql: Any, scan_id: str) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 180
    while loop.time() < deadline:
        scan: dict[str, Any] = (await gql.ok(_SCAN, {"id": scan_id}))["node"]
        if scan["state"] in _TERMINAL:
            return scan
        await asyncio.sleep(0.2)
    raise AssertionError(f"scan {scan_id} did not finish")


@pytest.fixture
def rescan(gql: Any) -> Any:
    """``await rescan(source_id)``: start a scan and wait for it to succeed."""

    async def run(source_id: str) -> None:
        started = (await gql.ok(_START_SCAN, {"id": source_id}))["startScan"]
        assert started["errors"] == [], started
        scan = await _wait(gql, started["scan"]["id"])
        assert scan["state"] == "SUCCEEDED", scan

    return run


@pytest.fixture
async def demo(app: Any, gql: Any) -> str:
    """The demo shop (``racine.demo.install_demo``), registered and scanned: its id."""
    from racine.demo import install_demo

    await install_demo(app.state.runtime)
    sources = (await gql.ok(_SOURCES))["dataSources"]["edges"]
    source_id: str = next(e["node"]["id"] for e in sources if e["node"]["name"] == "demo-shop")
    for _ in range(100):
        edges = (await gql.ok(_SCANS))["scans"]["edges"]
        if edges:
            break
        await asyncio.sleep(0.1)
    scan = await _wait(gql, edges[0]["node"]["id"])
    assert scan["state"] == "SUCCEEDED" and scan["tablesDone"] == 6, scan
    assert edges[0]["node"]["requestedBy"] is None  # Racine started it, not a user
    return source_id


class Subscriber:
    """One graphql-transport-ws connection over the ASGI app."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    async def start(self, query: str, op: str = "1") -> str:
        await self.ws.send_text(
            json.dumps(
                {"id": op, "type": "subscribe", "payload": {"query": query, "variables": {}}}
            )
        )
        return op

    async def next_matching(self, op: str, match: Any, timeout: float = 30) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            raw = await asyncio.wait_for(self.ws.receive_text(), max(0.1, deadline - loop.time()))
            message = json.loads(raw)
            if message.get("id") != op or message["type"] != "next":
                continue
            assert not message["payload"].get("errors"), message
            data: dict[str, Any] = message["payload"]["data"]
            if match(data):
                return data


@pytest.fixture
def subscribe(app: Any, admin_token: str) -> Any:
    @asynccontextmanager
    async def connect() -> AsyncIterator[Subscriber]:
        async with httpx.AsyncClient(
            transport=ASGIWebSocketTransport(app), base_url="http://racine.test"
        ) as client:
            connection: Any = aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"])
            async with connection as ws:
                await ws.send_text(
                    json.dumps(
                        {
                            "type": "connection_init",
                            "payload": {"authorization": f"Bearer {admin_token}"},
                        }
                    )
                )
                ack = json.loads(await asyncio.wait_for(ws.receive_text(), 10))
                assert ack["type"] == "connection_ack", ack
                yield Subscriber(ws)

    return connect
