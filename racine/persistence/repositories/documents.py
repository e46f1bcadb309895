"""Document repository: ``uow.documents`` (documents, their update log, snapshots, versions).

Registered on the UnitOfWork at import time; ``repositories/__init__.py`` imports
this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from racine.domain.collaboration.model import Document, DocumentFormat, DocumentVersion, utcnow
from racine.domain.paging import Page, PageRequest
from racine.persistence.repositories.keyset import after_cursor, page_of
from racine.persistence.tables.collaboration import (
    DocumentRow,
    DocumentSnapshotRow,
    DocumentUpdateRow,
    DocumentVersionRow,
)
from racine.persistence.unit_of_work import register_repository

__all__ = ["DocumentRepository"]


def _document(row: DocumentRow) -> Document:
    return Document(
        id=row.id,
        workspace_id=row.workspace_id,
        title=row.title,
        format=DocumentFormat(row.format),
        is_article=row.is_article,
        asset_ids=list(row.asset_ids or []),
        glossary_term_ids=list(row.glossary_term_ids or []),
        text=row.text,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _version(row: DocumentVersionRow) -> DocumentVersion:
    return DocumentVersion(
        id=row.id,
        document_id=row.document_id,
        name=row.name,
        author_id=row.author_id,
        author_name=row.author_name,
        state=row.state,
        text=row.text,
        created_at=row.created_at,
    )


class DocumentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, doc: Document) -> None:
        self.session.add(
            DocumentRow(
                id=doc.id,
                workspace_id=doc.workspace_id,
                title=doc.title,
                format=doc.format.value,
                is_article=doc.is_article,
                asset_ids=doc.asset_ids,
                glossary_term_ids=doc.glossary_term_ids,
                text=doc.text,
                created_by=doc.created_by,
                created_at=doc.created_at,
                updated_at=doc.updated_at,
            )
        )
        await self.session.flush()

    async def get(self, document_id: uuid.UUID, *, lock: bool = False) -> Document | None:
        query = select(DocumentRow).where(DocumentRow.id == document_id)
        if lock:
            query = query.with_for_update()
        row = await self.session.scalar(query)
        return None if row is None else _document(row)

    async def update(self, doc: Document) -> None:
        await self.session.execute(
            update(DocumentRow)
            .where(DocumentRow.id == doc.id)
            .values(
                title=doc.title,
                is_article=doc.is_article,
                asset_ids=doc.asset_ids,
                glossary_term_ids=doc.glossary_term_ids,
                updated_at=doc.updated_at,
            )
        )

    async def set_projection(self, document_id: uuid.UUID, text: str) -> None:
        await self.session.execute(
            update(DocumentRow)
            .where(DocumentRow.id == document_id)
            .values(text=text, updated_at=utcnow())
        )

    async def get_many(self, document_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Document]:
        """The documents of ``document_ids`` that exist, by id (one query)."""
        if not document_ids:
            return {}
        rows = await self.session.scalars(
            select(DocumentRow).where(DocumentRow.id.in_(list(document_ids)))
        )
        return {r.id: _document(r) for r in rows}

    async def pages_of(
        self,
        workspace_ids: Sequence[uuid.UUID],
        page: PageRequest,
        *,
        articles_only: bool = False,
    ) -> dict[uuid.UUID, Page[Document]]:
        """:meth:`page` of each workspace alone, for several workspaces in two queries
        (the counts, then each one's first ``page.first + 1`` rows after the cursor)."""
        if not workspace_ids:
            return {}
        t = DocumentRow
        wanted: list[ColumnElement[bool]] = [t.workspace_id.in_(list(workspace_ids))]
        if articles_only:
            wanted.append(t.is_article.is_(True))
        counts = dict(
            (ws, int(n))
            for ws, n in await self.session.execute(
                select(t.workspace_id, func.count()).where(*wanted).group_by(t.workspace_id)
            )
        )
        after = after_cursor(page, (t.title, t.id), False)
        if after is not None:
            wanted.append(after)
        rank = func.row_number().over(partition_by=t.workspace_id, order_by=(t.title, t.id))
        ranked = select(t, rank.label("rank")).where(*wanted).subquery()
        document = aliased(DocumentRow, ranked)
        rows = await self.session.scalars(
            select(document)
            .where(ranked.c.rank <= page.first + 1)
            .order_by(ranked.c.workspace_id, ranked.c.rank)
        )
        by_workspace: dict[uuid.UUID, list[DocumentRow]] = {}
        for row in rows:
            by_workspace.setdefault(row.workspace_id, []).append(row)
        return {
            ws: page_of(
                by_workspace.get(ws, []),
                page,
                counts.get(ws, 0),
                lambda r: [r.title, str(r.id)],
                _document,
            )
            for ws in workspace_ids
        }

    async def articles(
        self, workspace_ids: Sequence[uuid.UUID] | None, limit: int
    ) -> list[Document]:
        query = select(DocumentRow).where(DocumentRow.is_article.is_(True))
        if workspace_ids is not None:
            query = query.where(DocumentRow.workspace_id.in_(list(workspace_ids)))
        rows = await self.session.scalars(
            query.order_by(DocumentRow.updated_at.desc()).limit(limit)
        )
        return [_document(r) for r in rows]

    # the CRDT log

    async def append_update(
        self, document_id: uuid.UUID, data: bytes, author_id: uuid.UUID | None
    ) -> int:
        row = DocumentUpdateRow(
            document_id=document_id, data=data, author_id=author_id, created_at=utcnow()
        )
        self.session.add(row)
        await self.session.flush()
        return int(row.seq)

    async def append_updates(
        self, entries: Sequence[tuple[uuid.UUID, bytes, uuid.UUID | None]]
    ) -> list[int]:
        """Append many log rows in one statement; their seqs, in order.

        Not ``sort_by_parameter_order=True``: on SQLite that makes SQLAlchemy run one
        INSERT per row (240 rows: ~150 ms instead of ~12 ms). One multi-row INSERT
        takes its seqs in VALUES order (SQLite rowids, a PostgreSQL sequence called
        row by row), so the returned seqs, sorted, are in the order given.
        """
        if not entries:
            return []
        now = utcnow()
        rows = await self.session.execute(
            insert(DocumentUpdateRow).returning(DocumentUpdateRow.seq),
            [
                {"document_id": d, "data": data, "author_id": a, "created_at": now}
                for d, data, a in entries
            ],
        )
        return sorted(int(seq) for seq in rows.scalars())

    async def snapshot(self, document_id: uuid.UUID) -> bytes | None:
        row = await self.session.get(DocumentSnapshotRow, document_id)
        return None if row is None else bytes(row.state)

    async def log_tail(
        self, document_id: uuid.UUID, limit: int | None = None
    ) -> list[tuple[int, bytes]]:
        """The oldest ``limit`` (None: all) log rows as (seq, data), in order. No ORM
        objects: a room loads thousands of rows on the event loop (~30 µs each as ORM
        objects)."""
        rows = await self.session.execute(
            select(DocumentUpdateRow.seq, DocumentUpdateRow.data)
            .where(DocumentUpdateRow.document_id == document_id)
            .order_by(DocumentUpdateRow.seq)
            .limit(limit)
        )
        return [(int(seq), bytes(data)) for seq, data in rows]

    async def log_size(self, document_id: uuid.UUID) -> int:
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(DocumentUpdateRow)
                .where(DocumentUpdateRow.document_id == document_id)
            )
            or 0
        )

    async def snapshot_version(self, document_id: uuid.UUID) -> tuple[bytes, int] | None:
        """The snapshot and how many log rows it has folded so far (its version)."""
        row = (
            await self.session.execute(
                select(DocumentSnapshotRow.state, DocumentSnapshotRow.folded).where(
                    DocumentSnapshotRow.document_id == document_id
                )
            )
        ).first()
        return None if row is None else (bytes(row.state), int(row.folded))

    async def replace_snapshot(
        self, document_id: uuid.UUID, state: bytes, version: int | None, folded: Sequence[int]
    ) -> bool:
        """Compare-and-swap: replace the snapshot if it is still at ``version`` (None: there
        is none yet) and delete exactly the log rows folded into it; False if another
        compaction got there first (then nothing was written).

        ``folded`` only grows, so it versions the snapshot; the UPDATE's WHERE clause
        (or the primary key, for the first snapshot) decides atomically on both databases.
        """
        if version is None:
            try:
                await self.session.execute(
                    insert(DocumentSnapshotRow).values(
                        document_id=document_id,
                        state=state,
                        folded=len(folded),
                        updated_at=utcnow(),
                    )
                )
            except IntegrityError:
                return False  # the caller does not commit: its transaction rolls back
        else:
            result = await self.session.execute(
                update(DocumentSnapshotRow)
                .where(
                    DocumentSnapshotRow.document_id == document_id,
                    DocumentSnapshotRow.folded == version,
                )
                .values(state=state, folded=version + len(folded), updated_at=utcnow())
            )
            if getattr(result, "rowcount", 0) != 1:
                return False
        if folded:
            await self.session.execute(
                delete(DocumentUpdateRow).where(DocumentUpdateRow.seq.in_(list(folded)))
            )
        return True

    async def add_version(self, v: DocumentVersion) -> None:
        self.session.add(
            DocumentVersionRow(
                id=v.id,
                document_id=v.document_id,
                name=v.name,
                author_id=v.author_id,
                author_name=v.author_name,
                state=v.state,
                text=v.text,
                created_at=v.created_at,
            )
        )
        await self.session.flush()

    async def get_version(self, version_id: uuid.UUID) -> DocumentVersion | None:
        row = await self.session.get(DocumentVersionRow, version_id)
        return None if row is None else _version(row)

    async def versions_of(
        self, document_ids: Sequence[uuid.UUID], limit: int = 100
    ) -> dict[uuid.UUID, list[DocumentVersion]]:
        """:meth:`versions` of several documents in one query, same order and limit each."""
        if not document_ids:
            return {}
        t = DocumentVersionRow
        rank = func.row_number().over(partition_by=t.document_id, order_by=t.created_at.desc())
        ranked = (
            select(t, rank.label("rank")).where(t.document_id.in_(list(document_ids))).subquery()
        )
        version = aliased(DocumentVersionRow, ranked)
        rows = await self.session.scalars(
            select(version)
            .where(ranked.c.rank <= limit)
            .order_by(ranked.c.document_id, ranked.c.rank)
        )
        found: dict[uuid.UUID, list[DocumentVersion]] = {}
        for row in rows:
            found.setdefault(row.document_id, []).append(_version(row))
        return found


register_repository("documents", DocumentRepository)
