"""Document use cases: create, read, link, the durable update log, compaction.

Durability rule: an update is appended to the log and COMMITTED before anyone
acknowledges or broadcasts it (see :func:`store_updates`); a document is
rebuilt from its snapshot plus whatever the log still holds (:func:`load_updates`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.collaboration import crdt
from racine.domain.collaboration.activity import note_activity
from racine.domain.collaboration.membership import DocumentAccess, document_access, workspace_role
from racine.domain.collaboration.model import Document, DocumentFormat, WorkspaceRole, utcnow
from racine.domain.collaboration.ports import CollabUnitOfWork as UnitOfWork
from racine.domain.errors import NotFound, ValidationFailed
from racine.domain.paging import PageRequest

__all__ = [
    "COMPACT_BATCH",
    "CreateDocument",
    "Fold",
    "PendingUpdate",
    "UnitOfWorkLog",
    "UpdateDocument",
    "compact",
    "create_document",
    "fold_log",
    "get_document",
    "load_updates",
    "save_fold",
    "store_updates",
    "update_document",
]

MAX_TITLE = 200
MAX_LINKS = 100
COMPACT_AFTER = 200  # log rows per document before a compaction is due


def _title(value: str) -> str:
    title = value.strip()
    if not title or len(title) > MAX_TITLE:
        raise ValidationFailed(f"title must be 1-{MAX_TITLE} characters", field="title")
    return title


def _links(values: Sequence[str], name: str) -> list[str]:
    out = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    if len(out) > MAX_LINKS or any(len(v) > 200 for v in out):
        raise ValidationFailed(f"at most {MAX_LINKS} ids of ≤ 200 characters", field=name)
    return out


@dataclass(frozen=True)
class CreateDocument:
    workspace_id: uuid.UUID
    title: str
    format: DocumentFormat
    text: str = ""
    cells: list[crdt.Cell] = field(default_factory=list)
    asset_ids: list[str] = field(default_factory=list)
    glossary_term_ids: list[str] = field(default_factory=list)
    is_article: bool = False


async def create_document(uow: UnitOfWork, actor: Principal, cmd: CreateDocument) -> Document:
    """EDITORs of the workspace create documents; the initial content is update #1."""
    if cmd.format is not DocumentFormat.NOTEBOOK and cmd.cells:
        raise ValidationFailed("cells are for NOTEBOOK documents", field="cells")
    if len(cmd.text) > crdt.DEFAULT_MAX_UPDATE_BYTES // 2 or len(cmd.cells) > 1000:
        raise ValidationFailed("initial content is too large", field="text")
    initial = crdt.initial_update(cmd.format, cmd.text, cmd.cells)
    document = Document(
        workspace_id=cmd.workspace_id,
        title=_title(cmd.title),
        format=cmd.format,
        created_by=actor.user_id,
        is_article=cmd.is_article,
        asset_ids=_links(cmd.asset_ids, "assetIds"),
        glossary_term_ids=_links(cmd.glossary_term_ids, "glossaryTermIds"),
        text=crdt.project(crdt.build_doc([initial]), cmd.format),
    )
    async with uow:
        await workspace_role(uow, actor, cmd.workspace_id, WorkspaceRole.EDITOR, writing=True)
        await uow.documents.add(document)
        await uow.documents.append_update(document.id, initial, actor.user_id)
        await record(
            uow,
            actor,
            "document.create",
            "Document",
            document.id,
            {"title": document.title, "format": document.format},
        )
        await note_activity(
            uow,
            actor,
            document.workspace_id,
            "document.create",
            "Document",
            document.id,
            f"{actor.name} created {document.title}",
        )
        await uow.commit()
    return document


@dataclass(frozen=True)
class UpdateDocument:
    document_id: uuid.UUID
    title: str | None = None
    is_article: bool | None = None
    asset_ids: list[str] | None = None
    glossary_term_ids: list[str] | None = None


async def update_document(uow: UnitOfWork, actor: Principal, cmd: UpdateDocument) -> Document:
    """EDITORs rename a document, mark it as an article, link assets and glossary terms."""
    async with uow:
        access = await document_access(
            uow, actor, cmd.document_id, WorkspaceRole.EDITOR, field="id", writing=True
        )
        doc = access.document
        diff: dict[str, object] = {}
        if cmd.title is not None:
            doc.title = diff["title"] = _title(cmd.title)
        if cmd.is_article is not None:
            doc.is_article = diff["is_article"] = cmd.is_article
        if cmd.asset_ids is not None:
            doc.asset_ids = diff["asset_ids"] = _links(cmd.asset_ids, "assetIds")
        if cmd.glossary_term_ids is not None:
            doc.glossary_term_ids = diff["glossary_term_ids"] = _links(
                cmd.glossary_term_ids, "glossaryTermIds"
            )
        doc.updated_at = utcnow()
        await uow.documents.update(doc)
        await record(uow, actor, "document.update", "Document", doc.id, diff)
        await note_activity(
            uow,
            actor,
            doc.workspace_id,
            "document.update",
            "Document",
            doc.id,
            f"{actor.name} updated {doc.title}",
        )
        await uow.commit()
    return doc


async def get_document(
    uow: UnitOfWork,
    actor: Principal,
    document_id: uuid.UUID,
    needed: WorkspaceRole = WorkspaceRole.VIEWER,
    *,
    field: str = "documentId",
) -> DocumentAccess:
    async with uow:
        return await document_access(uow, actor, document_id, needed, field=field)


