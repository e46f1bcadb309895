"""A table's sample read row by row through SQLAlchemy, as a plain synchronous
function over a ``Connection`` (run like :mod:`racine.connectors.reflection`):
MySQL/MariaDB and SQLite samples, and every engine's plain ``sample()``.
PostgreSQL's scan samples are fetched by column instead
(:mod:`racine.connectors.postgres_sample`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, String, case, cast, func, literal_column, select
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.sql.expression import ColumnElement

from racine.connectors.values import plain_column, portable_column
from racine.domain.scanning.source import MAX_CELL_BYTES

__all__ = ["sample_rows"]


def sample_rows(
    conn: Connection,
    schema: str,
    table: str,
    columns: Sequence[str] | None,
    limit: int,
    *,
    as_text: Collection[str] = (),
    cut: Collection[str] = (),
    plain: bool = True,
) -> dict[str, list[object]]:
    """Up to ``limit`` rows by column: plain values, or only portable ones
    (``plain=False``, see ``racine.domain.scanning.cells``); the columns of
    ``as_text`` are read cast to text, the text or binary cells of ``cut`` cut to
    ``MAX_CELL_BYTES`` by the source (a 16 MB document is not fetched whole)."""
    if columns is None:
        selected: list[ColumnElement[Any]] = [literal_column("*")]
    else:
        selected = [
            cast(sa_column(c), String).label(c)
            if c in as_text
            else _cut(sa_column(c)).label(c)
            if c in cut
            else sa_column(c)
            for c in dict.fromkeys(columns)
        ]
        if not selected:
            return {}
    stmt = select(*selected).select_from(sa_table(table, schema=schema))
    result = conn.execute(stmt.limit(limit))
    keys = list(result.keys())
    rows = result.fetchall()
    cells: list[Sequence[object]] = list(zip(*rows, strict=True)) if rows else [()] * len(keys)
    convert = plain_column if plain else portable_column
    return {key: convert(values, cut=key in cut) for key, values in zip(keys, cells, strict=True)}


def _cut(cell: ColumnElement[Any]) -> ColumnElement[Any]:
    """``cell`` cut to ``MAX_CELL_BYTES`` characters (text) or bytes (binary) if it is
    longer, as it is: ``length`` counts bytes on MySQL, so a text within the limit is
    never cut, and on SQLite a number's length is its few digits."""
    return case(
        (func.length(cell) > MAX_CELL_BYTES, func.substr(cell, 1, MAX_CELL_BYTES)), else_=cell
    )
