"""SqlConnector samples bounded, plain values and cannot write or run forever."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from connector_sources import BIG_TEXT, BINARY, ORDER_ROWS, Source
from sqlalchemy import text

from racine.connectors import SqlConnector, connector_for
from racine.domain.errors import ConnectionFailed, NotFound, ValidationFailed
from racine.domain.scanning.cells import plain_sample
from racine.domain.scanning.source import MAX_CELL_BYTES, MAX_SAMPLE_ROWS


@pytest.fixture
async def connector(source: Source) -> AsyncIterator[SqlConnector]:
    conn = connector_for(source.url)
    yield conn
    await conn.close()


async def test_sample_defaults_to_128_rows(source: Source, connector: SqlConnector) -> None:
    sample = await connector.sample(source.schema, "orders", ["id", "amount"])

    assert set(sample) == {"id", "amount"}
    assert len(sample["id"]) == len(sample["amount"]) == 128
    assert all(isinstance(v, int) for v in sample["id"])
    # Decimal narrowed: integral amounts to int, the rest to float
    assert all(type(v) in (int, float) for v in sample["amount"])
    assert 1.25 in sample["amount"]


async def test_sample_honours_limit_and_hard_cap(source: Source, connector: SqlConnector) -> None:
    few = await connector.sample(source.schema, "orders", ["id"], limit=7)
    capped = await connector.sample(source.schema, "orders", ["id"], limit=50_000)

    assert len(few["id"]) == 7
    assert ORDER_ROWS > MAX_SAMPLE_ROWS
    assert len(capped["id"]) == MAX_SAMPLE_ROWS
    with pytest.raises(ValidationFailed):
        await connector.sample(source.schema, "orders", ["id"], limit=0)


async def test_sample_every_column_and_views(source: Source, connector: SqlConnector) -> None:
    whole = await connector.sample(source.schema, "customers")
    view = await connector.sample(source.schema, "big_orders", limit=5)

    assert list(whole) == ["id", "email", "name", "created_at"]
    assert sorted(map(str, whole["email"])) == [
        "c1@example.com",
        "c2@example.com",
        "c3@example.com",
    ]
    assert len(view["amount"]) == 5
    assert all(v > 100 for v in view["amount"])  # type: ignore[operator]


async def test_sample_truncates_big_cells_and_keeps_binary(
    source: Source, connector: SqlConnector
) -> None:
    sample = await connector.sample(source.schema, "documents", ["body", "payload"])

    (body,) = sample["body"]
    (payload,) = sample["payload"]
    assert BIG_TEXT > MAX_CELL_BYTES
    assert body == "x" * MAX_CELL_BYTES
    assert payload == BINARY


async def test_writes_through_the_connector_are_refused(
    source: Source, connector: SqlConnector
) -> None:
    orders = source.q("orders")

    with pytest.raises(ConnectionFailed) as caught:
        async with connector.connection() as conn:
            await conn.execute(text(f"DELETE FROM {orders}"))
            await conn.commit()

    assert caught.value.reason == "PERMISSION_DENIED"
    assert await source.scalar(f"SELECT COUNT(*) FROM {orders}") == ORDER_ROWS


async def test_ddl_through_the_connector_is_refused(
    source: Source, connector: SqlConnector
) -> None:
    with pytest.raises(ConnectionFailed) as caught:
        async with connector.connection() as conn:
            await conn.execute(text(f"CREATE TABLE {source.q('intruder')} (id integer)"))
            await conn.commit()

    assert caught.value.reason == "PERMISSION_DENIED"


_SLOW = {
    "postgresql": "SELECT pg_sleep(20)",
    "mysql": "SELECT COUNT(*) FROM information_schema.COLUMNS a, information_schema.COLUMNS b,"
    " information_schema.COLUMNS c",
    "sqlite": "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)"
    " SELECT COUNT(*) FROM n",
}


async def test_statements_are_cut_at_the_statement_timeout(source: Source) -> None:
    connector = connector_for(source.url, statement_timeout_s=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(ConnectionFailed) as caught:
            async with connector.connection() as conn:
                await conn.execute(text(_SLOW[source.kind]))
    finally:
        await connector.close()

    assert caught.value.reason == "TIMEOUT"
    assert time.monotonic() - started < 10


async def test_portable_sample_is_the_plain_sample_once_made_plain(
    source: Source, connector: SqlConnector
) -> None:
    # Given the reflected tables (exact decimals, text, big text and binary)
    tables = await connector.reflect_tables(source.schema, ["orders", "documents", "customers"])

    for name, table in tables.items():
        # When a scan samples them for its process pool
        portable = await connector.sample_portable(source.schema, name, table.columns, 50)
        plain = await connector.sample(source.schema, name, [c.name for c in table.columns], 50)

        # Then the pool's conversion gives exactly the plain sample
        made = plain_sample(portable.columns, portable.exact_text, portable.cut)
        assert repr(made) == repr(plain), name

    # and the exact decimals crossed as text, not converted here (SQLite has none)
    orders = await connector.sample_portable(source.schema, "orders", tables["orders"].columns, 5)
    if source.kind == "sqlite":
        assert orders.exact_text == frozenset()
    else:
        assert orders.exact_text == {"amount"}
        assert all(type(v) is str for v in orders.columns["amount"] if v is not None)
    # big cells are cut before they cross
    documents = await connector.sample_portable(
        source.schema, "documents", tables["documents"].columns, 5
    )
    assert documents.columns["body"] == ["x" * MAX_CELL_BYTES]
    # ...by the source, which sends no more of a cell (a 16 MB document is not fetched
    # whole to be cut here)
    assert {"body", "payload"} <= documents.cut


async def test_portable_sample_of_a_dropped_table_is_not_found(
    source: Source, connector: SqlConnector
) -> None:
    table = await connector.reflect_table(source.schema, "orders")

    with pytest.raises(NotFound):
        await connector.sample_portable(source.schema, "no_such_table", table.columns, 5)


async def test_mysql_geometries_over_the_cap_are_cut_by_the_source(
    source: Source, connector: SqlConnector
) -> None:
    if source.kind != "mysql":
        pytest.skip("MySQL/MariaDB geometry columns")
    # Given a geometry column holding a point and a line of ~160 KB
    line = ", ".join(f"{i} {i}" for i in range(10_000))
    await source.run(
        f"CREATE TABLE {source.q('shapes')} (id int PRIMARY KEY, g geometry)",
        f"INSERT INTO {source.q('shapes')} VALUES (1, ST_GeomFromText('POINT(1 1)')),"
        f" (2, ST_GeomFromText('LINESTRING({line})'))",
    )
    table = await connector.reflect_table(source.schema, "shapes")

    # When a scan samples it
    portable = await connector.sample_portable(source.schema, "shapes", table.columns, 5)

    # Then the point arrives whole and the line cut to the cap, by the source
    point, shape = portable.columns["g"]
    assert isinstance(point, bytes) and len(point) == 25
    assert isinstance(shape, bytes) and len(shape) == MAX_CELL_BYTES
    assert "g" in portable.cut
