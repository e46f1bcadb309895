"""SqlConnector reflects schemas, tables, views, keys, indexes, comments and row counts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from connector_sources import ORDER_ROWS, Source
from sqlalchemy import text

from racine.connectors import SqlConnector, connector_for
from racine.domain.errors import NotFound
from racine.domain.scanning.source import TableKind, TableRef


@pytest.fixture
async def connector(source: Source) -> AsyncIterator[SqlConnector]:
    conn = connector_for(source.url)
    yield conn
    await conn.close()


async def test_connection_test_passes(connector: SqlConnector) -> None:
    await connector.test()


async def test_lists_the_schema_without_system_schemas(
    source: Source, connector: SqlConnector
) -> None:
    schemas = await connector.list_schemas()

    assert source.schema in schemas
    assert not {"information_schema", "pg_catalog", "mysql", "performance_schema"} & set(schemas)
    assert schemas == sorted(schemas)


async def test_lists_tables_and_views_with_their_kind(
    source: Source, connector: SqlConnector
) -> None:
    tables = await connector.list_tables(source.schema)

    assert [TableRef(t.name, t.kind) for t in tables] == [
        TableRef("big_orders", TableKind.VIEW),
        TableRef("customers", TableKind.TABLE),
        TableRef("documents", TableKind.TABLE),
        TableRef("orders", TableKind.TABLE),
    ]


async def test_relations_and_columns_carry_the_ids_a_rename_keeps(
    source: Source, connector: SqlConnector
) -> None:
    listed = {t.name: t.key for t in await connector.list_tables(source.schema)}
    orders = await connector.reflect_table(source.schema, "orders")
    if source.kind != "postgresql":
        # MySQL, MariaDB and SQLite have no such ids.
        assert set(listed.values()) == {None}
        assert orders.key is None and {c.key for c in orders.columns} == {None}
        return
    # PostgreSQL: the OID, listed and reflected alike; each column's oid:attnum.
    assert all(key is not None and key.isdigit() for key in listed.values())
    assert len(set(listed.values())) == len(listed)
    assert orders.key == listed["orders"]
    assert [c.key for c in orders.columns] == [f"{orders.key}:{n}" for n in (1, 2, 3, 4)]
    async with source.admin.begin() as conn:
        await conn.execute(text(f"ALTER TABLE {source.q('orders')} RENAME COLUMN note TO remark"))
        await conn.execute(text(f"ALTER TABLE {source.q('orders')} RENAME TO purchases"))
    renamed = await connector.reflect_table(source.schema, "purchases")
    assert renamed.key == orders.key
    assert {c.name: c.key for c in renamed.columns}["remark"] == f"{orders.key}:4"


async def test_reflects_columns_keys_and_indexes(source: Source, connector: SqlConnector) -> None:
    orders = await connector.reflect_table(source.schema, "orders")

    assert orders.kind is TableKind.TABLE
    assert [c.name for c in orders.columns] == ["id", "customer_id", "amount", "note"]
    assert [c.position for c in orders.columns] == [1, 2, 3, 4]
    assert orders.primary_key == ("id",)
    assert [c.name for c in orders.columns if c.is_primary_key] == ["id"]
    by_name = {c.name: c for c in orders.columns}
    assert by_name["customer_id"].nullable is False
    assert by_name["note"].nullable is True
    assert by_name["id"].nullable is False  # SQLite's INTEGER PRIMARY KEY is the rowid
    amount_type = by_name["amount"].data_type.upper().replace(" ", "")
    assert amount_type in {"NUMERIC(10,2)", "DECIMAL(10,2)"}
    (fk,) = orders.foreign_keys
    assert fk.columns == ("customer_id",)
    assert (fk.referred_schema, fk.referred_table, fk.referred_columns) == (
        source.schema,
        "customers",
        ("id",),
    )
    assert ("ix_orders_customer", ("customer_id",), False) in {
        (ix.name, ix.columns, ix.unique) for ix in orders.indexes
    }


async def test_reflects_unique_indexes_defaults_and_comments(
    source: Source, connector: SqlConnector
) -> None:
    customers = await connector.reflect_table(source.schema, "customers")

    assert ("ux_customers_email", ("email",), True) in {
        (ix.name, ix.columns, ix.unique) for ix in customers.indexes
    }
    created = next(c for c in customers.columns if c.name == "created_at")
    assert created.default is not None
    assert any(word in created.default.lower() for word in ("now", "current_timestamp"))
    email = next(c for c in customers.columns if c.name == "email")
    assert email.data_type.upper() == "VARCHAR(120)"
    if source.kind == "sqlite":  # SQLite keeps no comments
        assert customers.comment is None
    else:
        assert customers.comment == "Customer master"
        assert email.comment == "Contact address"


async def test_reflects_view_sql(source: Source, connector: SqlConnector) -> None:
    view = await connector.reflect_table(source.schema, "big_orders")

    assert view.kind is TableKind.VIEW
    assert [c.name for c in view.columns] == ["id", "amount"]
    assert view.view_sql is not None
    assert "100" in view.view_sql and "orders" in view.view_sql.lower()
    assert view.row_count is None


async def test_row_counts(source: Source, connector: SqlConnector) -> None:
    orders = await connector.reflect_table(source.schema, "orders")
    customers = await connector.reflect_table(source.schema, "customers")

    assert orders.row_count is not None
    if source.kind == "mysql":  # InnoDB statistics are sampled estimates
        assert orders.row_count == pytest.approx(ORDER_ROWS, rel=0.5)
    else:
        assert orders.row_count == ORDER_ROWS
    assert customers.row_count == 3


async def test_postgresql_partitions_are_left_to_their_partitioned_table(
    source: Source, connector: SqlConnector
) -> None:
    # Given a table partitioned by range, one of its partitions itself partitioned
    if source.kind != "postgresql":
        pytest.skip("declarative partitions are PostgreSQL's")
    events, y2025, y2026 = source.q("events"), source.q("events_2025"), source.q("events_2026")
    await source.run(
        f"CREATE TABLE {events} (id int, at date NOT NULL) PARTITION BY RANGE (at)",
        f"CREATE TABLE {y2025} PARTITION OF {events} FOR VALUES FROM ('2025-01-01')"
        " TO ('2026-01-01')",
        f"CREATE TABLE {y2026} PARTITION OF {events} FOR VALUES FROM ('2026-01-01')"
        " TO ('2027-01-01') PARTITION BY RANGE (id)",
        f"CREATE TABLE {source.q('events_2026_low')} PARTITION OF {y2026}"
        " FOR VALUES FROM (0) TO (1000)",
        f"INSERT INTO {events} SELECT g, DATE '2025-06-01' + (g % 400) FROM generate_series(1, 700) g",
        f"ANALYZE {events}",
    )

    # When the schema is listed and the partitioned table reflected
    names = {t.name for t in await connector.list_tables(source.schema)}
    table = await connector.reflect_table(source.schema, "events")

    # Then no partition is listed, and the table's estimate sums its leaves'; it says
    # how it is partitioned, and into how many leaves
    assert "events" in names
    assert not names & {"events_2025", "events_2026", "events_2026_low"}, names
    assert table.row_count == 700
    assert (table.partition_key, table.partitions) == ("RANGE (at)", 2)


async def test_sqlite_shadow_tables_are_left_to_their_virtual_table(
    source: Source, connector: SqlConnector
) -> None:
    # Given a full-text index over a table: FTS5 keeps it in four shadow tables
    if source.kind != "sqlite":
        pytest.skip("shadow tables are SQLite's")
    await source.run(
        "CREATE VIRTUAL TABLE notes_fts USING fts5(body)",
        "INSERT INTO notes_fts VALUES ('hello world')",
    )

    # When the schema is listed
    names = {t.name for t in await connector.list_tables(source.schema)}

    # Then the virtual table is there, and none of its shadow tables
    assert "notes_fts" in names
    assert not {n for n in names if n.startswith("notes_fts_")}, names


async def test_names_holding_the_engines_quote_reflect_and_sample_as_named(
    source: Source, connector: SqlConnector
) -> None:
    # Given a table and columns whose names hold the engine's own quote character
    # (MySQL's SHOW CREATE TABLE writes `a``b`, which SQLAlchemy leaves escaped)
    mark = "`" if source.kind == "mysql" else '"'
    esc = mark * 2
    schema, name = f"{mark}{source.schema}{mark}", f"{mark}odd{esc}name{mark}"
    table, index = f"{schema}.{name}", f"{mark}ix{esc}c{mark}"
    # (SQLite names the index's schema, not its table's)
    on = f"{schema}.{index} ON {name}" if source.kind == "sqlite" else f"{index} ON {table}"
    await source.run(
        f"CREATE TABLE {table} ({mark}a{esc}b{mark} INTEGER PRIMARY KEY, c INTEGER)",
        f"CREATE INDEX {on} (c, {mark}a{esc}b{mark})",
        f"INSERT INTO {table} VALUES (1, 2)",
    )

    # When it is reflected and sampled
    meta = await connector.reflect_table(source.schema, f"odd{mark}name")
    sample = await connector.sample(source.schema, f"odd{mark}name")

    # Then every name is the one the table was given
    assert [c.name for c in meta.columns] == [f"a{mark}b", "c"]
    assert meta.primary_key == (f"a{mark}b",)
    assert [(i.name, i.columns) for i in meta.indexes] == [(f"ix{mark}c", ("c", f"a{mark}b"))]
    assert sample == {f"a{mark}b": [1], "c": [2]}


async def test_missing_table_and_schema_are_not_found(
    source: Source, connector: SqlConnector
) -> None:
    with pytest.raises(NotFound):
        await connector.reflect_table(source.schema, "no_such_table")
    with pytest.raises(NotFound):
        await connector.list_tables("no_such_schema_racine")
    with pytest.raises(NotFound):
        await connector.sample(source.schema, "orders", ["no_such_column"])


async def test_schemas_carry_the_id_a_rename_keeps(source: Source, connector: SqlConnector) -> None:
    keys = await connector.schema_keys()
    if source.kind != "postgresql":
        assert keys == {}  # MySQL, MariaDB and SQLite have no such ids
        return
    key = keys[source.schema]
    assert key.isdigit() and len(set(keys.values())) == len(keys)
    other = f"{source.schema}_r"
    await source.run(f'ALTER SCHEMA "{source.schema}" RENAME TO "{other}"')
    try:
        renamed = await connector.schema_keys()
    finally:
        await source.run(f'ALTER SCHEMA "{other}" RENAME TO "{source.schema}"')
    assert renamed[other] == key and source.schema not in renamed
