"""The `racine` command: db upgrade, token create, export-schema (real processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx


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
