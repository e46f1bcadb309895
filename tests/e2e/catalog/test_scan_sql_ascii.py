"""A PostgreSQL database in SQL_ASCII holding Latin-1 bytes, which the server cannot send
as UTF-8: the scan reads them as the bytes they are, and profiles and classifies them."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from test_catalog_scan_sqlite import CREATE_SOURCE, TABLES, scan_to_end

POSTGRES = os.environ.get("RACINE_TEST_POSTGRES_URL")


@pytest.fixture
async def ascii_db() -> AsyncIterator[str]:
    """A SQL_ASCII database with a table of Latin-1 text and a clean one: its URL."""
    if not POSTGRES:
        pytest.skip("RACINE_TEST_POSTGRES_URL not set")
    name = f"rt_ascii_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    url = make_url(POSTGRES).set(database=name)
    async with admin.connect() as conn:
        await conn.execute(
            text(
                f"CREATE DATABASE {name} ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'"
                " TEMPLATE template0"
            )
        )
    source = create_async_engine(url)
    try:
        async with source.begin() as conn:
            await conn.execute(text("CREATE TABLE menu (id int PRIMARY KEY, dish text)"))
            await conn.execute(  # café, crème brûlée, tea, in Latin-1
                text(
                    r"INSERT INTO menu SELECT g, (ARRAY[E'caf\xe9', E'cr\xe8me br\xfbl\xe9e',"
                    r" 'tea'])[g % 3 + 1] FROM generate_series(1, 30) g"
                )
            )
            await conn.execute(text("CREATE TABLE plain (id int PRIMARY KEY, email text)"))
            await conn.execute(
                text("INSERT INTO plain SELECT g, 'p' || g || '@mail.example'"
                     " FROM generate_series(1, 30) g")
            )  # fmt: skip
        await source.dispose()
        yield url.set(drivername="postgresql").render_as_string(hide_password=False)
    finally:
        await source.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await admin.dispose()


async def test_latin1_text_in_a_sql_ascii_database_is_read_as_latin1(
    gql: Any, subscribe: Any, ascii_db: str
) -> None:
    # Given a registered SQL_ASCII database
    created = (await gql.ok(CREATE_SOURCE, {"input": {"name": "legacy", "url": ascii_db}}))[
        "createDataSource"
    ]
    assert created["errors"] == [], created

    # When it is scanned
    steps = await scan_to_end(gql, subscribe, created["dataSource"]["id"])

    # Then it succeeds with both tables, nothing left unread
    last = steps[-1]
    assert last["state"] == "SUCCEEDED" and last["tablesDone"] == 2, last
    assert last["errors"] == [] and last["tablesFailed"] == 0, last
    # ...the Latin-1 text read as the letters it holds, and the clean table classified
    found = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE"]}}))["assets"]["edges"]
    tables = {e["node"]["name"]: e["node"] for e in found}
    dish = next(c for c in tables["menu"]["columns"] if c["name"] == "dish")
    assert dish["profile"]["sampledRows"] == 30
    assert {v["value"]: v["count"] for v in dish["profile"]["topValues"]} == {
        "café": 10, "crème brûlée": 10, "tea": 10
    }  # fmt: skip
    email = next(c for c in tables["plain"]["columns"] if c["name"] == "email")
    assert email["profile"]["sampledRows"] == 30
    assert [c["typeKey"] for c in email["classifications"]] == ["EMAIL"]


SCAN = "query($id: ID!) { node(id: $id) { ... on Scan { state reason errors { table reason } } } }"


async def test_a_schema_that_cannot_be_listed_fails_the_scan_and_keeps_the_catalog(
    gql: Any, subscribe: Any, ascii_db: str
) -> None:
    # Given a scanned SQL_ASCII database
    created = (await gql.ok(CREATE_SOURCE, {"input": {"name": "legacy", "url": ascii_db}}))[
        "createDataSource"
    ]
    assert (await scan_to_end(gql, subscribe, created["dataSource"]["id"]))[-1]["tablesDone"] == 2

    # When a table whose name is Latin-1 bytes appears (no UTF-8 client can list it)
    engine = create_async_engine(make_url(ascii_db).set(drivername="postgresql+asyncpg"))
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "DO $$ BEGIN EXECUTE 'CREATE TABLE \"' ||"
                    " convert_from('\\x636166e9'::bytea, 'SQL_ASCII') || '\" (id int)'; END $$"
                )
            )
    finally:
        await engine.dispose()
    steps = await scan_to_end(gql, subscribe, created["dataSource"]["id"])

    # Then the scan fails saying why, instead of succeeding with no table
    last = steps[-1]
    assert last["state"] == "FAILED", last
    assert "every schema failed" in last["reason"] and "ENCODING" in last["reason"], last
    # ...and the tables catalogued before are kept
    found = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE"]}}))["assets"]["edges"]
    assert {e["node"]["name"] for e in found} == {"menu", "plain"}
