"""The rooms' update log (the group commit and the compactions' saves) writes exactly
the rows the repositories read, in one transaction per call, on both databases. On
SQLite it is a connection and a thread of its own (``SqliteUpdateLog``), not the ORM."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pycrdt import Doc, Text
from sqlalchemy import select
from strawberry import relay

from racine.domain.collaboration import crdt
from racine.domain.collaboration.documents import Fold, PendingUpdate, load_updates
from racine.domain.collaboration.model import DocumentFormat
from racine.persistence.repositories.collab_log import SqliteUpdateLog
from racine.persistence.tables.collaboration import DocumentUpdateRow
from racine.realtime.yjs_endpoint import ROOMS_KEY


def edits(count: int) -> list[bytes]:
    doc: Doc = Doc()
    text = doc.get("content", type=Text)
    out = []
    for i in range(count):
        before = doc.get_state()
        text += f"<{i}>"
        out.append(doc.get_update(before))
    return out


async def test_the_update_log_stores_what_the_repositories_read(
    app: Any, workspace: str, create_document: Any, dialect: str
) -> None:
    # Given a document and the rooms' update log as the app wires it.
    runtime = app.state.runtime
    log = runtime.services.extras[ROOMS_KEY].log
    assert isinstance(log, SqliteUpdateLog) == (dialect == "sqlite")
    doc = await create_document(workspace, "Log", text="")
    document_id = uuid.UUID(relay.GlobalID.from_id(doc["id"]).node_id)
    author = uuid.uuid4()
    updates = edits(30)

    # When 30 updates and the projection are stored in one call.
    seqs = await log.append(
        [PendingUpdate(document_id, u, author if i % 2 else None) for i, u in enumerate(updates)],
        {document_id: "projected"},
    )

    # Then the seqs returned are those of the rows, in the order given, with their data
    # and authors as the ORM reads them, and the projection is stored.
    async with runtime.uow() as uow:
        rows = (
            await uow.session.execute(
                select(DocumentUpdateRow)
                .where(DocumentUpdateRow.document_id == document_id)
                .order_by(DocumentUpdateRow.seq)
            )
        ).scalars()
        stored = [
            (r.seq, bytes(r.data), r.author_id, r.created_at.tzinfo is not None) for r in rows
        ]
        document = await uow.documents.get(document_id)
    assert stored[-30:] == [
        (seq, u, author if i % 2 else None, True)
        for i, (seq, u) in enumerate(zip(seqs, updates, strict=True))
    ]
    assert document is not None and document.text == "projected"

    # When the log is folded into a first snapshot, and a stale fold is saved again.
    _, parts = await load_updates(runtime.uow(), document_id)
    folded = [seq for seq, *_ in stored]
    fold = Fold(document_id, crdt.fold(parts), None, folded)
    assert await log.save_fold(fold) is True
    assert await log.save_fold(fold) is False  # the snapshot is no longer "none"

    # Then the rows folded are gone exactly once and the snapshot holds every edit.
    async with runtime.uow() as uow:
        assert await uow.documents.log_size(document_id) == 0
        assert await uow.documents.snapshot_version(document_id) == (fold.state, len(folded))
    _, parts = await load_updates(runtime.uow(), document_id)
    text = crdt.project(crdt.build_doc(parts), DocumentFormat.MARKDOWN)
    assert text == "".join(f"<{i}>" for i in range(30))


async def test_a_failed_group_commit_stores_nothing_of_its_batch(
    app: Any, workspace: str, create_document: Any
) -> None:
    # Given a document and the rooms' update log.
    runtime = app.state.runtime
    log = runtime.services.extras[ROOMS_KEY].log
    doc = await create_document(workspace, "Atomic", text="")
    document_id = uuid.UUID(relay.GlobalID.from_id(doc["id"]).node_id)
    async with runtime.uow() as uow:
        before = await uow.documents.log_size(document_id)
    good, bad = edits(2)

    # When one update of a batch names a document that does not exist (foreign key).
    with pytest.raises(Exception):  # noqa: B017 - each driver raises its own IntegrityError
        await log.append(
            [PendingUpdate(document_id, good, None), PendingUpdate(uuid.uuid4(), bad, None)], {}
        )

    # Then nothing of the batch is stored, and the next batch commits as usual.
    async with runtime.uow() as uow:
        assert await uow.documents.log_size(document_id) == before
    seqs = await log.append([PendingUpdate(document_id, good, None)], {})
    async with runtime.uow() as uow:
        assert await uow.documents.log_size(document_id) == before + 1
        assert [s for s, _ in await uow.documents.log_tail(document_id)][-1] == seqs[0]
