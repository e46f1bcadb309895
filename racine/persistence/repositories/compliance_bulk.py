"""Bulk inserts for compliance and incident rows: COPY on PostgreSQL, executemany
elsewhere.

A first evaluation of a large catalog writes tens of thousands of findings;
binary COPY through asyncpg (on the session's own connection, so inside its
transaction) costs a fraction of batched INSERTs, and it streams: rows given
as an async iterable are sent while the iterable is still producing them (an
evaluation writes one control's findings while it evaluates the next). JSON
columns are given as text already serialised by the caller (the evaluator
serialises evidence once, for its digest and for storage).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Collection, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, Text, bindparam, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["as_async", "insert_rows"]

_CHUNK = 1000

T = TypeVar("T")

Rows = Iterable[tuple[Any, ...]] | AsyncIterable[tuple[Any, ...]]


async def insert_rows(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    rows: Rows,
    json_columns: Collection[str] = (),
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``; values of
    ``json_columns`` are JSON text) in the session's transaction."""
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        if not driver.is_in_transaction():  # the adapter begins lazily, on first use
            await session.execute(text("SELECT 1"))
        await driver.copy_records_to_table(table.name, records=rows, columns=list(columns))
        return
    # Bind JSON columns as text: the JSON type would serialise the text again.
    names = [f"{c}__text" if c in json_columns else c for c in columns]
    statement = insert(table).values(
        {c: bindparam(f"{c}__text", type_=Text()) for c in json_columns}
    )
    batch: list[dict[str, Any]] = []
    async for row in as_async(rows):
        batch.append(dict(zip(names, row, strict=True)))
        if len(batch) >= _CHUNK:
            await session.execute(statement, batch)
            batch = []
    if batch:
        await session.execute(statement, batch)


async def as_async(items: Iterable[T] | AsyncIterable[T]) -> AsyncIterator[T]:
    """``items``, plain or async, as an async iterator."""
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item
