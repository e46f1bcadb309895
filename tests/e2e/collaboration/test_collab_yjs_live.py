"""The co-editing acceptance path against a live server, with the real Node Yjs client.

Two ``yjs@13`` + ``y-websocket@3`` clients and one GraphQL client edit one markdown
document at once and converge; a VIEWER's edits are refused with the y-websocket
permission-denied message; the server restarts and a newcomer sees the full text;
presence and an @mention reach GraphQL subscribers.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.websockets import WebsocketsTransport
from pycrdt import Doc, Text

pytestmark = pytest.mark.slow

CREATE_USER = """mutation($n: String!, $r: Role!) {
  createUser(input: {name: $n, role: $r}) { user { id } } }"""
CREATE_TOKEN = """mutation($u: ID!) { createApiToken(input: {name: "t", userId: $u}) { secret } }"""
CREATE_WS = """mutation { createWorkspace(input: {name: "Docs"}) { workspace { id } } }"""
INVITE = """mutation($w: ID!, $u: String!, $r: WorkspaceRole!) {
  inviteWorkspaceMember(input: {workspaceId: $w, userName: $u, role: $r}) { invitation { id } } }"""
ACCEPT = """mutation($id: ID!) { acceptInvitation(input: {id: $id}) { errors { code } } }"""
CREATE_DOC = """mutation($w: ID!) { createDocument(input: {workspaceId: $w, title: "Shared",
  format: MARKDOWN, text: "# Title\\n"}) { document { id } } }"""
DOC = """query($id: ID!) { node(id: $id) { ... on Document { text state } } }"""
APPLY = """mutation($d: ID!, $u: String!) {
  applyDocumentUpdate(input: {documentId: $d, update: $u}) { errors { code } seq } }"""
COMMENT = """mutation($d: ID!, $b: String!) {
  addComment(input: {documentId: $d, body: $b}) { errors { code } comment { id mentions } } }"""
NOTIFICATIONS = gql("subscription { notifications { gap notification { kind message } } }")
PRESENCE = gql("""subscription($d: ID!) { documentPresence(documentId: $d) {
  gap participants { clientId userName state } } }""")


def post(server: Any, token: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    r = httpx.post(
        f"{server.http}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"authorization": f"Bearer {token}"},
        timeout=20,
    )
    r.raise_for_status()
    body = r.json()
    assert not body.get("errors"), body
    return body["data"]


def transport(server: Any, token: str) -> WebsocketsTransport:
    return WebsocketsTransport(
        url=f"{server.ws}/graphql",
        init_payload={"authorization": f"Bearer {token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        connect_timeout=10,
        ack_timeout=10,
    )


def setup(server: Any, admin: str, members: dict[str, str]) -> tuple[str, str, dict[str, str]]:
    """A workspace with a markdown document and one member per (name → role)."""
    ws = post(server, admin, CREATE_WS)["createWorkspace"]["workspace"]["id"]
    tokens = {}
    for name, role in members.items():
        uid = post(server, admin, CREATE_USER, {"n": name, "r": "VIEWER"})["createUser"]["user"][
            "id"
        ]
        tokens[name] = post(server, admin, CREATE_TOKEN, {"u": uid})["createApiToken"]["secret"]
        inv = post(server, admin, INVITE, {"w": ws, "u": name, "r": role})
        post(server, tokens[name], ACCEPT, {"id": inv["inviteWorkspaceMember"]["invitation"]["id"]})
    doc = post(server, admin, CREATE_DOC, {"w": ws})["createDocument"]["document"]["id"]
    return ws, doc, tokens


async def node(js: Path, server: Any, doc: str, token: str, **cfg: Any) -> dict[str, Any]:
    """Run the Node client to completion and return its JSON outcome."""
    config = {"url": f"{server.ws}/yjs", "room": doc, "token": token, **cfg}
    proc = await asyncio.create_subprocess_exec(
        shutil.which("node") or "node",
        str(js / "client.mjs"),
        json.dumps(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    lines = out.decode().strip().splitlines()
    assert lines, err.decode()[-2000:]
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def graphql_edit(server: Any, token: str, doc: str, insert: str) -> int:
    state = post(server, token, DOC, {"id": doc})["node"]["state"]
    local: Doc = Doc()
    local.apply_update(base64.b64decode(state))
    before = local.get_state()
    text = local.get("content", type=Text)
    text += insert
    update = base64.b64encode(local.get_update(before)).decode()
    payload = post(server, token, APPLY, {"d": doc, "u": update})["applyDocumentUpdate"]
    assert payload["errors"] == []
    return int(payload["seq"])


async def test_node_and_graphql_clients_converge_and_survive_a_restart(
    live_server, live_server_env, tmp_path, admin_token: str, node_client: Path
) -> None:
    _ws, doc, tokens = await asyncio.to_thread(
        setup, live_server, admin_token, {"alice": "EDITOR", "bob": "EDITOR", "vic": "VIEWER"}
    )
    lines = ["alice was here\n", "bob was here\n", "graphql was here\n"]

    # Given a GraphQL subscriber watching presence on the document.
    seen_presence: list[dict[str, Any]] = []
    async with Client(transport=transport(live_server, admin_token)) as session:

        async def watch() -> None:
            presence = GraphQLRequest(PRESENCE, variable_values={"d": doc})
            async for result in session.subscribe(presence):
                seen_presence.extend(result["documentPresence"]["participants"])
                names = {p["userName"] for p in seen_presence}
                if {"alice", "bob"} <= names:
                    return

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(0.5)

        # When two Node clients and a GraphQL client edit at once.
        async def graphql_side() -> None:
            await asyncio.sleep(0.3)
            await asyncio.to_thread(graphql_edit, live_server, admin_token, doc, lines[2])

        a, b, _ = await asyncio.gather(
            node(
                node_client,
                live_server,
                doc,
                tokens["alice"],
                insert=lines[0],
                expect=lines,
                awareness={"user": {"name": "alice"}, "cursor": {"index": 3}},
                waitPeers=1,
                holdMs=300,
            ),
            node(
                node_client,
                live_server,
                doc,
                tokens["bob"],
                insert=lines[1],
                expect=lines,
                awareness={"user": {"name": "bob"}, "cursor": {"index": 5}},
                waitPeers=1,
                holdMs=300,
            ),
            graphql_side(),
        )
        async with asyncio.timeout(15):
            await watcher

    # Then all three converge on one text holding every edit.
    assert a["ok"] and b["ok"], (a, b)
    final = (await asyncio.to_thread(post, live_server, admin_token, DOC, {"id": doc}))["node"][
        "text"
    ]
    assert a["text"] == b["text"] == final
    assert final.startswith("# Title\n") and all(line in final for line in lines)
    # And each Node client saw the other's awareness; GraphQL saw both with cursors.
    assert {p["user"]["name"] for p in a["peers"]} >= {"bob"}
    cursors = {p["userName"]: p["state"] for p in seen_presence if p["state"]}
    assert cursors["alice"]["cursor"] == {"index": 3}

    # When a VIEWER edits over y-websocket, then it is refused (permission denied, type 2).
    v = await node(
        node_client, live_server, doc, tokens["vic"], insert="vandal\n", expectDenied=True
    )
    assert v["ok"] and v["denied"], v
    after = (await asyncio.to_thread(post, live_server, admin_token, DOC, {"id": doc}))["node"]
    assert "vandal" not in after["text"] and after["text"] == final

    # When the server restarts, then a newcomer sees the full text.
    live_server.stop()
    live_server.start()
    newcomer = await node(node_client, live_server, doc, tokens["bob"], expect=lines)
    assert newcomer["ok"] and newcomer["text"] == final


async def test_mention_reaches_the_mentioned_users_subscription(
    live_server, admin_token: str
) -> None:
    _ws, doc, tokens = await asyncio.to_thread(
        setup, live_server, admin_token, {"carol": "COMMENTER", "dave": "VIEWER"}
    )
    received: list[dict[str, Any]] = []
    async with Client(transport=transport(live_server, tokens["dave"])) as session:

        async def listen() -> None:
            async for result in session.subscribe(NOTIFICATIONS):
                received.append(result["notifications"])
                return

        task = asyncio.create_task(listen())
        await asyncio.sleep(0.5)
        # When carol mentions dave (and an outsider) in a comment.
        comment = await asyncio.to_thread(
            post,
            live_server,
            tokens["carol"],
            COMMENT,
            {"d": doc, "b": "@dave please check, cc @nobody"},
        )
        assert comment["addComment"]["comment"]["mentions"] == ["dave", "nobody"]
        async with asyncio.timeout(15):
            await task
    # Then dave's subscription receives the mention.
    assert received[0]["gap"] is False
    assert received[0]["notification"]["kind"] == "MENTION"
    assert "@dave please check" in received[0]["notification"]["message"]
