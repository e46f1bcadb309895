"""Bad input end to end: a table dropped mid-scan, a schema the scanning role may not
read, exotic column types, undecodable bytes, MySQL/MariaDB as a source, and
``cancelScan`` on a running scan. Each scan carries on where it can, lists per-table
errors, ends in the right state, and the server keeps answering."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from test_catalog_scan_sqlite import CREATE_SOURCE, SCAN_PROGRESS, START_SCAN, TABLES, scan_to_end

POSTGRES = os.environ.get("RACINE_TEST_POSTGRES_URL")
MYSQL = os.environ.get("RACINE_TEST_MYSQL_URL")

RULES = """
mutation($input: ScanRuleSetInput!) {
  createScanRuleSet(input: $input) { errors { code field message } ruleSet { id } }
}
"""
CANCEL = """
mutation($id: ID!) {
  cancelScan(input: {id: $id}) { errors { code field message } scan { id state } }
}
"""
SCAN = """
query($id: ID!) {
  node(id: $id) { ... on Scan { state reason tablesTotal tablesDone errors { table reason message } } }
}
"""
ALIVE = "{ viewer { id } dataSources(first: 5) { totalCount } }"


def _plain(url: str, **parts: Any) -> str:
    return (
        make_url(url)
        .set(drivername=parts.pop("drivername", "postgresql"), **parts)
        .render_as_string(hide_password=False)
    )


def _unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


async def _source(gql: Any, url: str, schemas: list[str], sample: int = 100) -> str:
    rules = (
        await gql.ok(
            RULES,
            {"input": {"name": _unique("r"), "includeSchemas": schemas, "sampleSize": sample}},
        )
    )["createScanRuleSet"]
    assert rules["errors"] == [], rules
    created = (
        await gql.ok(
            CREATE_SOURCE,
            {"input": {"name": _unique("s"), "url": url, "ruleSetId": rules["ruleSet"]["id"]}},
        )
    )["createDataSource"]
    assert created["errors"] == [], created
    return str(created["dataSource"]["id"])


async def _alive(gql: Any) -> None:
    body = await gql.ok(ALIVE)
    assert body["viewer"]["id"] and body["dataSources"]["totalCount"] >= 1


@pytest.fixture
async def pg() -> AsyncIterator[AsyncEngine]:
    if not POSTGRES:
        pytest.skip("RACINE_TEST_POSTGRES_URL not set")
    engine = create_async_engine(POSTGRES)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def pg_tables(pg: AsyncEngine) -> AsyncIterator[str]:
    """A schema with ten small tables t00..t09 (emails in each), dropped afterwards."""
    schema = _unique("rt_rob")
    async with pg.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        for t in range(10):
            await conn.execute(
                text(f'CREATE TABLE "{schema}".t{t:02d} (id int primary key, email text)')
            )
            await conn.execute(
                text(
                    f"INSERT INTO \"{schema}\".t{t:02d} SELECT g, 'p' || g || '@mail.example'"
                    " FROM generate_series(1, 30) g"
                )
            )
    try:
        yield schema
    finally:
        async with pg.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


async def _lock_first_tables(conn: AsyncConnection, schema: str) -> None:
    """Hold the first four tables: the scan's four readers wait on their samples, so
    no later table is touched until this transaction ends."""
    names = ", ".join(f'"{schema}".t{t:02d}' for t in range(4))
    await conn.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))


async def _start(gql: Any, source_id: str) -> str:
    started = (await gql.ok(START_SCAN, {"id": source_id}))["startScan"]
    assert started["errors"] == [], started
    return str(started["scan"]["id"])


async def _until_started(sub: Any, op: str) -> list[dict[str, Any]]:
    return await sub.collect(op, lambda d: d["scanProgress"]["type"] == "TABLE_STARTED")


def _terminal(d: dict[str, Any]) -> bool:
    return d["scanProgress"]["state"] in ("SUCCEEDED", "FAILED", "CANCELLED")


async def test_a_table_dropped_mid_scan_is_a_per_table_error(
    gql: Any, subscribe: Any, pg: AsyncEngine, pg_tables: str
) -> None:
    schema = pg_tables
    source = await _source(gql, _plain(POSTGRES or ""), [schema])
    async with subscribe() as sub:
        async with pg.connect() as conn:
            # Given a scan that has listed t00..t09 and is reading the first tables
            await conn.begin()
            await _lock_first_tables(conn, schema)
            scan_id = await _start(gql, source)
            op = await sub.start(SCAN_PROGRESS, {"id": scan_id})
            await _until_started(sub, op)
            # When t09 is dropped before the scan reaches it
            await conn.execute(text(f'DROP TABLE "{schema}".t09'))
            await conn.commit()
            await _alive(gql)  # the server answers while the scan runs
        steps = [s["scanProgress"] for s in await sub.collect(op, _terminal)]

    # Then the scan succeeds with the other nine tables and one NOT_FOUND error.
    assert steps[-1]["state"] == "SUCCEEDED", steps[-1]
    failed = [s for s in steps if s["type"] == "TABLE_FAILED"]
    assert [f["table"].rsplit(".", 1)[-1] for f in failed] == ["t09"], steps
    assert failed[0]["error"]["reason"] == "NOT_FOUND"
    scan = (await gql.ok(SCAN, {"id": scan_id}))["node"]
    assert scan["state"] == "SUCCEEDED" and scan["tablesTotal"] == 10
    assert scan["tablesDone"] == 9
    assert [(e["table"].rsplit(".", 1)[-1], e["reason"]) for e in scan["errors"]] == [
        ("t09", "NOT_FOUND")
    ]
    tables = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE"]}}))["assets"]
    assert sorted(e["node"]["name"] for e in tables["edges"]) == [f"t{t:02d}" for t in range(9)]
    await _alive(gql)


async def test_cancel_scan_stops_a_running_scan(
    gql: Any, subscribe: Any, pg: AsyncEngine, pg_tables: str
) -> None:
    schema = pg_tables
    source = await _source(gql, _plain(POSTGRES or ""), [schema])
    async with subscribe() as sub:
        async with pg.connect() as conn:
            # Given a running scan
            await conn.begin()
            await _lock_first_tables(conn, schema)
            scan_id = await _start(gql, source)
            op = await sub.start(SCAN_PROGRESS, {"id": scan_id})
            await _until_started(sub, op)
            # When it is cancelled
            cancelled = (await gql.ok(CANCEL, {"id": scan_id}))["cancelScan"]
            assert cancelled["errors"] == [], cancelled
            await conn.rollback()
        steps = [s["scanProgress"] for s in await sub.collect(op, _terminal)]

    # Then it stops before the end, CANCELLED, and a new scan of the source may start.
    assert steps[-1]["state"] == "CANCELLED", steps[-1]
    scan = (await gql.ok(SCAN, {"id": scan_id}))["node"]
    assert scan["state"] == "CANCELLED" and scan["tablesDone"] < 10, scan
    again = await scan_to_end(gql, subscribe, source)
    assert again[-1]["state"] == "SUCCEEDED", again[-1]
    await _alive(gql)


@pytest.fixture
async def restricted(pg: AsyncEngine) -> AsyncIterator[tuple[str, str, str]]:
    """Schemas ``open`` and ``closed`` and a login role with USAGE on ``open`` only
    (trust authentication on 127.0.0.1 lets the scan connect as it)."""
    role, open_, closed = _unique("rt_role"), _unique("rt_open"), _unique("rt_closed")
    async with pg.begin() as conn:
        await conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        for schema in (open_, closed):
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            await conn.execute(text(f'CREATE TABLE "{schema}".people (id int, email text)'))
            await conn.execute(
                text(
                    f"INSERT INTO \"{schema}\".people SELECT g, 'x' || g || '@mail.example'"
                    " FROM generate_series(1, 20) g"
                )
            )
        await conn.execute(text(f'GRANT USAGE ON SCHEMA "{open_}" TO "{role}"'))
        await conn.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{open_}" TO "{role}"'))
    try:
        yield role, open_, closed
    finally:
        async with pg.begin() as conn:
            for schema in (open_, closed):
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await conn.execute(text(f'DROP OWNED BY "{role}"'))
            await conn.execute(text(f'DROP ROLE "{role}"'))


async def test_tables_the_user_may_not_read_are_catalogued_without_their_rows(
    gql: Any, subscribe: Any, pg: AsyncEngine, restricted: tuple[str, str, str]
) -> None:
    role, open_, closed = restricted
    # Given a source connecting as a role that may not use one of the two schemas, and
    # a materialized view created WITH NO DATA in the other
    async with pg.begin() as conn:
        await conn.execute(
            text(f'CREATE MATERIALIZED VIEW "{open_}".later AS SELECT id FROM "{open_}".people'
                 " WITH NO DATA")
        )  # fmt: skip
        await conn.execute(text(f'GRANT SELECT ON "{open_}".later TO "{role}"'))
    url = _plain(POSTGRES or "", username=role, password=None)
    source = await _source(gql, url, [open_, closed])

    # When it is scanned
    steps = await scan_to_end(gql, subscribe, source)

    # Then no table failed: the readable one is profiled, the other two are catalogued
    # with their columns but no profile, and the scan's errors say why
    assert steps[-1]["state"] == "SUCCEEDED", steps[-1]
    assert steps[-1]["tablesFailed"] == 0, steps[-1]["errors"]
    by_table = {e["table"]: e for e in steps[-1]["errors"]}
    assert {t.split(".", 2)[-1]: e["reason"] for t, e in by_table.items()} == {
        f"{closed}.people": "COLUMNS_UNREADABLE",
        f"{open_}.later": "NOT_POPULATED",
    }, by_table
    assert all("catalogued without profile" in e["message"] for e in by_table.values())
    tables = await _tables(gql)
    assert set(tables) == {f"{open_}.people", f"{closed}.people", f"{open_}.later"}
    assert tables[f"{open_}.people"]["email"]["profile"]["sampledRows"] == 20
    assert tables[f"{closed}.people"]["email"]["profile"] is None
    assert tables[f"{closed}.people"]["email"]["dataType"] == "TEXT"
    assert tables[f"{open_}.later"]["id"]["profile"] is None
    await _alive(gql)

    # Given the closed schema once readable, and scanned
    async with pg.begin() as conn:
        await conn.execute(text(f'GRANT USAGE ON SCHEMA "{closed}" TO "{role}"'))
        await conn.execute(text(f'GRANT SELECT ON "{closed}".people TO "{role}"'))
    later = next(entry for table, entry in by_table.items() if table.endswith(".later"))
    assert (await scan_to_end(gql, subscribe, source))[-1]["errors"] == [later]
    profiled = (await _tables(gql))[f"{closed}.people"]["email"]
    assert profiled["profile"]["sampledRows"] == 20 and profiled["classifications"]

    # When the role loses it again and the source is scanned
    async with pg.begin() as conn:
        await conn.execute(text(f'REVOKE SELECT ON "{closed}".people FROM "{role}"'))
    again = (await scan_to_end(gql, subscribe, source))[-1]

    # Then the table keeps what the earlier scan found of its rows, and is not removed
    assert again["state"] == "SUCCEEDED" and again["tablesFailed"] == 0, again
    kept = (await _tables(gql))[f"{closed}.people"]["email"]
    assert kept["profile"] == profiled["profile"]
    assert kept["classifications"] == profiled["classifications"]


async def test_row_counts_come_from_a_whole_sample_unless_row_security_hides_rows(
    gql: Any, subscribe: Any, pg: AsyncEngine, restricted: tuple[str, str, str]
) -> None:
    role, open_, _ = restricted
    # Given, beside a table of 20 rows never analyzed (unless autovacuum got to it), an
    # analyzed table of 5 rows with row-level security and no policy (its owner sees
    # them, the scanning role none)
    async with pg.begin() as conn:
        await conn.execute(text(f'CREATE TABLE "{open_}".tenants (id int, name text)'))
        await conn.execute(
            text(f"INSERT INTO \"{open_}\".tenants SELECT g, 't' || g FROM generate_series(1, 5) g")
        )  # fmt: skip
        await conn.execute(text(f'ANALYZE "{open_}".tenants'))
        await conn.execute(text(f'ALTER TABLE "{open_}".tenants ENABLE ROW LEVEL SECURITY'))
        await conn.execute(text(f'GRANT SELECT ON "{open_}".tenants TO "{role}"'))
    source = await _source(gql, _plain(POSTGRES or "", username=role, password=None), [open_])

    # When the role scans them
    assert (await scan_to_end(gql, subscribe, source))[-1]["state"] == "SUCCEEDED"

    # Then the table its sample read whole has its exact count; the other says its rows
    # are guarded, and keeps the engine's estimate, not the none the role saw
    found = await gql.ok(
        "query($f: AssetFilter) { assets(filter: $f) { edges { node { name rowCount"
        " rowLevelSecurity columns { name profile { sampledRows } } } } } }",
        {"f": {"kinds": ["TABLE"], "dataSourceIds": [source]}},
    )
    tables = {e["node"]["name"]: e["node"] for e in found["assets"]["edges"]}
    assert (tables["people"]["rowCount"], tables["people"]["rowLevelSecurity"]) == (20, False)
    assert tables["tenants"]["rowLevelSecurity"] is True
    assert tables["tenants"]["rowCount"] == 5, tables["tenants"]
    assert tables["tenants"]["columns"][0]["profile"]["sampledRows"] == 0


async def test_a_foreign_table_is_catalogued_with_its_server(
    gql: Any, subscribe: Any, pg: AsyncEngine
) -> None:
    # Given a schema holding a foreign table, whose wrapper has no handler (so its rows
    # cannot be read: a remote that fails), beside a plain table
    schema, wrapper = _unique("rt_fdw"), _unique("rt_wrapper")
    async with pg.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.execute(text(f'CREATE TABLE "{schema}".local (id int)'))
        await conn.execute(text(f'CREATE FOREIGN DATA WRAPPER "{wrapper}"'))
        await conn.execute(text(f'CREATE SERVER "{wrapper}_srv" FOREIGN DATA WRAPPER "{wrapper}"'))
        await conn.execute(
            text(f'CREATE FOREIGN TABLE "{schema}".remote (id int, email text)'
                 f' SERVER "{wrapper}_srv"')
        )  # fmt: skip
    try:
        source = await _source(gql, _plain(POSTGRES or ""), [schema])

        # When it is scanned
        steps = await scan_to_end(gql, subscribe, source)

        # Then the foreign table is catalogued with its columns and the server it reads
        # through, without profile; the scan says why, and no table failed
        assert (steps[-1]["state"], steps[-1]["tablesFailed"]) == ("SUCCEEDED", 0), steps[-1]
        [entry] = steps[-1]["errors"]
        assert entry["table"].endswith(f"{schema}.remote"), entry
        assert entry["reason"] == "FOREIGN_UNREADABLE" and "handler" in entry["message"], entry
        found = await gql.ok(
            "query($f: AssetFilter) { assets(filter: $f) { edges { node { name foreignServer"
            " columns { name profile { sampledRows } } } } } }",
            {"f": {"kinds": ["TABLE"], "dataSourceIds": [source]}},
        )
        tables = {e["node"]["name"]: e["node"] for e in found["assets"]["edges"]}
        assert tables["remote"]["foreignServer"] == f"{wrapper}_srv"
        assert [(c["name"], c["profile"]) for c in tables["remote"]["columns"]] == [
            ("id", None),
            ("email", None),
        ]
        assert tables["local"]["foreignServer"] is None
        await _alive(gql)
    finally:
        async with pg.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await conn.execute(text(f'DROP FOREIGN DATA WRAPPER "{wrapper}" CASCADE'))


async def _tables(gql: Any) -> dict[str, dict[str, Any]]:
    """The catalogued tables and views by ``schema.table``: their columns by name."""
    found = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE", "VIEW"]}}))["assets"]
    return {
        e["node"]["qualifiedName"].split(".", 2)[-1]: {c["name"]: c for c in e["node"]["columns"]}
        for e in found["edges"]
    }


EXOTIC = {
    "mood": "mood_t",
    "place": "addr_t",
    "span": "int4range",
    "days": "daterange",
    "doc": "tsvector",
    "pos": "point",
    "area": "box",
    "tags": "int[]",
    "grid": "text[][]",
    "meta": "jsonb",
    "price": "money",
    "flags": "bit(3)",
    "ident": "uuid",
    "host": "inet",
    "net": "cidr",
    "mac": "macaddr",
    "wait": "interval",
    "markup": "xml",
    "blob": "bytea",
    "ratio": "numeric",
    "stamp": "timestamptz",
    "clock": "timetz",
    "opens": "time",
}


async def test_exotic_postgres_types_are_catalogued_and_profiled(
    gql: Any, subscribe: Any, pg: AsyncEngine
) -> None:
    schema = _unique("rt_exotic")
    columns = ", ".join(f"{name} {type_}" for name, type_ in EXOTIC.items())
    async with pg.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.execute(text(f'SET LOCAL search_path TO "{schema}"'))
        await conn.execute(text("CREATE TYPE mood_t AS ENUM ('sad', 'ok', 'happy')"))
        await conn.execute(text("CREATE TYPE addr_t AS (street text, zip int)"))
        await conn.execute(text(f"CREATE TABLE oddities ({columns})"))
        await conn.execute(
            text(
                "INSERT INTO oddities SELECT (ARRAY['sad','ok','happy'])[g % 3 + 1]::mood_t,"
                " ROW('Main St ' || g, 1000 + g)::addr_t, int4range(g, g + 10),"
                " daterange('2024-01-01'::date + g, '2024-02-01'::date + g),"
                " to_tsvector('simple', 'word' || g), point(g, -g), box(point(0, 0), point(g, g)),"
                " ARRAY[g, g + 1], ARRAY[ARRAY['a', 'b'], ARRAY['c', 'd' || g]],"
                " jsonb_build_object('k', g, 'nested', jsonb_build_array(g, 'x')),"
                " (g * 1.25)::numeric::money, (g % 8)::bit(3), gen_random_uuid(),"
                " ('10.0.0.' || g)::inet, '10.1.0.0/16'::cidr, '08:00:2b:01:02:03'::macaddr,"
                " make_interval(days => g), xmlparse(content '<a>' || g || '</a>'),"
                " decode(lpad(to_hex(g), 4, '0') || 'ff00', 'hex'),"
                " CASE WHEN g % 10 = 0 THEN 'NaN'::numeric ELSE g / 3.0 END,"
                " now() - make_interval(hours => g), '12:00:00+02'::timetz, make_time(8 + g % 10, 30, 0)"
                " FROM generate_series(1, 50) g"
            )
        )
    try:
        source = await _source(gql, _plain(POSTGRES or ""), [schema])
        steps = await scan_to_end(gql, subscribe, source)
        assert steps[-1]["state"] == "SUCCEEDED", steps[-1]
        assert (steps[-1]["tablesFailed"], steps[-1]["errors"]) == (0, []), steps[-1]
        found = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE"]}}))["assets"]
        [table] = [e["node"] for e in found["edges"]]
        assert table["rowCount"] is None or table["rowCount"] >= 0
        cols = {c["name"]: c for c in table["columns"]}
        assert set(cols) == set(EXOTIC)
        for name, col in cols.items():
            assert col["dataType"] and col["dataType"] != "UNKNOWN", (name, col)
            assert col["profile"] is not None and col["profile"]["sampledRows"] == 50, (name, col)
        assert "mood_t" in cols["mood"]["dataType"] and "addr_t" in cols["place"]["dataType"]
        # times of day are measured as such, in their zone
        for name, low, high in (("opens", "08:30:00", "17:30:00"),
                                ("clock", "12:00:00+02:00", "12:00:00+02:00")):  # fmt: skip
            shown = cols[name]["profile"]
            assert (shown["kind"], shown["min"], shown["max"]) == ("TIME", low, high), shown
        # money as the number it holds, not the server locale's "$1.25"
        price = cols["price"]["profile"]
        assert (price["kind"], price["min"], price["max"]) == ("NUMBER", "1.25", "62.50"), price
        await _alive(gql)
    finally:
        async with pg.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


async def test_undecodable_bytes_in_sqlite_do_not_stop_the_scan(
    gql: Any, subscribe: Any, tmp_path: Path
) -> None:
    # Given a SQLite source with invalid UTF-8 in a TEXT column and binary BLOBs
    path = tmp_path / "bytes.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE raw (id INTEGER PRIMARY KEY, label TEXT, payload BLOB)")
    conn.executemany(
        "INSERT INTO raw VALUES (?, CAST(? AS TEXT), ?)",
        [(i, b"caf\xe9\xff" + bytes([i]), bytes(range(i, i + 8))) for i in range(1, 25)],
    )
    conn.commit()
    conn.close()
    created = (
        await gql.ok(CREATE_SOURCE, {"input": {"name": _unique("b"), "url": f"sqlite:///{path}"}})
    )["createDataSource"]

    # When it is scanned, then it succeeds with the table and its columns profiled.
    steps = await scan_to_end(gql, subscribe, created["dataSource"]["id"])
    assert steps[-1]["state"] == "SUCCEEDED", steps[-1]
    assert (steps[-1]["tablesDone"], steps[-1]["errors"]) == (1, []), steps[-1]
    found = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE"]}}))["assets"]
    cols = {c["name"]: c for c in found["edges"][0]["node"]["columns"]}
    assert cols["label"]["profile"]["sampledRows"] == 24 and cols["payload"]["profile"] is not None
    await _alive(gql)


@pytest.fixture
async def mysql_db() -> AsyncIterator[tuple[str, str]]:
    """A uniquely named MySQL/MariaDB database, dropped afterwards."""
    if not MYSQL:
        pytest.skip("RACINE_TEST_MYSQL_URL not set")
    name = _unique("rt_my")
    admin = create_async_engine(
        make_url(MYSQL).set(drivername="mysql+asyncmy").update_query_dict({"charset": "utf8mb4"})
    )
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        await conn.exec_driver_sql(
            f"CREATE TABLE `{name}`.customers (id int PRIMARY KEY, email varchar(120),"
            " tier enum('gold','silver'), perks set('a','b','c'), meta json,"
            " active bit(1), balance decimal(12,2), raw blob, seen datetime)"
        )
        for i in range(1, 41):
            await conn.exec_driver_sql(
                f"INSERT INTO `{name}`.customers VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    i,
                    f"client{i}@mail.example",
                    "gold" if i % 2 else "silver",
                    "a,c",
                    '{"k": %d}' % i,
                    i % 2,
                    i * 10.5,
                    b"\xff\xfe\x00" + bytes([i]),
                    f"2024-01-{i % 28 + 1:02d} 10:00:00",
                ),
            )
        await conn.exec_driver_sql(
            f"CREATE VIEW `{name}`.gold AS SELECT id, email FROM"
            f" `{name}`.customers WHERE tier = 'gold'"
        )
    try:
        yield name, _plain(MYSQL, drivername="mysql", database=name)
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        await admin.dispose()


async def test_mysql_source_is_scanned(gql: Any, subscribe: Any, mysql_db: tuple[str, str]) -> None:
    name, url = mysql_db
    source = await _source(gql, url, [name])
    steps = await scan_to_end(gql, subscribe, source)
    assert steps[-1]["state"] == "SUCCEEDED", steps[-1]
    assert (steps[-1]["tablesFailed"], steps[-1]["errors"]) == (0, []), steps[-1]
    found = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE", "VIEW"]}}))["assets"]
    by_name = {e["node"]["name"]: e["node"] for e in found["edges"]}
    assert set(by_name) == {"customers", "gold"}
    customers = by_name["customers"]
    assert customers["qualifiedName"].endswith(f"{name}.{name}.customers")
    cols = {c["name"]: c for c in customers["columns"]}
    assert any(c["typeKey"] == "EMAIL" for c in cols["email"]["classifications"]), cols
    assert cols["tier"]["dataType"].upper().startswith("ENUM")
    assert cols["meta"]["dataType"] == "JSON"  # MariaDB: LONGTEXT CHECK (json_valid(meta))
    assert cols["balance"]["profile"]["sampledRows"] == 40
    await _alive(gql)


async def test_a_scan_that_may_read_no_row_catalogues_the_shapes_it_sees(
    gql: Any, subscribe: Any, restricted: tuple[str, str, str]
) -> None:
    role, _, closed = restricted
    # Given a source connecting as a role that may not use the one schema it selects
    url = _plain(POSTGRES or "", username=role, password=None)
    source = await _source(gql, url, [closed])

    # When it is scanned
    steps = await scan_to_end(gql, subscribe, source)

    # Then it catalogued what the server shows of the schema, said that it read no row
    # of it, and the server keeps serving
    assert steps[-1]["state"] == "SUCCEEDED", steps[-1]
    assert [(e["table"].split(".", 2)[-1], e["reason"]) for e in steps[-1]["errors"]] == [
        (f"{closed}.people", "COLUMNS_UNREADABLE")
    ]
    assert "permission denied" in steps[-1]["errors"][0]["message"]
    assert set((await _tables(gql))[f"{closed}.people"]) == {"id", "email"}
    await _alive(gql)


async def test_a_mysql_view_readable_without_show_view_is_cataloged(
    gql: Any, subscribe: Any, mysql_db: tuple[str, str]
) -> None:
    name, _ = mysql_db
    # Given a read-only user with SELECT on the database and no SHOW VIEW (the usual
    # `GRANT SELECT ON db.*`): it can read the view but not its definition
    user, password = _unique("ro")[:16], "ro-pw-1"
    admin = create_async_engine(make_url(MYSQL or "").set(drivername="mysql+asyncmy"))
    async with admin.begin() as conn:
        # `%%`: the driver formats the statement even without parameters
        await conn.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY '{password}'")
        await conn.exec_driver_sql(f"GRANT SELECT ON `{name}`.* TO '{user}'@'%%'")
    try:
        url = _plain(
            MYSQL or "", drivername="mysql", database=name, username=user, password=password
        )
        source = await _source(gql, url, [name])

        # When the source is scanned
        steps = await scan_to_end(gql, subscribe, source)

        # Then the view is cataloged with the columns, types and profiles it shows
        # (only its SQL, and so its lineage, stays unknown) and no table failed
        assert steps[-1]["state"] == "SUCCEEDED", steps[-1]
        assert steps[-1]["tablesFailed"] == 0, steps[-1]
        found = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE", "VIEW"]}}))["assets"]
        by_name = {e["node"]["name"]: e["node"] for e in found["edges"]}
        assert set(by_name) == {"customers", "gold"}
        table = {c["name"]: c for c in by_name["customers"]["columns"]}
        view = {c["name"]: c for c in by_name["gold"]["columns"]}
        assert list(view) == ["id", "email"]
        assert [view[c]["dataType"] for c in view] == [table[c]["dataType"] for c in view]
        assert view["email"]["profile"]["sampledRows"] == 20
        await _alive(gql)
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%%'")
        await admin.dispose()


async def test_an_invalid_mysql_view_is_a_per_table_error(
    gql: Any, subscribe: Any, mysql_db: tuple[str, str]
) -> None:
    name, url = mysql_db
    # Given a view whose table was dropped (MySQL allows it; the view is then invalid)
    admin = create_async_engine(make_url(MYSQL or "").set(drivername="mysql+asyncmy"))
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f"CREATE TABLE `{name}`.gone (id int, note text)")
        await conn.exec_driver_sql(
            f"CREATE VIEW `{name}`.orphan AS SELECT id, note FROM `{name}`.gone"
        )
        await conn.exec_driver_sql(f"DROP TABLE `{name}`.gone")
    await admin.dispose()
    source = await _source(gql, url, [name])

    # When the source is scanned
    steps = await scan_to_end(gql, subscribe, source)

    # Then the invalid view is a per-table error naming the cause, not a view with no
    # columns, and the rest of the source is scanned
    assert steps[-1]["state"] == "SUCCEEDED", steps[-1]
    failed = steps[-1]["errors"]
    assert steps[-1]["tablesFailed"] == 1, steps[-1]
    assert [e["table"].rsplit(".", 1)[-1] for e in failed] == ["orphan"], failed
    assert "invalid" in failed[0]["message"], failed
    # A subscriber who comes once the scan is over is told the same: the SNAPSHOT and
    # the closing STATE carry the failed table
    async with subscribe() as sub:
        op = await sub.start(SCAN_PROGRESS, {"id": steps[-1]["scanId"]})
        late = [s["scanProgress"] for s in await sub.collect(op, lambda _: False)]
    assert [s["type"] for s in late] == ["SNAPSHOT", "STATE"], late
    assert all((s["tablesFailed"], s["errors"]) == (1, failed) for s in late), late
    found = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE", "VIEW"]}}))["assets"]
    assert {e["node"]["name"] for e in found["edges"]} >= {"customers", "gold"}
    await _alive(gql)
