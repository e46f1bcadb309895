"""Fixtures of the compliance integration tests: a unit of work over both metadata
databases, a small catalog written through the catalog repository, a registered
SQLite source database, and a local HTTP server for webhooks."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from racine.domain.access.model import Principal, Role, User
from racine.domain.catalog.model import Asset, AssetKind, ColumnClassification
from racine.domain.events import Event
from racine.domain.incidents.destinations import DestinationPolicy
from racine.domain.scanning.credentials import CredentialCipher
from racine.domain.scanning.sources import SaveDataSource, create_data_source
from racine.persistence.database import Database
from racine.persistence.unit_of_work import SqlUnitOfWork
from racine.realtime import build_bus

SECRET = "test-secret-key-0123456789"
# The local webhook receiver listens on loopback, which webhooks may only reach
# when the operator allows it (RACINE_WEBHOOK_ALLOWED_NETWORKS).
LOOPBACK_ALLOWED = ("127.0.0.0/8", "::1/128")


class RecordingBus:
    """The memory bus, remembering what was published (to assert on alerts)."""

    def __init__(self) -> None:
        self.inner = build_bus(None)
        self.events: list[Event] = []

    async def publish(self, event: Event) -> None:
        self.events.append(event)
        await self.inner.publish(event)

    def subscribe(self, channels: Any) -> Any:
        return self.inner.subscribe(channels)

    async def start(self) -> None:
        await self.inner.start()

    async def stop(self) -> None:
        await self.inner.stop()

    async def ping(self) -> bool:
        return True


@dataclass
class Env:
    db: Database
    bus: RecordingBus
    admin: Principal
    cipher: CredentialCipher = field(default_factory=lambda: CredentialCipher(SECRET))
    destinations: DestinationPolicy = field(
        default_factory=lambda: DestinationPolicy(LOOPBACK_ALLOWED)
    )

    def uow(self) -> Any:
        return SqlUnitOfWork(self.db, self.bus)  # type: ignore[arg-type]


@pytest.fixture
async def env(database_url: str) -> AsyncIterator[Env]:
    db = Database(database_url)
    bus = RecordingBus()
    admin = User(name=f"admin_{uuid.uuid4().hex[:6]}", role=Role.ADMIN)
    e = Env(db, bus, Principal(admin.id, admin.name, Role.ADMIN))
    async with e.uow() as uow:
        await uow.users.add(admin)
        await uow.commit()
    yield e
    await db.dispose()


@dataclass
class Shop:
    source_id: uuid.UUID
    ids: dict[str, uuid.UUID]


async def add_assets(
    env: Env,
    source_id: uuid.UUID,
    source_name: str,
    tables: dict[str, dict[str, tuple[str, list[str]]]],
    table_props: dict[str, dict[str, Any]] | None = None,
) -> dict[str, uuid.UUID]:
    """``tables``: table → column → (data type, classification type keys)."""
    ids: dict[str, uuid.UUID] = {}
    schema = Asset(AssetKind.SCHEMA, "main", f"{source_name}.main", source_id, parent_id=source_id)
    assets = [schema]
    labels: list[tuple[uuid.UUID, list[str]]] = []
    for tname, columns in tables.items():
        table = Asset(
            AssetKind.TABLE,
            tname,
            f"{schema.qualified_name}.{tname}",
            source_id,
            parent_id=schema.id,
            properties=(table_props or {}).get(tname, {}),
        )
        assets.append(table)
        ids[tname] = table.id
        for pos, (cname, (dtype, keys)) in enumerate(columns.items()):
            col = Asset(
                AssetKind.COLUMN,
                cname,
                f"{table.qualified_name}.{cname}",
                source_id,
                parent_id=table.id,
                position=pos,
                detail={"dataType": dtype, "nullable": True},
            )
            assets.append(col)
            ids[f"{tname}.{cname}"] = col.id
            if keys:
                labels.append((col.id, keys))
    async with env.uow() as uow:
        await uow.catalog.save_many(assets, [])
        for asset_id, keys in labels:
            await uow.catalog.replace_classifications(
                asset_id,
                [ColumnClassification(asset_id, k, "CONFIRMED", "RULE", 0.99) for k in keys],
            )
        await uow.commit()
    return ids


@pytest.fixture
def catalog_builder() -> Any:
    """``add_assets(env, source_id, source_name, tables, table_props)``."""
    return add_assets


@pytest.fixture
def shop_db(tmp_path: Path) -> Path:
    """A SQLite source: payments with card numbers, employees with null emails."""
    path = tmp_path / "source-shop.db"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE payments (id INTEGER PRIMARY KEY, card_number TEXT, amount REAL,
                               status TEXT, paid_at TEXT);
        CREATE TABLE employees (id INTEGER PRIMARY KEY, email TEXT, code TEXT);
    """)
    conn.executemany(
        "INSERT INTO payments VALUES (?,?,?,?,?)",
        [
            (
                i,
                f"4111111111111{i:03d}",
                i * 10.0,
                "paid" if i % 7 else "weird",
                "2020-01-01T00:00:00" if i < 50 else "2099-01-01T00:00:00",
            )
            for i in range(1, 61)
        ],
    )
    conn.executemany(
        "INSERT INTO employees VALUES (?,?,?)",
        [
            (i, None if i % 4 == 0 else f"e{i}@shop.example", "a" * 25 + ("!" if i == 3 else "a"))
            for i in range(1, 21)
        ],
    )
    conn.commit()
    conn.close()
    return path


@pytest.fixture
async def shop(env: Env, shop_db: Path) -> Shop:
    source = await create_data_source(
        env.uow(),
        env.admin,
        env.cipher,
        SaveDataSource(name=f"shop{uuid.uuid4().hex[:6]}", url=f"sqlite:///{shop_db}"),
    )
    ids = await add_assets(
        env,
        source.id,
        source.name,
        {
            "payments": {
                "id": ("INTEGER", []),
                "card_number": ("TEXT", ["CREDIT_CARD"]),
                "amount": ("REAL", []),
                "status": ("TEXT", []),
                "paid_at": ("TEXT", []),
            },
            "employees": {
                "id": ("INTEGER", []),
                "email": ("TEXT", ["EMAIL"]),
                "code": ("TEXT", []),
            },
        },
    )
    return Shop(source.id, ids)


# -- a local webhook receiver ------------------------------------------------------------


@dataclass
class Receiver:
    url: str
    hits: list[tuple[str, dict[str, str], bytes]]
    release: threading.Event
    server: ThreadingHTTPServer


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """``/ok`` answers 204, ``/fail`` 500, ``/hang`` waits (until the test ends)."""
    hits: list[tuple[str, dict[str, str], bytes]] = []
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            hits.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if self.path == "/hang":
                release.wait(30)
            self.send_response({"/ok": 204, "/hang": 204}.get(self.path, 500))
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    # a short poll interval: shutdown() waits for it (0.5 s by default, per test)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield Receiver(f"http://127.0.0.1:{server.server_address[1]}", hits, release, server)
    release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_loop_block() -> Any:
    """Measures the longest event-loop stall while a coroutine runs."""

    async def measure(coro: Any) -> tuple[Any, float]:
        worst = 0.0
        done = False

        async def tick() -> None:
            nonlocal worst
            loop = asyncio.get_running_loop()
            while not done:
                before = loop.time()
                await asyncio.sleep(0.01)
                worst = max(worst, loop.time() - before - 0.01)

        ticker = asyncio.create_task(tick())
        try:
            result = await coro
        finally:
            done = True
            await ticker
        return result, worst

    return measure
