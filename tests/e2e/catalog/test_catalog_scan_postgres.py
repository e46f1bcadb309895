"""A PostgreSQL source: incremental re-scans emit SCHEMA_CHANGED/ASSET_REMOVED on
``catalogChanges``; bad sources fail with typed reasons and never leak a password."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pg_schemas import postgres_schema  # type: ignore[import-not-found]
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from test_catalog_scan_sqlite import CREATE_SOURCE, SEARCH, TABLES, scan_to_end

POSTGRES = os.environ.get("RACINE_TEST_POSTGRES_URL")


def unique_schema() -> str:
    """A schema name of the shared test database no other test uses."""
    return f"rt_{uuid.uuid4().hex[:10]}"


CHANGES = """
subscription($id: ID) {
  catalogChanges(dataSourceId: $id) { type kind qualifiedName before after }
}
"""
RULES = """
mutation($input: ScanRuleSetInput!) {
  createScanRuleSet(input: $input) { errors { code field message } ruleSet { id name } }
}
"""
TEST_CONNECTION = """
mutation($input: TestDataSourceConnectionInput!) {
  testDataSourceConnection(input: $input) {
    errors { code field message } ok failureReason latencyMs
  }
}
"""


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def scanned_source(
    gql: Any, subscribe: Any, url: str, schemas: list[str], sample_size: int
) -> dict[str, Any]:
    """A source on ``url`` named ``wh`` whose rule set selects ``schemas``, scanned once
    to SUCCEEDED."""
    rules = (
        await gql.ok(
            RULES,
            {"input": {"name": "wh-rules", "includeSchemas": schemas, "sampleSize": sample_size}},
        )
    )["createScanRuleSet"]
    assert rules["errors"] == [], rules
    source: dict[str, Any] = (
        await gql.ok(
            CREATE_SOURCE,
            {"input": {"name": "wh", "url": _plain(url), "ruleSetId": rules["ruleSet"]["id"]}},
        )
    )["createDataSource"]["dataSource"]
    assert (await scan_to_end(gql, subscribe, source["id"]))[-1]["state"] == "SUCCEEDED"
    return source


@pytest.fixture
async def pg_source() -> AsyncIterator[tuple[str, str]]:
    """A uniquely named schema in the test PostgreSQL, dropped afterwards."""
    async with postgres_schema(
        "CREATE TABLE {schema}.clients (id int primary key, email text, nickname text)",
        "CREATE TABLE {schema}.invoices (id int, amount numeric)",
        "INSERT INTO {schema}.clients SELECT g, 'c' || g || '@mail.example', 'n' || g"
        " FROM generate_series(1, 40) g",
    ) as (schema, _):
        yield schema, str(POSTGRES)


async def test_rescan_detects_schema_changes(
    gql: Any, subscribe: Any, pg_source: tuple[str, str]
) -> None:
    schema, url = pg_source
    # Given a rule set limited to our schema and a source using it
    rules = (
        await gql.ok(
            RULES, {"input": {"name": "only-test", "includeSchemas": [schema], "sampleSize": 50}}
        )
    )["createScanRuleSet"]
    assert rules["errors"] == []
    created = (
        await gql.ok(
            CREATE_SOURCE,
            {
                "input": {
                    "name": "warehouse",
                    "url": _plain(url),
                    "ruleSetId": rules["ruleSet"]["id"],
                }
            },
        )
    )["createDataSource"]
    assert created["errors"] == [], created
    source = created["dataSource"]
    steps = await scan_to_end(gql, subscribe, source["id"])
    assert steps[-1]["state"] == "SUCCEEDED", steps[-1]

    # When the source changes and is scanned again
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f'ALTER TABLE "{schema}".clients ADD COLUMN phone text'))
        await conn.execute(
            text(f'ALTER TABLE "{schema}".clients ALTER COLUMN nickname SET NOT NULL')
        )
        await conn.execute(text(f'DROP TABLE "{schema}".invoices'))
        await conn.execute(text(f'CREATE TABLE "{schema}".refunds (id int)'))
        await conn.execute(text(f"COMMENT ON COLUMN \"{schema}\".clients.email IS 'Login address'"))
    await engine.dispose()
    async with subscribe() as sub:
        op = await sub.start(CHANGES, {"id": source["id"]})
        await asyncio.sleep(0.3)  # the subscription is live before the scan starts
        steps = await scan_to_end(gql, subscribe, source["id"])
        assert steps[-1]["state"] == "SUCCEEDED"
        changes: list[dict[str, Any]] = []
        while len(changes) < 4:
            message = await sub.receive(timeout=20)
            if message.get("id") == op and message["type"] == "next":
                changes.append(message["payload"]["data"]["catalogChanges"])

    # Then every change is on catalogChanges, with before/after for the altered table.
    by_type = {c["type"]: c for c in changes}
    assert set(by_type) == {"SCHEMA_CHANGED", "ASSET_REMOVED", "ASSET_ADDED", "ASSET_UPDATED"}
    changed = by_type["SCHEMA_CHANGED"]
    assert changed["qualifiedName"].endswith(f"{schema}.clients")
    assert [c["name"] for c in changed["before"]] == ["id", "email", "nickname"]
    assert [c["name"] for c in changed["after"]] == ["id", "email", "nickname", "phone"]
    assert changed["before"][2]["nullable"] is True and changed["after"][2]["nullable"] is False
    assert by_type["ASSET_REMOVED"]["qualifiedName"].endswith(f"{schema}.invoices")
    assert by_type["ASSET_ADDED"]["qualifiedName"].endswith(f"{schema}.refunds")
    # ...and the new comment describes the column, which search finds by it
    described = by_type["ASSET_UPDATED"]
    assert described["kind"] == "COLUMN" and described["qualifiedName"].endswith("clients.email")
    found = (await gql.ok(SEARCH, {"q": "login address"}))["search"]
    assert [e["node"]["asset"]["qualifiedName"].rsplit(".", 2)[1:] for e in found["edges"]] == [
        ["clients", "email"]
    ]

    # The removed table is soft-deleted: hidden by default, listed on request.
    live = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE"]}}))["assets"]
    assert sorted(e["node"]["name"] for e in live["edges"]) == ["clients", "refunds"]
    every = await gql.ok(TABLES, {"filter": {"kinds": ["TABLE"], "includeDeleted": True}})
    assert every["assets"]["totalCount"] == 3
    # The new column is searchable.
    found = (await gql.ok(SEARCH, {"q": "phone"}))["search"]
    assert found["edges"][0]["node"]["asset"]["qualifiedName"].endswith("clients.phone")


async def test_bad_sources_fail_with_typed_reasons_and_no_secret(
    gql: Any, subscribe: Any, pg_source: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, url = pg_source
    password = "Sup3r-S3cret-pw"
    base = make_url(_plain(url))
    wrong = base.set(username="nobody_here", password=password).render_as_string(
        hide_password=False
    )
    unreachable = base.set(host="127.0.0.1", port=1, password=password).render_as_string(
        hide_password=False
    )

    body = await gql.ok(TEST_CONNECTION, {"input": {"url": unreachable}})
    result = body["testDataSourceConnection"]
    assert result["ok"] is False and result["failureReason"] == "UNREACHABLE"
    assert result["errors"][0]["code"] == "CONNECTION_FAILED"

    created = await gql.ok(CREATE_SOURCE, {"input": {"name": "wrong", "url": wrong}})
    source = created["createDataSource"]["dataSource"]
    assert source["hasCredentials"] is True and "***" in source["url"]
    result = (await gql.ok(TEST_CONNECTION, {"input": {"id": source["id"]}}))[
        "testDataSourceConnection"
    ]
    assert result["failureReason"] == "AUTHENTICATION_FAILED", result
    missing = base.set(database="no_such_db_here").render_as_string(hide_password=False)
    result = (await gql.ok(TEST_CONNECTION, {"input": {"url": missing}}))[
        "testDataSourceConnection"
    ]
    assert result["failureReason"] == "DATABASE_MISSING", result

    # A scan of the bad source FAILS with the reason.
    steps = await scan_to_end(gql, subscribe, source["id"])
    assert steps[-1]["state"] == "FAILED"
    assert "AUTHENTICATION_FAILED" in steps[-1]["reason"]

    # The password is nowhere: outputs, scans, the audit trail, the logs.
    outputs = [
        body,
        created,
        result,
        steps,
        await gql.ok("{ dataSources { edges { node { url hasCredentials } } } }"),
        await gql.ok("{ scans { edges { node { reason errors { message } } } } }"),
        await gql.ok("{ auditEvents(first: 100) { edges { node { diff } } } }"),
    ]
    assert password not in repr(outputs)
    assert password not in caplog.text
    assert wrong not in caplog.text


async def test_rescan_removes_a_dropped_schema_with_its_tables(
    gql: Any, subscribe: Any, pg_source: tuple[str, str]
) -> None:
    schema, url = pg_source
    # Given a source whose rule set selects two schemas, both scanned once
    other = unique_schema()
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{other}"'))
        await conn.execute(text(f'CREATE TABLE "{other}".archive (id int, note text)'))
    try:
        source = await scanned_source(gql, subscribe, url, [schema, other], 10)

        # When the second schema is dropped and the source scanned again
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{other}" CASCADE'))
        async with subscribe() as sub:
            op = await sub.start(CHANGES, {"id": source["id"]})
            await asyncio.sleep(0.3)  # the subscription is live before the scan starts
            steps = await scan_to_end(gql, subscribe, source["id"])
            assert steps[-1]["state"] == "SUCCEEDED", steps[-1]
            removed: list[dict[str, Any]] = []
            while len(removed) < 2:
                message = await sub.receive(timeout=20)
                if message.get("id") == op and message["type"] == "next":
                    change = message["payload"]["data"]["catalogChanges"]
                    if change["type"] == "ASSET_REMOVED":
                        removed.append(change)
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{other}" CASCADE'))
        await engine.dispose()

    # Then the schema and its table are ASSET_REMOVED and soft-deleted with the column
    assert sorted((c["kind"], c["qualifiedName"].split(".", 2)[2]) for c in removed) == [
        ("SCHEMA", other),
        ("TABLE", f"{other}.archive"),
    ]
    live = (await gql.ok(TABLES, {"filter": {"kinds": ["SCHEMA", "TABLE", "COLUMN"]}}))["assets"]
    assert not [e for e in live["edges"] if other in e["node"]["qualifiedName"]], live
    every = await gql.ok(
        TABLES, {"filter": {"kinds": ["SCHEMA", "TABLE", "COLUMN"], "includeDeleted": True}}
    )
    names = {e["node"]["qualifiedName"].split(".", 2)[2] for e in every["assets"]["edges"]}
    assert {other, f"{other}.archive", f"{other}.archive.note"} <= names
    assert not (await gql.ok(SEARCH, {"q": "archive"}))["search"]["edges"]


async def test_a_partitioned_table_stands_for_its_partitions(
    gql: Any, subscribe: Any, pg_source: tuple[str, str]
) -> None:
    # Given a table partitioned by range into two partitions
    schema, url = pg_source
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                f'CREATE TABLE "{schema}".events (id int, at date NOT NULL) PARTITION BY RANGE (at)'
            )
        )
        for year in (2025, 2026):
            await conn.execute(
                text(
                    f'CREATE TABLE "{schema}".events_{year} PARTITION OF "{schema}".events'
                    f" FOR VALUES FROM ('{year}-01-01') TO ('{year + 1}-01-01')"
                )
            )
    await engine.dispose()

    # When the source is scanned
    source = await scanned_source(gql, subscribe, url, [schema], 50)

    # Then the partitioned table is catalogued with how it is partitioned, and its
    # partitions are not catalogued of their own
    listed = await gql.ok(
        """query($s: ID!) { assets(filter: {kinds: [TABLE], dataSourceIds: [$s]}) {
          edges { node { name partitionKey partitions } } } }""",
        {"s": source["id"]},
    )
    tables = {e["node"]["name"]: e["node"] for e in listed["assets"]["edges"]}
    assert set(tables) == {"clients", "invoices", "events"}
    assert tables["events"] == {"name": "events", "partitionKey": "RANGE (at)", "partitions": 2}
    assert tables["clients"]["partitionKey"] is None and tables["clients"]["partitions"] is None
