"""Shared fixtures.

Integration and end-to-end tests run on both metadata databases (``dialect``:
sqlite, postgresql) and both event buses (``bus_kind``: memory, redis), paired as
the two deployments we ship: ``embedded`` (SQLite + memory) and ``production``
(PostgreSQL + Redis).
PostgreSQL and Redis come from ``RACINE_TEST_POSTGRES_URL`` and
``RACINE_TEST_REDIS_URL``; without them those variants are skipped (CI sets both).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from pg_admin import pg_admin

POSTGRES_URL = os.environ.get("RACINE_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("RACINE_TEST_REDIS_URL")
ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("RACINE_TEST_REQUIRE_SERVICES") == "1"
# Test processes running at once (pytest-xdist) share one Redis: each names its
# channels apart, as two deployments would (servers started by a test inherit it).
os.environ.setdefault(
    "RACINE_REDIS_CHANNEL_PREFIX", f"racine-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}:"
)


def skip_or_fail(reason: str) -> None:
    """CI sets RACINE_TEST_REQUIRE_SERVICES=1: a missing service is a failure there."""
    if REQUIRE_SERVICES:
        pytest.fail(reason)
    pytest.skip(reason)


# -- databases ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test copies it (far faster than migrating)."""
    from racine.persistence.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "racine.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped after."""
    if not POSTGRES_URL:
        skip_or_fail("RACINE_TEST_POSTGRES_URL not set")
    from sqlalchemy.engine import make_url

    from racine.persistence.migrate import upgrade

    base = make_url(POSTGRES_URL)
    name = f"racine_test_{secrets.token_hex(4)}"
    asyncio.run(pg_admin(base.render_as_string(hide_password=False), f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    asyncio.run(
        pg_admin(base.render_as_string(hide_password=False), f'DROP DATABASE "{name}" WITH (FORCE)')
    )


async def _truncate_all(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from racine.persistence.tables import Base

    engine = create_async_engine(url)
    async with engine.begin() as conn:
        existing = set(
            (
                await conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            )
            .scalars()
            .all()
        )
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name in existing)
        if names:
            await conn.execute(text(f"TRUNCATE {names} CASCADE"))
    await engine.dispose()


# Each integration test runs twice: embedded (SQLite + in-memory bus) and production
# (PostgreSQL + Redis). Every test thus covers both databases and both buses; the
# mixed pairs add run time, not coverage of our code.
BACKENDS = {"embedded": ("sqlite", "memory"), "production": ("postgresql", "redis")}


@pytest.fixture(params=list(BACKENDS))
def backend(request: pytest.FixtureRequest) -> tuple[str, str]:
    return BACKENDS[str(request.param)]


@pytest.fixture
def dialect(backend: tuple[str, str]) -> str:
    return backend[0]


@pytest.fixture
def database_url(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if dialect == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "racine.db"
        shutil.copy(template, target)
        return f"sqlite+aiosqlite:///{target}"
    url: str = request.getfixturevalue("postgres_database")
    asyncio.run(_truncate_all(url))
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Any]:
    """A ``Database`` on the test's metadata database, for repository-level tests."""
    from racine.persistence.database import Database

    database = Database(database_url)
    yield database
    await database.dispose()


# -- event bus ---------------------------------------------------------------------


@pytest.fixture
def bus_kind(backend: tuple[str, str]) -> str:
    if backend[1] == "redis" and not REDIS_URL:
        skip_or_fail("RACINE_TEST_REDIS_URL not set")
    return backend[1]


@pytest.fixture
def redis_url(bus_kind: str) -> str | None:
    return REDIS_URL if bus_kind == "redis" else None


# -- the app -----------------------------------------------------------------------


@pytest.fixture
def admin_token() -> str:
    return "rcn_" + secrets.token_urlsafe(32)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Tests override settings by redefining this fixture."""
    return {}


@pytest.fixture
def settings(
    database_url: str,
    redis_url: str | None,
    tmp_path: Path,
    admin_token: str,
    settings_overrides: dict[str, Any],
) -> Any:
    from racine.config import Settings

    values: dict[str, Any] = {
        "database_url": database_url,
        "redis_url": redis_url,
        "data_dir": tmp_path,
        "bootstrap_token": admin_token,
        "secret_key": "test-secret-key-0123456789",
        "log_json": False,
    }
    values.update(settings_overrides)
    return Settings(**values)


@pytest.fixture
async def app(settings: Any) -> AsyncIterator[Any]:
    from racine.app import create_app

    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=60, shutdown_timeout=60):
        yield application


@pytest.fixture
async def client(app: Any, admin_token: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://racine.test",
        headers={"authorization": f"Bearer {admin_token}"},
        timeout=30,
    ) as c:
        yield c


class GraphQLClient:
    """POSTs operations; returns the decoded body (asserting HTTP 200 unless told)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        status: int = 200,
    ) -> dict[str, Any]:
        headers = {} if token is None else {"authorization": f"Bearer {token}"}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body

    async def ok(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
        body = await self(query, variables, **kw)
        assert not body.get("errors"), body
        return body["data"]


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client)


_IN_REQUEST: contextvars.ContextVar[bool] = contextvars.ContextVar("in_request", default=False)


@pytest.fixture
def request_statements(app: Any) -> Any:
    """``with request_statements() as statements:`` collects the SQL statements run on
    behalf of the requests made inside the block. Background jobs (queue polling,
    schedules) share the engine; the context variable flows into the resolvers only."""
    from sqlalchemy import event

    engine = app.state.runtime.db.engine.sync_engine

    @contextlib.contextmanager
    def collect() -> Iterator[list[str]]:
        statements: list[str] = []

        def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if _IN_REQUEST.get():
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", on_execute)
        token = _IN_REQUEST.set(True)
        try:
            yield statements
        finally:
            _IN_REQUEST.reset(token)
            event.remove(engine, "before_cursor_execute", on_execute)

    return collect


# -- sources that misbehave ----------------------------------------------------------


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A local TCP server that accepts connections and never writes a byte."""
    writers: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        while await reader.read(4096):  # swallow whatever the client sends, answer nothing
            pass

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in writers:
        writer.close()
    server.close()
    await server.wait_closed()


# -- live servers (for WebSocket behaviour) ----------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """``racine serve`` in a subprocess on 127.0.0.1, with its own environment."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.env = env
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = cwd / f"server-{self.port}.log"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        env = {**os.environ, **self.env}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "racine.cli", "serve", "--port", str(self.port)],
            cwd=self.cwd,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.http}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def live_server_env(
    database_url: str, redis_url: str | None, tmp_path: Path, admin_token: str
) -> dict[str, str]:
    env = {
        "RACINE_DATABASE_URL": database_url,
        "RACINE_DATA_DIR": str(tmp_path),
        "RACINE_BOOTSTRAP_TOKEN": admin_token,
        "RACINE_SECRET_KEY": "test-secret-key-0123456789",
        "RACINE_LOG_JSON": "true",
        "RACINE_REDIS_URL": redis_url or "",
    }
    return env


@pytest.fixture
def live_server_factory(tmp_path: Path) -> Iterator[Any]:
    """Start servers on demand (``factory(env)``); all are stopped after the test."""
    started: list[LiveServer] = []

    def start(env: dict[str, str]) -> LiveServer:
        server = LiveServer(env, tmp_path).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def live_server(live_server_env: dict[str, str], tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(live_server_env, tmp_path).start()
    yield server
    server.stop()


def unique(prefix: str = "t") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


class PrivateRedis:
    """A redis-server of our own on a free port, so a test may kill and restart it."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        binary = shutil.which("redis-server")
        if binary is None:
            skip_or_fail("redis-server not installed")
        self.proc = subprocess.Popen(
            [
                str(binary),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(tmp_path).start()
    yield redis
    redis.kill()
