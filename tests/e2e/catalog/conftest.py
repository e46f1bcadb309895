"""Fixtures of the catalog end-to-end tests: source databases and a WebSocket client."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

SECRET = "test-secret-key-0123456789"  # the ``settings`` fixture's secret_key


@pytest.fixture(autouse=True)
def _scan_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    # Scan handlers read the platform secret from the environment, like ``racine worker``.
    monkeypatch.setenv("RACINE_SECRET_KEY", SECRET)


@pytest.fixture
def shop_sqlite(tmp_path: Path) -> Path:
    """A small SQLite source: customers with emails, orders, a view."""
    path = tmp_path / "shop.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL,
                                email_address TEXT, signup_date TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id),
                             total REAL, status TEXT);
        CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
        """
    )
    conn.executemany(
        "INSERT INTO customers VALUES (?, ?, ?, ?)",
        [
            (i, f"Person {i}", f"user{i}@example.org", f"2024-01-{i % 28 + 1:02d}")
            for i in range(1, 60)
        ],
    )
    conn.executemany(
        "INSERT INTO orders VALUES (?, ?, ?, ?)",
        [(i, i % 59 + 1, i * 3.5, "paid") for i in range(1, 80)],
    )
    conn.commit()
    conn.close()
    return path


class Subscriber:
    """One graphql-transport-ws connection over the ASGI app."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0

    async def start(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self.next_id += 1
        op = str(self.next_id)
        await self.ws.send_text(
            json.dumps(
                {
                    "id": op,
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables or {}},
                }
            )
        )
        return op

    async def receive(self, timeout: float = 60) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(
            await asyncio.wait_for(self.ws.receive_text(), timeout)
        )
        return message

    async def collect(self, op: str, until: Any, timeout: float = 90) -> list[dict[str, Any]]:
        """Payloads of ``next`` messages of ``op`` until ``until(payload)`` or completion."""
        got: list[dict[str, Any]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            message = await self.receive(max(0.1, deadline - loop.time()))
            if message.get("id") != op:
                continue
            if message["type"] == "complete":
                return got
            assert message["type"] == "next", message
            assert not message["payload"].get("errors"), message
            got.append(message["payload"]["data"])
            if until(message["payload"]["data"]):
                return got


@pytest.fixture
def subscribe(app: Any, admin_token: str) -> Any:
    @asynccontextmanager
    async def connect() -> AsyncIterator[Subscriber]:
        async with httpx.AsyncClient(
            transport=ASGIWebSocketTransport(app), base_url="http://racine.test"
        ) as client:
            async with aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[var-annotated]
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


# -- helpers of the catalog mutation, search and rule set tests ----------------------

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
mutation($id: ID!, $rules: ID) {
  startScan(input: {dataSourceId: $id, ruleSetId: $rules}) {
    errors { code field message } scan { id }
  }
}
"""
_SCAN_STATE = """
query($id: ID!) {
  node(id: $id) { ... on Scan { state reason tablesTotal tablesDone errors { table reason } } }
}
"""
_TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")


@pytest.fixture
def user_with_role(gql: Any) -> Any:
    """``await user_with_role("VIEWER")`` → ``(user_id, token)`` of a new user."""

    async def make(role: str) -> tuple[str, str]:
        name = f"{role.lower()}_{uuid.uuid4().hex[:6]}"
        user = (await gql.ok(_CREATE_USER, {"name": name, "role": role}))["createUser"]
        assert user["errors"] == [], user
        user_id = user["user"]["id"]
        issued = (await gql.ok(_CREATE_TOKEN, {"name": name, "user": user_id}))["createApiToken"]
        assert issued["errors"] == [], issued
        return user_id, issued["secret"]

    return make


@pytest.fixture
def scan_and_wait(gql: Any) -> Any:
    """``await scan_and_wait(source_id, rule_set_id=None)`` → the finished scan."""

    async def run(source_id: str, rule_set_id: str | None = None) -> dict[str, Any]:
        started = (await gql.ok(_START_SCAN, {"id": source_id, "rules": rule_set_id}))["startScan"]
        assert started["errors"] == [], started
        scan_id = started["scan"]["id"]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while loop.time() < deadline:
            scan: dict[str, Any] = (await gql.ok(_SCAN_STATE, {"id": scan_id}))["node"]
            if scan["state"] in _TERMINAL:
                return {"id": scan_id, **scan}
            await asyncio.sleep(0.1)
        raise AssertionError(f"scan {scan_id} did not finish")

    return run


@pytest.fixture
def tables_sqlite(tmp_path: Path) -> Path:
    """A tiny SQLite source whose table names exercise rule set globs."""
    path = tmp_path / "globs.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT);
        CREATE TABLE customers_archive (id INTEGER PRIMARY KEY, email TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL);
        CREATE TABLE products (id INTEGER PRIMARY KEY, label TEXT);
        INSERT INTO customers VALUES (1, 'a@example.org'), (2, 'b@example.org');
        INSERT INTO orders VALUES (1, 3.5);
        """
    )
    conn.commit()
    conn.close()
    return path
