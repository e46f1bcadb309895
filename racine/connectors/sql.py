"""``SourceConnector`` over SQLAlchemy async engines (PostgreSQL, MySQL/MariaDB, SQLite).

Each public call borrows a pooled read-only connection, runs the synchronous
inspector or a bounded query through ``run_sync``, and converts every driver
failure into the domain's ``ConnectionFailed``/``NotFound``. A backstop
``asyncio.timeout`` covers a source that stops answering altogether (the
database's own statement timeout covers the rest).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from racine.connectors import identity, reflection, row_sample
from racine.connectors.engines import build_engine
from racine.connectors.failures import to_domain_error
from racine.connectors.postgres_sample import SampleQuery, fetch_columns
from racine.connectors.url import Dialect, Target
from racine.connectors.values import portable_column
from racine.domain.errors import ValidationFailed
from racine.domain.scanning.source import (
    DEFAULT_SAMPLE_ROWS,
    MAX_SAMPLE_ROWS,
    ColumnMeta,
    PortableSample,
    TableMeta,
    TableRef,
)

__all__ = ["SqlConnector"]

T = TypeVar("T")


def _exact_decimal(dialect: Dialect, data_type: str) -> bool:
    """Exact decimals, which the drivers decode into ``Decimal``: read as text
    instead (decoding, pickling and converting a ``Decimal`` costs more). So is
    PostgreSQL's ``money``, as the number it holds (``postgres_sample``): its own
    text (``$1,234.50``) depends on the server's locale and profiles as a string."""
    if dialect is Dialect.SQLITE or "[" in data_type:
        return False
    upper = data_type.upper()
    return upper.startswith(("NUMERIC", "DECIMAL")) or (
        dialect is Dialect.POSTGRESQL and upper == "MONEY"
    )


# MySQL/MariaDB types whose cells may be long text or bytes (up to 4 GB).
_MYSQL_SIZED = ("CHAR", "VARCHAR", "TEXT", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "BINARY",
                "VARBINARY", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "JSON",
                "GEOMETRY", "POINT", "LINESTRING", "POLYGON", "MULTI")  # fmt: skip


def _sized(dialect: Dialect, data_type: str) -> bool:
    """Cells the source cuts to ``MAX_CELL_BYTES`` before sending them: MySQL's text,
    binary, JSON and geometry (its bytes) columns; on SQLite every column, whatever it
    declares (a number stays a number: only a longer cell is cut). PostgreSQL's are
    cut by ``postgres_sample``."""
    if dialect is Dialect.SQLITE:
        return True
    return dialect is Dialect.MYSQL and data_type.upper().startswith(_MYSQL_SIZED)


def _text_date(dialect: Dialect, data_type: str) -> bool:
    """A SQLite column declared as a date, timestamp or time: SQLite has no such
    storage class, its cells are the ISO texts (or numbers) the writer chose."""
    return dialect is Dialect.SQLITE and data_type.upper().startswith(("DATE", "TIME"))


