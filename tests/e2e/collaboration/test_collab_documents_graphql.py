"""Workspaces, membership scoping and the GraphQL CRDT path, durable across restarts."""

from __future__ import annotations

import asyncio
import base64
import uuid
from typing import Any

from asgi_lifespan import LifespanManager
from pycrdt import Doc, Text
from strawberry import relay

WORKSPACES = "{ workspaces(first: 10) { totalCount edges { node { id name archived } } } }"

DOCUMENT = """
query($id: ID!) {
  node(id: $id) { ... on Document { id title text state stateVector format } }
}
"""

APPLY = """
mutation($doc: ID!, $update: String!) {
  applyDocumentUpdate(input: {documentId: $doc, update: $update}) {
    errors { code field message } seq document { text }
  }
}
"""

ARCHIVE = """
mutation($id: ID!) { archiveWorkspace(input: {id: $id}) { errors { code } workspace { archived } } }
"""


def edit(state_b64: str, change: Any) -> str:
    """A Yjs update made by a Python client that starts from ``state`` and applies ``change``."""
    doc: Doc = Doc()
    doc.apply_update(base64.b64decode(state_b64))
    before = doc.get_state()
    change(doc.get("content", type=Text))
    return base64.b64encode(doc.get_update(before)).decode()


async def test_workspace_lifecycle_and_scoping(
    gql, make_user, join, workspace, create_document
) -> None:
    # Given a workspace with a document and two users, one of them a member.
    member = await make_user("mia")
    outsider = await make_user("otto")
    await join(workspace, "mia", member, "VIEWER")
    doc = await create_document(workspace, "Runbook", text="hello")

    # Then the member sees the workspace and the document; the outsider sees neither.
    assert (await gql.ok(WORKSPACES, token=member))["workspaces"]["totalCount"] == 1
    assert (await gql.ok(WORKSPACES, token=outsider))["workspaces"]["totalCount"] == 0
    seen = (await gql.ok(DOCUMENT, {"id": doc["id"]}, token=member))["node"]
    assert seen["text"] == "hello"
    hidden = await gql(DOCUMENT, {"id": doc["id"]}, token=outsider)
    missing_id = str(relay.GlobalID("Document", str(uuid.uuid4())))
    missing = await gql(DOCUMENT, {"id": missing_id}, token=outsider)
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert hidden["errors"][0]["message"] == "Document not found"
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert missing["errors"][0]["message"] == hidden["errors"][0]["message"]

    # When the outsider pushes an update, then NOT_FOUND, exactly like a missing document.
    update = edit(seen["state"], lambda t: t.insert(0, "x"))
    refused = await gql.ok(APPLY, {"doc": doc["id"], "update": update}, token=outsider)
    assert refused["applyDocumentUpdate"]["errors"][0]["code"] == "NOT_FOUND"
    # And a VIEWER member is FORBIDDEN to write.
    viewer = await gql.ok(APPLY, {"doc": doc["id"], "update": update}, token=member)
    assert viewer["applyDocumentUpdate"]["errors"][0]["code"] == "FORBIDDEN"

    # When the owner archives the workspace, then writes are refused.
    assert (await gql.ok(ARCHIVE, {"id": workspace}))["archiveWorkspace"]["workspace"]["archived"]
    after = (await gql.ok(APPLY, {"doc": doc["id"], "update": update}))["applyDocumentUpdate"]
    assert after["errors"][0]["code"] == "CONFLICT"


async def test_graphql_updates_merge_and_reject_garbage(gql, workspace, create_document) -> None:
    doc = await create_document(workspace, "Query", fmt="SQL", text="select 1")
    state = (await gql.ok(DOCUMENT, {"id": doc["id"]}))["node"]["state"]

    # Given two clients editing from the same state concurrently.
    a = edit(state, lambda t: t.insert(0, "-- a\n"))
    b = edit(state, lambda t: t.insert(len(str(t)), ";"))
    ra, rb = await asyncio.gather(
        gql.ok(APPLY, {"doc": doc["id"], "update": a}),
        gql.ok(APPLY, {"doc": doc["id"], "update": b}),
    )
    seqs = {ra["applyDocumentUpdate"]["seq"], rb["applyDocumentUpdate"]["seq"]}
    assert len(seqs) == 2
    text = (await gql.ok(DOCUMENT, {"id": doc["id"]}))["node"]["text"]
    assert text == "-- a\nselect 1;"

    # When garbage, truncated updates and overflowing varints arrive, then INVALID each time.
    good = base64.b64decode(edit(state, lambda t: t.insert(0, "zzz")))
    for bad in [b"garbage bytes!", good[:-3], b"\xff" * 40, b"\x01"]:
        body = await gql.ok(APPLY, {"doc": doc["id"], "update": base64.b64encode(bad).decode()})
        assert body["applyDocumentUpdate"]["errors"][0]["code"] == "INVALID", bad
    not_b64 = await gql.ok(APPLY, {"doc": doc["id"], "update": "%%%"})
    assert not_b64["applyDocumentUpdate"]["errors"][0]["code"] == "INVALID"
    # And the document is unaffected.
    assert (await gql.ok(DOCUMENT, {"id": doc["id"]}))["node"]["text"] == "-- a\nselect 1;"


async def test_restart_loses_nothing_and_compaction_keeps_text(
    gql, workspace, create_document, app, client, monkeypatch
) -> None:
    # Given a document edited 250 times (past the compaction threshold of 200).
    doc = await create_document(workspace, "Log", text="")
    state = (await gql.ok(DOCUMENT, {"id": doc["id"]}))["node"]["state"]
    local: Doc = Doc()
    local.apply_update(base64.b64decode(state))
    text = local.get("content", type=Text)
    for i in range(250):
        before = local.get_state()
        text += f"{i % 10}"
        update = base64.b64encode(local.get_update(before)).decode()
        assert (await gql.ok(APPLY, {"doc": doc["id"], "update": update}))["applyDocumentUpdate"][
            "errors"
        ] == []
    expected = "".join(str(i % 10) for i in range(250))
    rooms = app.state.runtime.services.extras["collab_rooms"]
    room = rooms.rooms[next(iter(rooms.rooms))]
    if room.compacting is not None:
        await room.compacting
    async with app.state.runtime.uow() as uow:
        raw = uuid.UUID(relay.GlobalID.from_id(doc["id"]).node_id)
        assert await uow.documents.snapshot(raw) is not None
        assert await uow.documents.log_size(raw) < 250

    # When a second app instance (a restarted server) starts on the same database.
    from racine.app import create_app

    fresh = create_app(app.state.runtime.settings)
    async with LifespanManager(fresh):
        import httpx

        transport = httpx.ASGITransport(app=fresh)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://r.test", headers=client.headers
        ) as other:
            body = (
                await other.post(
                    "/graphql", json={"query": DOCUMENT, "variables": {"id": doc["id"]}}
                )
            ).json()
    # Then a newcomer sees the full text, rebuilt from snapshot + log.
    node = body["data"]["node"]
    assert node["text"] == expected
    rebuilt: Doc = Doc()
    rebuilt.apply_update(base64.b64decode(node["state"]))
    assert str(rebuilt.get("content", type=Text)) == expected
