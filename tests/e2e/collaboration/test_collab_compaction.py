"""Compaction folds the log into the snapshot in bounded batches, off the event loop,
without losing an update committed meanwhile — also when two compactions race."""

from __future__ import annotations

import asyncio
import base64
import gc
import uuid
from typing import Any

from pycrdt import Doc, Text
from strawberry import relay
from test_collab_documents_graphql import APPLY, DOCUMENT  # type: ignore[import-not-found]

from racine.domain.collaboration import crdt
from racine.domain.collaboration.documents import compact, load_updates
from racine.domain.collaboration.model import DocumentFormat


class Editor:
    """A GraphQL client of one document, holding its own copy of the text."""

    def __init__(self, gql: Any, doc_id: str, state: str) -> None:
        self.gql, self.doc_id = gql, doc_id
        self.local: Doc = Doc()
        self.local.apply_update(base64.b64decode(state))
        self.text = self.local.get("content", type=Text)

    async def type(self, chars: str) -> None:
        before = self.local.get_state()
        self.text += chars
        update = base64.b64encode(self.local.get_update(before)).decode()
        body = await self.gql.ok(APPLY, {"doc": self.doc_id, "update": update})
        assert body["applyDocumentUpdate"]["errors"] == []


async def test_compaction_folds_in_batches_and_keeps_edits_committed_meanwhile(
    gql, workspace, create_document, app
) -> None:
    # Given a document with 120 edits in its log (below the rooms' own threshold).
    doc = await create_document(workspace, "Log", text="")
    state = (await gql.ok(DOCUMENT, {"id": doc["id"]}))["node"]["state"]
    editor = Editor(gql, doc["id"], state)
    for i in range(120):
        await editor.type(f"{i % 10}")
    raw = uuid.UUID(relay.GlobalID.from_id(doc["id"]).node_id)
    uow = app.state.runtime.uow

    # When two compactions of 25 rows a pass race each other while 30 more edits land.
    async def edit() -> None:
        for i in range(30):
            await editor.type(chr(ord("a") + i % 26))

    folded = await asyncio.gather(
        compact(uow, raw, minimum=2, batch=25), compact(uow, raw, minimum=2, batch=25), edit()
    )
    expected = str(editor.text)
    # Then between them they folded at least the 121 rows that were there, none twice...
    assert 121 <= folded[0] + folded[1] <= 151, folded
    # ... and a restarted server rebuilds every edit from snapshot + log.
    _, updates = await load_updates(uow(), raw)
    assert crdt.project(crdt.build_doc(updates), DocumentFormat.MARKDOWN) == expected
    # When the rest is folded, the snapshot alone holds the whole text.
    await compact(uow, raw, minimum=1, batch=25)
    async with uow() as check:
        assert await check.documents.log_size(raw) == 0
        snapshot = await check.documents.snapshot(raw)
    assert snapshot is not None
    assert crdt.project(crdt.build_doc([snapshot]), DocumentFormat.MARKDOWN) == expected
    # And GraphQL readers see the same text.
    assert (await gql.ok(DOCUMENT, {"id": doc["id"]}))["node"]["text"] == expected


async def test_the_start_up_heap_is_frozen_out_of_the_collectors_reach(app) -> None:
    # Given a started app, then its start-up objects are out of the full collections
    # that would otherwise pause every co-editor (bench/crdt: 100-600 ms each).
    assert gc.get_freeze_count() > 10_000
