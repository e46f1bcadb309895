"""The match step of a search on each dialect."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from racine.persistence.tables.catalog import AssetSearchRow

__all__ = ["forget_fts", "match_query"]

# PostgreSQL: the tsvector of an asset's search text, a stored generated column with a
# GIN index (raw DDL in migration 0019, so not in the table's model): a prefix match
# rechecks candidates against it and ranks them by it without computing it again.
_PG_DOCUMENT: ColumnElement[Any] = literal_column("asset_search.document")
_FTS = table("asset_fts", column("asset_id"), column("rank"))


def match_query(dialect: str, terms: Sequence[str]) -> Select[tuple[uuid.UUID, float]]:
    """``(asset_id, score)`` of assets matching every term as a word prefix."""
    if dialect == "postgresql":
        tsquery = " & ".join(f"{_pg_escape(t)}:*" for t in terms)
        query = func.to_tsquery(literal_column("'simple'"), bindparam("tsq", tsquery))
        return select(
            AssetSearchRow.asset_id.label("asset_id"),
            func.ts_rank(_PG_DOCUMENT, query).label("score"),
        ).where(_PG_DOCUMENT.op("@@")(query))
    fts_query = " AND ".join('"' + t.replace('"', '""') + '"*' for t in terms)
    # The asset id comes from the key table by the FTS rowid: reading it from the FTS
    # row reads the row's whole stored text (92.7 ms of 105,003 matches, 6.7 by key).
    return (
        select(
            literal_column("asset_fts_keys.asset_id").label("asset_id"),
            (-func.bm25(literal_column("asset_fts"), 0.0, 10.0, 4.0, 1.0, 2.0, 2.0, 3.0)).label(
                "score"
            ),
        )
        .select_from(text("asset_fts JOIN asset_fts_keys ON asset_fts_keys.doc = asset_fts.rowid"))
        .where(text("asset_fts MATCH :ftsq").bindparams(ftsq=fts_query))
    )


def _pg_escape(term: str) -> str:
    # Terms are \w+ words (see ``terms_of``); quote anyway so no operator slips in.
    return "'" + term.replace("'", "''").replace("\\", "") + "'"


async def forget_fts(
    session: AsyncSession, ids: Sequence[uuid.UUID], *, gone: bool = False
) -> None:
    """SQLite only: delete the FTS5 rows of ``ids``, found by their keys
    (``asset_fts_keys``: the FTS5 rowid index, not a scan of the index); with ``gone``
    (the assets are deleted) their keys too. A re-indexed asset keeps its key."""
    if not ids:
        return
    keys: BindParameter[list[str]] = bindparam("ids", [_key(i) for i in ids], expanding=True)
    await session.execute(
        text(
            "DELETE FROM asset_fts WHERE rowid IN "
            "(SELECT doc FROM asset_fts_keys WHERE asset_id IN :ids)"
        ).bindparams(keys)
    )
    if gone:
        await session.execute(
            text("DELETE FROM asset_fts_keys WHERE asset_id IN :ids").bindparams(keys)
        )


def _key(value: object) -> str:
    """The FTS table stores ids as the same 32-hex text SQLAlchemy's Uuid uses on SQLite."""
    return value.hex if isinstance(value, uuid.UUID) else str(value)
