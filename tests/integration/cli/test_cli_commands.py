"""The `racine` command: db upgrade, token create, export-schema (real processes)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from pg_admin import pg_admin
from sqlalchemy.engine import make_url

from racine.persistence.migrate import head_revision


def racine(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "racine.cli", *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_db_upgrade_then_token_create_then_serve(
    live_server_env: dict[str, str], tmp_path: Path, live_server_factory: Any
) -> None:
    # Given a migrated database
    upgraded = racine(["db", "upgrade"], live_server_env, tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    # (the test database is migrated already: it says there was nothing to do)
    head = head_revision()
    assert upgraded.stdout.strip() == f"database already at migration {head}: nothing to do"
    # When a token is issued for a new EDITOR from the shell
    issued = racine(
        ["token", "create", "--user", "carol", "--role", "EDITOR", "--name", "laptop"],
        live_server_env,
        tmp_path,
    )
    assert issued.returncode == 0, issued.stderr
    secret = issued.stdout.strip().splitlines()[-1]
    assert secret.startswith("rcn_")
    # An unknown user without --role is refused with one line
    refused = racine(["token", "create", "--user", "nobody"], live_server_env, tmp_path)
    assert refused.returncode == 1 and "pass --role" in refused.stderr

    # Then the server accepts it
    server = live_server_factory(live_server_env)
    body: dict[str, Any] = httpx.post(
        f"{server.http}/graphql",
        json={"query": "{ viewer { name role } }"},
        headers={"authorization": f"Bearer {secret}"},
        timeout=10,
    ).json()
    assert body["data"]["viewer"] == {"name": "carol", "role": "EDITOR"}
    server.stop()
    # And the token never reached the server's log
    assert secret not in server.log.read_text()


def test_export_schema_writes_the_sdl(tmp_path: Path) -> None:
    result = racine(["export-schema", "--output", str(tmp_path / "s.graphql")], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "type Query" in (tmp_path / "s.graphql").read_text()


CREATE_SOURCE = """mutation($url: String!) {
  createDataSource(input: {name: "shop", url: $url}) { errors { code } dataSource { id } } }"""
START_SCAN = """mutation($id: ID!) {
  startScan(input: {dataSourceId: $id}) { errors { code } scan { id } } }"""
SCAN_STATE = "query($id: ID!) { node(id: $id) { ... on Scan { state } } }"


def test_serve_stops_after_a_scan_with_nothing_on_its_output(
    live_server_env: dict[str, str], tmp_path: Path, live_server_factory: Any
) -> None:
    # Given a server that scanned a source (its CPU pool of workers started)
    shop = tmp_path / "shop.db"
    conn = sqlite3.connect(shop)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)")
    conn.executemany(
        "INSERT INTO customers (email) VALUES (?)", [(f"user{i}@example.org",) for i in range(50)]
    )
    conn.commit()
    conn.close()
    server = live_server_factory(live_server_env)
    headers = {"authorization": f"Bearer {live_server_env['RACINE_BOOTSTRAP_TOKEN']}"}

    def gql(query: str, variables: dict[str, Any]) -> Any:
        body = httpx.post(
            f"{server.http}/graphql",
            json={"query": query, "variables": variables},
            headers=headers,
            timeout=10,
        ).json()
        assert "errors" not in body, body
        return body["data"]

    source = gql(CREATE_SOURCE, {"url": f"sqlite:///{shop}"})["createDataSource"]["dataSource"]
    scan = gql(START_SCAN, {"id": source["id"]})["startScan"]["scan"]
    deadline = time.monotonic() + 60
    while (state := gql(SCAN_STATE, {"id": scan["id"]})["node"]["state"]) != "SUCCEEDED":
        assert state in ("QUEUED", "RUNNING") and time.monotonic() < deadline, state
        time.sleep(0.2)

    # When it is stopped with SIGTERM (and every process it started, which writes to
    # the same log, has ended: the resource tracker warns after the server is gone)
    server.stop()
    deadline = time.monotonic() + 15
    while _writers(server.log):
        assert time.monotonic() < deadline, _writers(server.log)
        time.sleep(0.1)

    # Then it ends as SIGTERM asks, with no traceback and no warning on its output (the
    # resource tracker's, of semaphores its worker pool left behind)
    assert server.proc is not None and server.proc.returncode == -signal.SIGTERM
    output = server.log.read_text()
    assert "shutdown complete" in output
    for unwanted in ("Traceback", "Warning", "leaked"):
        assert unwanted not in output, output[-2000:]


def _writers(path: Path) -> list[int]:
    """Processes holding ``path`` open."""
    found = []
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) == str(path) for fd in fd_dir.iterdir()):
                found.append(int(fd_dir.parent.name))
        except OSError:  # gone, or not ours to read
            continue
    return found


def test_a_missing_data_directory_is_created(tmp_path: Path) -> None:
    # Given a data directory that does not exist yet
    data = tmp_path / "new" / "racine"
    env = {"RACINE_DATA_DIR": str(data), "RACINE_DATABASE_URL": ""}
    # When the database is set up there, Then it is made with its parents
    made = racine(["db", "upgrade"], env, tmp_path)
    assert made.returncode == 0, made.stderr
    assert (data / "racine.db").is_file()
    # ...and the command says what it did
    assert made.stdout.strip() == f"database migrated from an empty database to {head_revision()}"


def test_a_data_directory_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    # Given a data directory below a regular file
    blocker = tmp_path / "file"
    blocker.write_text("")
    env = {"RACINE_DATA_DIR": str(blocker / "racine"), "RACINE_DATABASE_URL": ""}
    for command in (["serve"], ["db", "upgrade"]):
        # When a command needs it, Then it stops at once with one line naming it
        refused = racine(command, env, tmp_path)
        assert refused.returncode == 2, refused
        assert refused.stderr.splitlines() == [
            f"racine: cannot create {blocker / 'racine'} for the metadata database: Not a directory"
        ], refused.stderr


def test_production_refuses_a_database_that_is_not_migrated(
    tmp_path: Path, live_server_factory: Any
) -> None:
    postgres = os.environ.get("RACINE_TEST_POSTGRES_URL")
    if not postgres:
        pytest.skip("RACINE_TEST_POSTGRES_URL not set")
    # Given an empty PostgreSQL database, never migrated
    base = make_url(postgres)
    name = f"racine_unmigrated_{uuid.uuid4().hex[:8]}"
    admin = base.render_as_string(hide_password=False)
    asyncio.run(pg_admin(admin, f'CREATE DATABASE "{name}"'))
    env = {
        "RACINE_ENV": "production",
        "RACINE_DATABASE_URL": base.set(database=name).render_as_string(hide_password=False),
        "RACINE_SECRET_KEY": "test-secret-key-0123456789",
        "RACINE_REDIS_URL": os.environ.get("RACINE_TEST_REDIS_URL", ""),
        "RACINE_DATA_DIR": str(tmp_path),
    }
    try:
        # When a server and a worker start on it, Then each stops at once and says
        # what to run, with no traceback
        served = racine(["serve", "--port", "0"], env, tmp_path)
        assert served.returncode == 3, served.stderr[-2000:]
        worked = racine(["worker"], env, tmp_path)
        assert worked.returncode == 1, worked.stderr[-2000:]
        for output in (served.stderr, worked.stderr):
            assert "has no Racine schema" in output and "run `racine db upgrade`" in output
            assert "Traceback" not in output, output[-2000:]
        # And once migrated, the server starts
        assert racine(["db", "upgrade"], env, tmp_path).returncode == 0
        server = live_server_factory(env)
        assert httpx.get(f"{server.http}/readyz", timeout=10).json()["status"] == "ready"
        server.stop()
    finally:
        asyncio.run(pg_admin(admin, f'DROP DATABASE "{name}" WITH (FORCE)'))