async def visible_workspace_ids(uow: UnitOfWork, actor: Principal) -> list[uuid.UUID] | None:
    """None for ADMINs (every workspace), else the caller's workspaces (≤ 1000)."""
    if actor.has(Role.ADMIN):
        return None
    page = await uow.workspaces.page(actor.user_id, PageRequest(first=100), True)
    ids = [w.id for w in page.items]
    while page.has_next_page and len(ids) < 1000:
        page = await uow.workspaces.page(
            actor.user_id, PageRequest(first=100, after=page.cursors[-1]), True
        )
        ids += [w.id for w in page.items]
    return ids


# -- the durable log (called by the realtime rooms, which authorise connections) ----


@dataclass(frozen=True)
class PendingUpdate:
    document_id: uuid.UUID
    data: bytes
    author_id: uuid.UUID | None


async def store_updates(
    uow: UnitOfWork, updates: Sequence[PendingUpdate], projections: Mapping[uuid.UUID, str]
) -> list[int]:
    """Append validated updates in ONE transaction (group commit); returns their seqs.

    ``projections`` (document id → text) keeps the searchable projection current.
    """
    async with uow:
        seqs: list[int] = await uow.documents.append_updates(
            [(u.document_id, u.data, u.author_id) for u in updates]
        )
        for document_id, text in projections.items():
            await uow.documents.set_projection(document_id, text)
        await uow.commit()
    return seqs


async def load_updates(uow: UnitOfWork, document_id: uuid.UUID) -> tuple[Document, list[bytes]]:
    """The document and what rebuilds its CRDT: snapshot first, then every log row."""
    async with uow:
        document = await uow.documents.get(document_id)
        if document is None:
            raise NotFound("Document", document_id, field="documentId")
        snapshot = await uow.documents.snapshot(document_id)
        log = await uow.documents.log_tail(document_id)
    return document, ([snapshot] if snapshot else []) + [data for _, data in log]


COMPACT_BATCH = 2000  # log rows folded per compaction transaction


@dataclass(frozen=True)
class Fold:
    """The snapshot that folds log rows ``seqs`` into the snapshot at ``version``."""

    document_id: uuid.UUID
    state: bytes
    version: int | None  # the folded count of the snapshot it replaces; None: no snapshot
    seqs: list[int]


async def fold_log(
    uow: UnitOfWork, document_id: uuid.UUID, *, minimum: int, batch: int
) -> Fold | None:
    """Read the snapshot and at most ``batch`` of the oldest log rows and fold them (in a
    worker thread: CPU, never on the event loop; no transaction is open meanwhile)."""
    async with uow:
        current = await uow.documents.snapshot_version(document_id)
        rows = await uow.documents.log_tail(document_id, batch)
    if len(rows) < minimum:
        return None
    snapshot, version = current if current is not None else (None, None)
    parts = ([snapshot] if snapshot else []) + [data for _, data in rows]
    state = await asyncio.to_thread(crdt.fold, parts)
    return Fold(document_id, state, version, [seq for seq, _ in rows])


async def save_fold(uow: UnitOfWork, fold: Fold) -> bool:
    """In ONE transaction: replace the snapshot if it is still ``fold.version``
    (compare-and-swap) and delete exactly the rows folded; False if another compaction
    replaced it first (then nothing is written)."""
    async with uow:
        if await uow.documents.get(fold.document_id, lock=True) is None:
            return False
        if not await uow.documents.replace_snapshot(
            fold.document_id, fold.state, fold.version, fold.seqs
        ):
            return False
        await uow.commit()
    return True


async def compact(
    uow_factory: Callable[[], UnitOfWork],
    document_id: uuid.UUID,
    *,
    minimum: int = COMPACT_AFTER,
    batch: int = COMPACT_BATCH,
    save: Callable[[Fold], Awaitable[bool]] | None = None,
) -> int:
    """Fold the oldest log rows into the snapshot, ``batch`` at a time; returns rows folded.

    Each pass folds (:func:`fold_log`) then saves (:func:`save_fold`, or ``save``: the
    rooms run it in their writer so it never contends with a group commit). Only
    compaction deletes rows, so a snapshot still at the version folded means every
    row read is still there; an update committed meanwhile stays in the log and is not
    lost. If another compaction (another process) saved first, the pass stops. The
    projection is not touched: it is the room's.
    """
    store = save or (lambda fold: save_fold(uow_factory(), fold))
    total = 0
    while True:
        least = minimum if total == 0 else 1
        fold = await fold_log(uow_factory(), document_id, minimum=least, batch=batch)
        if fold is None or not await store(fold):
            return total
        total += len(fold.seqs)
        if len(fold.seqs) < batch:
            return total


@dataclass(frozen=True)
class UnitOfWorkLog:
    """:class:`~racine.domain.collaboration.ports.UpdateLog` through units of work."""

    uow_factory: Callable[[], UnitOfWork]

    async def append(
        self, updates: Sequence[PendingUpdate], projections: Mapping[uuid.UUID, str]
    ) -> list[int]:
        return await store_updates(self.uow_factory(), updates, projections)

    async def save_fold(self, fold: Fold) -> bool:
        return await save_fold(self.uow_factory(), fold)
