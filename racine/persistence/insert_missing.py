"""Insert rows that are not there yet: the write of an idempotent assignment.

Attaching a glossary term, a tag or an owner to an asset adds a row to a link table
keyed by the pair. Such a use case reads the links first, but two identical calls at
once both read them before either commits; a plain INSERT in the second then hits the
table's primary key (on PostgreSQL after waiting for the first to commit, on SQLite
once it gets the write lock). The row it wanted is there, which is all it asked for:
``INSERT ... ON CONFLICT DO NOTHING`` (both dialects) skips it instead of failing the
call, and tells the caller which rows it did add, so a call that added none
records and announces nothing, as when it found the link on reading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import FromClause, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["insert_missing"]

_CHUNK = 1000
"""Rows per statement. A link row binds two parameters, and SQLite and asyncpg take at
most 32,767 (about 16,000 rows); a bulk edit of 100 assets x 50 tags is 5,000 rows."""


async def insert_missing(
    session: AsyncSession, table: FromClause, rows: Sequence[Mapping[str, Any]]
) -> list[tuple[Any, ...]]:
    """Insert those of ``rows`` whose key (any unique key of ``table``) is free, one
    statement per ``_CHUNK`` rows; the primary keys of the rows inserted."""
    if not rows:
        return []
    assert isinstance(table, Table), table
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted: list[tuple[Any, ...]] = []
    for first in range(0, len(rows), _CHUNK):
        statement = (
            dialect.insert(table)
            .values([dict(r) for r in rows[first : first + _CHUNK]])
            .on_conflict_do_nothing()
            .returning(*table.primary_key.columns)
        )
        inserted.extend(tuple(row) for row in await session.execute(statement))
    return inserted
