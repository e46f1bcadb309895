"""A PostgreSQL table's sample, fetched by column.

One row per sampled row costs the client a record per row and a transpose
afterwards; ``array_agg`` over the bounded sample returns one row holding one
array per column, which asyncpg decodes straight into lists (client CPU per
500-row, 20-column table: 4.8 ms for ``SELECT *``, 1.9 ms this way; server CPU
2.1 ms and 3.3 ms). Cells over the size limit are cut in SQL (``left`` for text,
XML and JSON documents, ``substring`` for bytes), so an oversized cell never
crosses the network whole and the scan need not measure every string.

Columns whose values are arrays cannot be aggregated this way (``array_agg``
refuses arrays of unequal dimensions and null arrays), nor can types we do not
recognise be trusted to: such tables, and any aggregate the server refuses, are
sampled row by row. An array, or a value of a type we do not know (``hstore``,
``tsvector``, a composite…), whose text is over the size limit is not sent: the row
carries, in an extra column, that text cut to the limit (an array's as JSON, what the
scan would make of it: ``cells.to_plain``). Sent whole, 40 rows of 2-million-element
``int[]`` took a worker to 3.4 GB.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
from asyncpg.exceptions import CharacterNotInRepertoireError, UntranslatableCharacterError

from racine.domain.scanning.source import MAX_CELL_BYTES, ColumnMeta

__all__ = ["SampleQuery", "fetch_columns"]

# Types whose cells are scalars (never arrays): what the scan's tables mostly hold.
_SCALAR_PREFIXES = (
    "BIGINT",
    "BOOLEAN",
    "BYTEA",
    "CHAR",
    "DATE",
    "DOUBLE PRECISION",
    "FLOAT",
    "INTEGER",
    "INTERVAL",
    "JSON",
    "MONEY",
    "NUMERIC",
    "DECIMAL",
    "REAL",
    "SMALLINT",
    "TEXT",
    "TIME",
    "TIMESTAMP",
    "UUID",
    "VARCHAR",
)


class SampleQuery:
    """The SQL of one table's sample: cell expressions by column, and whether the
    columns can be aggregated."""

    def __init__(
        self,
        quote: Callable[[str], str],
        schema: str,
        table: str,
        columns: Sequence[ColumnMeta],
        exact: frozenset[str],
        rows: int,
    ) -> None:
        self.names = list(dict.fromkeys(c.name for c in columns))
        types = {c.name: c.data_type.upper() for c in columns}
        # Cells cut in SQL: the scan need not measure them again.
        self.cut = frozenset(n for n in self.names if _cut(types[n]) is not None and n not in exact)
        cells, cuts, raw = [], [], []
        self.oversized: list[int] = []  # positions of the columns of ``cuts``, in order
        self.as_bytes: list[int] = []  # positions of the columns ``bytes_sql`` sends as bytes
        for position, name in enumerate(self.names):
            column, kind = quote(name), types[name]
            if name in exact:  # money as the number it holds, not its locale's text
                expression = f"{column}::numeric::text" if kind == "MONEY" else f"{column}::text"
            elif _cut(kind) is None and not _scalar(kind):
                # An array, or a type we do not know (hstore, tsvector, a composite…):
                # not sent when its text is over the cap, that text cut instead.
                array = "[" in kind
                over = (_array_over if array else _text_over).format(column)
                text = f"array_to_json({column})::text" if array else f"{column}::text"
                self.oversized.append(position)
                expression = f"CASE WHEN {over} THEN NULL ELSE {column} END"
                cuts.append(f"CASE WHEN {over} THEN left({text}, {MAX_CELL_BYTES}) END")
            else:
                expression = (_cut(kind) or "{0}").format(column)
            cells.append(f"{expression} AS {column}")
            if name not in exact and not _textless(kind):
                self.as_bytes.append(position)
                expression = f"convert_to(left({column}::text, {MAX_CELL_BYTES}), 'SQL_ASCII')"
            raw.append(f"{expression} AS {column}")
        source = f"FROM {quote(schema)}.{quote(table)} LIMIT {int(rows)}"
        self.rows_sql = f"SELECT {', '.join(cells + cuts)} {source}"
        # Text as the bytes the database holds (see ``fetch_columns``), cut to the cap.
        self.bytes_sql = f"SELECT {', '.join(raw)} {source}"
        self.aggregable = all(_scalar(t) for t in types.values())
        aggregates = ", ".join(f"array_agg({quote(n)})" for n in self.names)
        self.columns_sql = f"SELECT {aggregates} FROM ({self.rows_sql}) AS sample"


# An array whose text is over the limit: surely when it has more elements than half
# the limit (each takes a character and a comma at least), which costs no text; else
# by its text's length (a CASE, so that this comes second).
_array_over = (
    f"CASE WHEN cardinality({{0}}) > {MAX_CELL_BYTES // 2} THEN true"
    f" ELSE octet_length({{0}}::text) > {MAX_CELL_BYTES} END"
)


_text_over = f"octet_length({{0}}::text) > {MAX_CELL_BYTES}"


def _scalar(data_type: str) -> bool:
    return "[" not in data_type and data_type.startswith(_SCALAR_PREFIXES)


def _textless(data_type: str) -> bool:
    """Values that are never text (numbers, dates, bytes…), whatever the encoding."""
    return _scalar(data_type) and not data_type.startswith(("CHAR", "JSON", "TEXT", "VARCHAR"))


def _cut(data_type: str) -> str | None:
    """A SQL template cutting a cell of ``data_type`` to ``MAX_CELL_BYTES``, if any.
    Only cells over the limit are cut: ``octet_length`` reads a length the value
    carries, ``left`` counts characters (on every cell it cost the server ~1.5 ms
    per 500-row table). ``CHAR(n)`` is left alone: ``left`` would make it text and
    drop its padding."""
    if "[" in data_type:  # an array of them
        return None
    if data_type.startswith(("TEXT", "VARCHAR", "CHARACTER VARYING")):
        cut = f"left({{0}}, {MAX_CELL_BYTES})"
    elif data_type.startswith("BYTEA"):
        cut = f"substring({{0}} from 1 for {MAX_CELL_BYTES})"
    elif data_type in ("JSON", "JSONB"):
        # a document over the limit becomes a JSON string of its cut text, what the
        # scan would make of it (``cells.to_plain``); the others stay documents
        as_json = "to_jsonb" if data_type == "JSONB" else "to_json"
        return (
            f"CASE WHEN octet_length({{0}}::text) > {MAX_CELL_BYTES}"
            f" THEN {as_json}(left({{0}}::text, {MAX_CELL_BYTES})) ELSE {{0}} END"
        )
    elif data_type == "XML":  # read as its text either way
        return (
            f"CASE WHEN octet_length({{0}}::text) > {MAX_CELL_BYTES}"
            f" THEN left({{0}}::text, {MAX_CELL_BYTES}) ELSE {{0}}::text END"
        )
    else:
        return None
    return f"CASE WHEN octet_length({{0}}) > {MAX_CELL_BYTES} THEN {cut} ELSE {{0}} END"


async def fetch_columns(connection: Any, query: SampleQuery) -> list[Sequence[object]]:
    """The sample's cells by column (in ``query.names`` order).

    A database created ``SQL_ASCII`` stores whatever bytes it was given, and cannot send
    those that are not UTF-8 (Latin-1 text, say) to a UTF-8 client: the sample is then
    read again with its text as bytes, each value read as UTF-8 where it is valid, else
    as Windows-1252 (the usual encoding of such data, a superset of Latin-1's letters)."""
    try:
        return await _fetch_columns(connection, query)
    except (CharacterNotInRepertoireError, UntranslatableCharacterError):
        records = await connection.fetch(query.bytes_sql)
    columns: list[Sequence[object]] = list(zip(*records, strict=True)) or [()] * len(query.names)
    for position in query.as_bytes:
        columns[position] = [_legacy_text(value) for value in columns[position]]
    return columns


def _legacy_text(value: object) -> object:
    if not isinstance(value, bytes):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("cp1252", errors="replace")


async def _fetch_columns(connection: Any, query: SampleQuery) -> list[Sequence[object]]:
    if query.aggregable:
        # A refused aggregate (e.g. a domain over an array type): row by row below.
        with contextlib.suppress(asyncpg.DataError):
            row = await connection.fetchrow(query.columns_sql)
            assert row is not None  # an aggregate always returns one row
            return [cells or [] for cells in row.values()]
    records = await connection.fetch(query.rows_sql)
    if query.oversized:
        records = [_with_cuts(record, query) for record in records]
    return list(zip(*records, strict=True)) or [()] * len(query.names)


def _with_cuts(record: Sequence[object], query: SampleQuery) -> tuple[object, ...]:
    """A row's cells, those over the limit replaced by their cut text (the columns
    after the table's)."""
    count = len(query.names)
    cells = list(record[:count])
    for extra, position in enumerate(query.oversized, start=count):
        if record[extra] is not None:
            cells[position] = record[extra]
    return tuple(cells)
