"""Fixtures of the collaboration end-to-end tests: users with tokens, the Node client."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

JS_DIR = Path(__file__).resolve().parent / "js"

CREATE_USER = """
mutation($name: String!, $role: Role!) {
  createUser(input: {name: $name, role: $role}) { errors { code message } user { id name } }
}
"""
CREATE_TOKEN = """
mutation($user: ID!) {
  createApiToken(input: {name: "t", userId: $user}) { errors { code message } secret }
}
"""
CREATE_WORKSPACE = """
mutation($name: String!) {
  createWorkspace(input: {name: $name}) { errors { code field message } workspace { id name } }
}
"""
INVITE = """
mutation($ws: ID!, $user: String!, $role: WorkspaceRole!) {
  inviteWorkspaceMember(input: {workspaceId: $ws, userName: $user, role: $role}) {
    errors { code field message } invitation { id state role userName }
  }
}
"""
ACCEPT = """
mutation($id: ID!) {
  acceptInvitation(input: {id: $id}) { errors { code message } member { userName role } }
}
"""
CREATE_DOCUMENT = """
mutation($input: CreateDocumentInput!) {
  createDocument(input: $input) {
    errors { code field message } document { id title format text isArticle assetIds }
  }
}
"""

MakeUser = Callable[..., Awaitable[str]]


@pytest.fixture
def make_user(gql: Any) -> MakeUser:
    """Create a user (global role) and return a token for it."""

    async def make(name: str, role: str = "EDITOR") -> str:
        created = (await gql.ok(CREATE_USER, {"name": name, "role": role}))["createUser"]
        assert created["errors"] == [], created
        token = (await gql.ok(CREATE_TOKEN, {"user": created["user"]["id"]}))["createApiToken"]
        assert token["errors"] == [], token
        return str(token["secret"])

    return make


@pytest.fixture
def join(gql: Any) -> Callable[..., Awaitable[None]]:
    """The admin invites ``user`` into ``ws`` with ``role``; the user accepts."""

    async def run(ws: str, user: str, token: str, role: str) -> None:
        invited = await gql.ok(INVITE, {"ws": ws, "user": user, "role": role})
        inv = invited["inviteWorkspaceMember"]
        assert inv["errors"] == [] and inv["invitation"]["state"] == "PENDING", inv
        accepted = await gql.ok(ACCEPT, {"id": inv["invitation"]["id"]}, token=token)
        assert accepted["acceptInvitation"]["member"]["role"] == role

    return run


@pytest.fixture
async def workspace(gql: Any) -> str:
    created = (await gql.ok(CREATE_WORKSPACE, {"name": "Analytics"}))["createWorkspace"]
    assert created["errors"] == []
    return str(created["workspace"]["id"])


@pytest.fixture
def create_document(gql: Any) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def run(
        ws: str,
        title: str = "Notes",
        fmt: str = "MARKDOWN",
        token: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        data = await gql.ok(
            CREATE_DOCUMENT,
            {"input": {"workspaceId": ws, "title": title, "format": fmt, **extra}},
            token=token,
        )
        payload = data["createDocument"]
        assert payload["errors"] == [], payload
        return dict(payload["document"])

    return run


@pytest.fixture(scope="session")
def node_client() -> Path:
    """The Node test client (yjs@13 + y-websocket@3), installed on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for the Yjs interoperability tests")
    if not (JS_DIR / "node_modules" / "y-websocket").exists():
        command = "ci" if (JS_DIR / "package-lock.json").exists() else "install"
        subprocess.run(
            [npm, command, "--no-audit", "--no-fund"],
            cwd=JS_DIR,
            check=True,
            capture_output=True,
            timeout=600,
        )
    return JS_DIR
