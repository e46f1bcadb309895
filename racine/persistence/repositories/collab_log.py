"""The rooms' writes on SQLite: one hop to the writer's thread each (see
:class:`~racine.persistence.database.SqliteWriter`)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy.dialects import sqlite

from racine.domain.collaboration.documents import Fold, PendingUpdate
from racine.domain.collaboration.model import utcnow
from racine.persistence.database import SqliteWriter
from racine.persistence.tables.collaboration import DocumentUpdateRow

__all__ = ["SqliteUpdateLog"]

_SQLITE = sqlite.dialect()
_uuid = DocumentUpdateRow.__table__.c.author_id.type.bind_processor(_SQLITE)
_when = DocumentUpdateRow.__table__.c.created_at.type.bind_processor(_SQLITE)
_INSERT_LOG = (
    "INSERT INTO collab_document_updates (document_id, data, author_id, created_at) VALUES "
)
_SET_PROJECTION = "UPDATE collab_documents SET text = ?, updated_at = ? WHERE id = ?"
_FIRST_SNAPSHOT = (
    "INSERT INTO collab_document_snapshots (document_id, state, folded, updated_at) "
    "VALUES (?, ?, ?, ?)"
)
_NEXT_SNAPSHOT = (
    "UPDATE collab_document_snapshots SET state = ?, folded = ?, updated_at = ? "
    "WHERE document_id = ? AND folded = ?"
)


class SqliteUpdateLog:
    """:class:`~racine.domain.collaboration.ports.UpdateLog` on a
    :class:`~racine.persistence.database.SqliteWriter`: the same rows as
    ``append_updates``, ``set_projection`` and ``replace_snapshot`` (values through the
    columns' own bind processors), in plain sqlite3, each call ONE transaction."""

    def __init__(self, writer: SqliteWriter) -> None:
        self.writer = writer

    async def append(
        self, updates: Sequence[PendingUpdate], projections: Mapping[uuid.UUID, str]
    ) -> list[int]:
        return await self.writer.run(lambda conn: _append(conn, updates, projections))

    async def save_fold(self, fold: Fold) -> bool:
        return await self.writer.run(lambda conn: _save_fold(conn, fold))


def _append(
    conn: sqlite3.Connection, updates: Sequence[PendingUpdate], projections: Mapping[uuid.UUID, str]
) -> list[int]:
    """One multi-row INSERT holding the write lock: SQLite numbers its rows max + 1 each,
    so their seqs are consecutive and end at ``lastrowid``."""
    assert _uuid is not None and _when is not None
    now = _when(utcnow())
    seqs: list[int] = []
    if updates:
        values = [
            v for u in updates for v in (_uuid(u.document_id), u.data, _uuid(u.author_id), now)
        ]
        cursor = conn.execute(_INSERT_LOG + ", ".join(["(?, ?, ?, ?)"] * len(updates)), values)
        last = int(cursor.lastrowid or 0)
        seqs = list(range(last - len(updates) + 1, last + 1))
    for document_id, text in projections.items():
        conn.execute(_SET_PROJECTION, (text, now, _uuid(document_id)))
    return seqs


def _save_fold(conn: sqlite3.Connection, fold: Fold) -> bool:
    """``replace_snapshot``: compare-and-swap on ``folded``; nothing written if it lost."""
    assert _uuid is not None and _when is not None
    document_id, now, count = _uuid(fold.document_id), _when(utcnow()), len(fold.seqs)
    if fold.version is None:
        try:
            conn.execute(_FIRST_SNAPSHOT, (document_id, fold.state, count, now))
        except sqlite3.IntegrityError:  # another compaction saved first, or no document
            return False
    else:
        cursor = conn.execute(
            _NEXT_SNAPSHOT, (fold.state, fold.version + count, now, document_id, fold.version)
        )
        if cursor.rowcount != 1:
            return False
    if fold.seqs:
        marks = ", ".join("?" * count)
        conn.execute(f"DELETE FROM collab_document_updates WHERE seq IN ({marks})", fold.seqs)
    return True
