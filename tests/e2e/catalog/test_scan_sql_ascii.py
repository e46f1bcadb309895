"""A PostgreSQL database in SQL_ASCII holding Latin-1 bytes, which the server cannot send
as UTF-8: the tables holding them are catalogued with their shapes, without their rows,
and the scan says why."""

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
    """A SQL_ASCII database with a table of Latin-1 names and a clean one: its URL."""
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
            await conn.execute(text("CREATE TABLE people (id int PRIMARY KEY, name text)"))
            await conn.execute(
                text(r"INSERT INTO people VALUES (1, E'Jos\xe9'), (2, 'Ana'), (3, E'M\xfcller')")
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


async def test_tables_of_undecodable_text_are_catalogued_without_their_rows(
    gql: Any, subscribe: Any, ascii_db: str
) -> None:
    # Given a registered SQL_ASCII database
    created = (await gql.ok(CREATE_SOURCE, {"input": {"name": "legacy", "url": ascii_db}}))[
        "createDataSource"
    ]
    assert created["errors"] == [], created

    # When it is scanned
    steps = await scan_to_end(gql, subscribe, created["dataSource"]["id"])

    # Then it succeeds, with the Latin-1 table's entry saying why it has no profile
    last = steps[-1]
    assert last["state"] == "SUCCEEDED" and last["tablesDone"] == 2, last
    assert [(e["table"], e["reason"]) for e in last["errors"]] == [
        ("legacy.rt_ascii" + ascii_db.rsplit("/rt_ascii", 1)[1] + ".public.people",
         "ROWS_UNDECODABLE"),
    ]  # fmt: skip
    assert "not valid in its encoding" in last["errors"][0]["message"]
    assert last["tablesFailed"] == 0
    # ...both tables are catalogued; the clean one profiled and classified
    found = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE"]}}))["assets"]["edges"]
    tables = {e["node"]["name"]: e["node"] for e in found}
    people = {c["name"]: c for c in tables["people"]["columns"]}
    assert set(people) == {"id", "name"} and people["name"]["dataType"] == "TEXT"
    assert people["name"]["profile"] is None
    email = next(c for c in tables["plain"]["columns"] if c["name"] == "email")
    assert email["profile"]["sampledRows"] == 30
    assert [c["typeKey"] for c in email["classifications"]] == ["EMAIL"]