class SqlConnector:
    """A read-only connector to one SQL source; implements ``SourceConnector``.

    Build it with :func:`racine.connectors.connector_for`. ``connection()`` hands
    out the raw read-only ``AsyncConnection`` for adapters that need SQL of their
    own (and for tests proving writes are refused).
    """

    def __init__(
        self, target: Target, *, statement_timeout_s: float, connect_timeout_s: float
    ) -> None:
        self._target = target
        self._engine: AsyncEngine = build_engine(
            target, statement_timeout_s=statement_timeout_s, connect_timeout_s=connect_timeout_s
        )
        # Several statements per call, each capped by the server; this only
        # catches a source that went silent mid-call.
        self._backstop_s = connect_timeout_s + 2 * statement_timeout_s + 5
        # PostgreSQL samples' connections, kept between samples (see ``_sampler``).
        self._samplers: list[AsyncConnection] = []
        self._keep_samplers = self._engine.pool.size() - 1  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"SqlConnector({self._target.dialect.value}, {self._target.label!r})"

    @property
    def dialect(self) -> Dialect:
        return self._target.dialect

    @property
    def label(self) -> str:
        """``host:port/database`` (or the SQLite path): safe to show and log."""
        return self._target.label

    async def test(self) -> None:
        await self._run(lambda conn: conn.execute(text("SELECT 1")).scalar_one())

    async def list_schemas(self) -> list[str]:
        dialect = self.dialect
        return await self._run(lambda conn: reflection.list_schemas(conn, dialect))

    async def schema_keys(self) -> dict[str, str]:
        dialect = self.dialect
        return await self._run(lambda conn: identity.schema_keys(conn, dialect))

    async def list_tables(self, schema: str) -> list[TableRef]:
        dialect = self.dialect
        return await self._run(lambda conn: reflection.list_tables(conn, schema, dialect))

    async def reflect_table(self, schema: str, name: str) -> TableMeta:
        dialect = self.dialect
        return await self._run(lambda conn: reflection.reflect_table(conn, dialect, schema, name))

    async def reflect_tables(self, schema: str, names: Sequence[str]) -> dict[str, TableMeta]:
        dialect, wanted = self.dialect, list(names)
        return await self._run(
            lambda conn: reflection.reflect_tables(conn, dialect, schema, wanted)
        )

    async def sample(
        self,
        schema: str,
        table: str,
        columns: Sequence[str] | None = None,
        limit: int = DEFAULT_SAMPLE_ROWS,
    ) -> dict[str, list[object]]:
        if limit < 1:
            raise ValidationFailed("limit must be at least 1", field="limit")
        rows = min(limit, MAX_SAMPLE_ROWS)
        cols = None if columns is None else list(columns)
        return await self._run(lambda conn: row_sample.sample_rows(conn, schema, table, cols, rows))

    async def sample_portable(
        self, schema: str, table: str, columns: Sequence[ColumnMeta], limit: int
    ) -> PortableSample:
        if limit < 1:
            raise ValidationFailed("limit must be at least 1", field="limit")
        rows = min(limit, MAX_SAMPLE_ROWS)
        # A column the user may not read would have the lot refused; none readable,
        # the refusal is the answer (PERMISSION_DENIED).
        columns = [c for c in columns if c.readable] or list(columns)
        exact = frozenset(c.name for c in columns if _exact_decimal(self.dialect, c.data_type))
        if self.dialect is Dialect.POSTGRESQL:
            return await self._sample_postgresql(schema, table, columns, exact, rows)
        names = list(dict.fromkeys(c.name for c in columns))
        cut = frozenset(c.name for c in columns if _sized(self.dialect, c.data_type))
        cells = await self._run(
            lambda conn: row_sample.sample_rows(
                conn, schema, table, names, rows, as_text=exact, cut=cut, plain=False
            )
        )
        dated = frozenset(c.name for c in columns if _text_date(self.dialect, c.data_type))
        return PortableSample(cells, exact, cut, text_dates=dated)

    async def _sample_postgresql(
        self,
        schema: str,
        table: str,
        columns: Sequence[ColumnMeta],
        exact: frozenset[str],
        rows: int,
    ) -> PortableSample:
        """On the asyncpg connection itself, by column (``postgres_sample``): no
        transaction to begin and roll back, no statement to compile, no result rows
        to wrap or transpose."""
        query = SampleQuery(
            self._engine.dialect.identifier_preparer.quote, schema, table, columns, exact, rows
        )
        if not query.names:
            return PortableSample({}, exact)
        try:
            async with asyncio.timeout(self._backstop_s), self._sampler() as connection:
                cells = await fetch_columns(connection, query)
        except Exception as error:
            raise to_domain_error(error, self._target) from None
        return PortableSample(
            {
                name: portable_column(values, cut=name in query.cut)
                for name, values in zip(query.names, cells, strict=True)
            },
            exact,
            query.cut,
        )

    @asynccontextmanager
    async def _sampler(self) -> AsyncIterator[Any]:
        """An asyncpg connection for one sample. Samples run outside transactions, so
        their connection need not go back to the pool after each (a checkout and
        return cost ~0.2 ms of CPU per table): up to one fewer than the pool holds
        are kept for the next samples, the rest of the pool stays free for the other
        calls. A connection whose sample failed is returned to the pool."""
        conn = self._samplers.pop() if self._samplers else await self._engine.connect()
        keep = False
        try:
            driver: Any = (await conn.get_raw_connection()).driver_connection
            if driver.is_closed():  # kept, then closed by the server: a fresh one
                await conn.invalidate()
                conn = await self._engine.connect()
                driver = (await conn.get_raw_connection()).driver_connection
            yield driver
            keep = not driver.is_closed() and len(self._samplers) < self._keep_samplers
        finally:
            if keep:
                self._samplers.append(conn)
            else:
                await conn.close()

    async def close(self) -> None:
        samplers, self._samplers = self._samplers, []
        for conn in samplers:
            await conn.close()
        await self._engine.dispose()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A pooled read-only connection; failures inside the block are mapped too."""
        try:
            async with self._engine.connect() as conn:
                yield conn
        except Exception as error:
            raise to_domain_error(error, self._target) from None

    async def _run(self, work: Callable[[Connection], T]) -> T:
        try:
            async with asyncio.timeout(self._backstop_s), self._engine.connect() as conn:
                return await conn.run_sync(work)
        except Exception as error:
            raise to_domain_error(error, self._target) from None
