"""PostgreSQL samples are fetched by column, and give the cells row-by-row gives."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from connector_sources import POSTGRES_URL, Source
from sqlalchemy import event

from racine.connectors import connector_for
from racine.connectors.engines import APPLICATION_NAME
from racine.connectors.postgres_sample import SampleQuery, fetch_columns
from racine.domain.scanning.source import MAX_CELL_BYTES, ColumnMeta, PortableSample


@pytest.fixture
def source_kind() -> str:
    """Only PostgreSQL here: the other engines sample row by row."""
    if not POSTGRES_URL:
        pytest.skip("RACINE_TEST_POSTGRES_URL not set")
    return "postgresql"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _rows_and_columns(
    source: Source, table: str, columns: list[ColumnMeta], rows: int = 50
) -> tuple[SampleQuery, list[object], list[object]]:
    query = SampleQuery(_quote, source.schema, table, columns, frozenset(), rows)
    conn = await asyncpg.connect(POSTGRES_URL.replace("+asyncpg", ""))
    try:
        by_rows = list(zip(*await conn.fetch(query.rows_sql), strict=True))
        by_columns = await fetch_columns(conn, query)
    finally:
        await conn.close()
    return query, [list(c) for c in by_rows], [list(c) for c in by_columns]


async def test_scalar_tables_are_aggregated_with_the_same_cells(empty_source: Source) -> None:
    # given a table of scalar columns with nulls, an odd name and a text over the cap
    src = empty_source
    await src.run(
        f'CREATE TABLE {src.q("t")} (id int, "Odd name" text, amount numeric, born date)',
        f"INSERT INTO {src.q('t')} SELECT g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'v' || g END,"
        " g / 7.0, DATE '2000-01-01' + g FROM generate_series(1, 40) g",
    )
    connector = connector_for(src.url)
    try:
        table = await connector.reflect_table(src.schema, "t")
        # when it is sampled by column and row by row
        query, by_rows, by_columns = await _rows_and_columns(src, "t", list(table.columns))
        portable = await connector.sample_portable(src.schema, "t", table.columns, 50)
    finally:
        await connector.close()
    # then the aggregate was used and the cells are the same, in the same order
    assert query.aggregable
    assert by_columns == by_rows and len(by_columns[0]) == 40
    assert portable.columns["Odd name"] == by_rows[1]
    assert "Odd name" in query.cut and "amount" not in query.cut
    assert portable.cut == query.cut  # the pool need not measure those cells again


async def test_documents_over_the_cap_are_cut_by_the_server(empty_source: Source) -> None:
    # given JSON and XML documents, small and over the cap
    src = empty_source
    big = MAX_CELL_BYTES + 10
    await src.run(
        f"CREATE TABLE {src.q('d')} (id int, doc jsonb, raw json, page xml)",
        f"INSERT INTO {src.q('d')} VALUES (1, '{{\"k\": [1, 2]}}', '{{\"a\":1}}', '<a>1</a>'),"
        f" (2, jsonb_build_object('k', repeat('x', {big})), json_build_object('k', repeat('y',"
        f" {big})), xmlparse(content '<a>' || repeat('z', {big}) || '</a>'))",
    )
    # when it is sampled for the scan
    portable = await _portable(src, "d")
    # then small documents arrive as they are, and those over the cap as their text cut
    # to it (what the scan made of them once whole), which the pool need not measure
    doc, raw, page = (portable.columns[n] for n in ("doc", "raw", "page"))
    assert (doc[0], raw[0], page[0]) == ({"k": [1, 2]}, {"a": 1}, "<a>1</a>")
    assert doc[1] == '{"k": "' + "x" * (MAX_CELL_BYTES - 7)
    assert raw[1] == '{"k" : "' + "y" * (MAX_CELL_BYTES - 8)  # json keeps its spacing
    assert page[1] == "<a>" + "z" * (MAX_CELL_BYTES - 3)
    assert {"doc", "raw", "page"} <= portable.cut


async def test_arrays_and_unknown_types_over_the_cap_are_cut_by_the_server(
    empty_source: Source,
) -> None:
    # given arrays small, null, nested, with more elements than the cap, and with few
    # elements whose text is over it; and a composite type's values, small and over it
    src = empty_source
    many, wide = MAX_CELL_BYTES // 2 + 1, MAX_CELL_BYTES + 10
    await src.run(
        f"CREATE TYPE {src.q('pair')} AS (k text, v text)",
        f"CREATE TABLE {src.q('s')} (id int, points int[], words text[], kv {src.q('pair')})",
        f"INSERT INTO {src.q('s')} VALUES (1, ARRAY[1, 2], ARRAY[['a', 'b'], ['c', 'd']],"
        " ROW('k', 'v')), (2, NULL, NULL, NULL),"
        f" (3, ARRAY(SELECT generate_series(1, {many})), ARRAY[repeat('x', {wide}), 'y'],"
        f" ROW('k', repeat('v', {wide})))",
    )
    # when it is sampled for the scan
    portable = await _portable(src, "s")
    # then small values arrive as the driver gives them, and those over the cap as
    # their text cut to it (an array's as JSON): the row carried none of them whole
    points, words, kv = (portable.columns[n] for n in ("points", "words", "kv"))
    assert points[:2] == [[1, 2], None] and words[:2] == [[["a", "b"], ["c", "d"]], None]
    assert not isinstance(kv[0], str) and kv[1] is None
    assert isinstance(points[2], str) and len(points[2]) == MAX_CELL_BYTES
    assert points[2].startswith("[1,2,3,") and not points[2].endswith("]")
    assert words[2] == '["' + "x" * (MAX_CELL_BYTES - 2)
    assert kv[2] == "(k," + "v" * (MAX_CELL_BYTES - 3)


async def test_an_empty_table_samples_as_empty_columns(empty_source: Source) -> None:
    src = empty_source
    await src.run(f"CREATE TABLE {src.q('e')} (id int, name text)")
    portable = await _portable(src, "e")
    assert portable.columns == {"id": [], "name": []}


async def _portable(src: Source, table: str) -> PortableSample:
    """``table`` reflected and sampled (50 rows) as a scan samples it for its pool."""
    connector = connector_for(src.url)
    try:
        meta = await connector.reflect_table(src.schema, table)
        return await connector.sample_portable(src.schema, table, meta.columns, 50)
    finally:
        await connector.close()


async def test_an_aggregate_the_server_refuses_falls_back_to_rows(empty_source: Source) -> None:
    # given int arrays of unequal dimensions, passed off as a scalar type (as a
    # domain over an array type could be): array_agg refuses to stack them
    src = empty_source
    await src.run(
        f"CREATE TABLE {src.q('a')} (id int, grid int[])",
        f"INSERT INTO {src.q('a')} VALUES (1, ARRAY[1, 2]), (2, ARRAY[[1, 2], [3, 4]]), (3, NULL)",
    )
    columns = [
        ColumnMeta("id", "INTEGER", True, None, None, 1, False),
        ColumnMeta("grid", "INTEGER", True, None, None, 2, False),
    ]
    # when it is sampled, then it is read row by row instead, with every cell
    query, by_rows, by_columns = await _rows_and_columns(src, "a", columns)
    assert query.aggregable
    assert by_columns == by_rows == [[1, 2, 3], [[1, 2], [[1, 2], [3, 4]], None]]


async def test_samples_keep_their_connection_between_tables(empty_source: Source) -> None:
    # given three tables, sampled one after the other
    src = empty_source
    await src.run(*(f"CREATE TABLE {src.q(f't{i}')} AS SELECT 1 AS id" for i in range(3)))
    connector = connector_for(src.url)
    pool = connector._engine.sync_engine.pool
    checkouts: list[object] = []
    event.listen(pool, "checkout", lambda *args: checkouts.append(args))
    try:
        tables = await connector.reflect_tables(src.schema, ["t0", "t1", "t2"])
        reflected = len(checkouts)
        for name, table in tables.items():
            portable = await connector.sample_portable(src.schema, name, table.columns, 5)
            assert portable.columns == {"id": [1]}
        # then the samples took one connection from the pool, not one per table
        assert len(checkouts) - reflected == 1
        assert pool.checkedout() == 1  # type: ignore[attr-defined]
    finally:
        await connector.close()
    # and closing the connector gave it back
    assert pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_kept_connection_the_server_closed_is_replaced(empty_source: Source) -> None:
    # given a sample's connection, kept, then ended by the server
    src = empty_source
    await src.run(f"CREATE TABLE {src.q('t')} AS SELECT 1 AS id")
    connector = connector_for(src.url)
    try:
        table = await connector.reflect_table(src.schema, "t")
        await connector.sample_portable(src.schema, "t", table.columns, 5)
        await src.run(
            # waits (up to 5 s) for the backend to exit, not only to be signalled
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            f" WHERE application_name = '{APPLICATION_NAME}'"
            f" AND query LIKE '%{src.schema}%'"  # its last query: the sample
        )
        await asyncio.sleep(0.2)  # the client sees the connection close
        # when the next table is sampled, then it is read on a fresh connection
        portable = await connector.sample_portable(src.schema, "t", table.columns, 5)
    finally:
        await connector.close()
    assert portable.columns == {"id": [1]}
