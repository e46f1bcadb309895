"""What a queued or running scan relies on cannot change under it: the rule set it was
started with (it loads the rules when it starts running), its source's name and URL
(it writes assets under them), and its source itself. The scan is held RUNNING by a
lock on the only table of a PostgreSQL source, so the checks do not race it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from pg_lock_waits import until_lock_waiters
from pg_schemas import postgres_schema  # type: ignore[import-not-found]
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from test_catalog_mutations import CREATE_SOURCE, DELETE_SOURCE
from test_rule_sets import CREATE as CREATE_RULES
from test_rule_sets import DELETE as DELETE_RULES

POSTGRES = os.environ.get("RACINE_TEST_POSTGRES_URL")

START_SCAN = """
mutation($id: ID!, $rules: ID) {
  startScan(input: {dataSourceId: $id, ruleSetId: $rules}) {
    errors { code field message } scan { id state }
  }
}
"""
SCAN_STATE = "query($id: ID!) { node(id: $id) { ... on Scan { state reason } } }"
NODE_NAME = "query($id: ID!) { node(id: $id) { ... on DataSource { name } } }"
ACTIVE = ("QUEUED", "RUNNING")
UPDATE_SOURCE = """
mutation($input: UpdateDataSourceInput!) {
  updateDataSource(input: $input) {
    errors { code field message } dataSource { name url description schedule ruleSet { id } }
  }
}
"""
TABLES = """
query($id: ID!) {
  assets(filter: {dataSourceIds: [$id], kinds: [TABLE]}, first: 10) {
    edges { node { qualifiedName } }
  }
}
"""


@dataclass
class HeldSource:
    """A PostgreSQL schema with one table that ``conn`` holds locked until ``release``."""

    url: str
    schema: str
    conn: AsyncConnection

    async def release(self) -> None:
        if self.conn.in_transaction():
            await self.conn.rollback()


@pytest.fixture
async def held() -> AsyncIterator[HeldSource]:
    async with postgres_schema(
        "CREATE TABLE {schema}.people (id int primary key, email text)",
        "INSERT INTO {schema}.people VALUES (1, 'a@mail.example'), (2, 'b@x.org')",
    ) as (schema, url):
        engine = create_async_engine(str(POSTGRES))
        try:
            async with engine.connect() as lock:
                await lock.begin()
                await lock.execute(text(f'LOCK TABLE "{schema}".people IN ACCESS EXCLUSIVE MODE'))
                source = HeldSource(url, schema, lock)
                try:
                    yield source
                finally:
                    await source.release()
        finally:
            await engine.dispose()


async def _rule_set(gql: Any, schema: str) -> str:
    made = (
        await gql.ok(CREATE_RULES, {"input": {"name": f"r-{schema}", "includeSchemas": [schema]}})
    )["createScanRuleSet"]
    assert made["errors"] == [], made
    return str(made["ruleSet"]["id"])


async def _source(gql: Any, held: HeldSource, rule_set_id: str | None = None) -> str:
    created = (
        await gql.ok(
            CREATE_SOURCE,
            {"input": {"name": held.schema, "url": held.url, "ruleSetId": rule_set_id}},
        )
    )["createDataSource"]
    assert created["errors"] == [], created
    return str(created["dataSource"]["id"])


async def _start(gql: Any, source_id: str, rule_set_id: str | None = None) -> str:
    started = (await gql.ok(START_SCAN, {"id": source_id, "rules": rule_set_id}))["startScan"]
    assert started["errors"] == [], started
    return str(started["scan"]["id"])


async def _state(gql: Any, scan_id: str) -> dict[str, Any]:
    node: dict[str, Any] = (await gql.ok(SCAN_STATE, {"id": scan_id}))["node"]
    return node


async def _finish(gql: Any, held: HeldSource, scan_id: str) -> dict[str, Any]:
    """Release the lock and wait for the scan's terminal state."""
    await held.release()
    for _ in range(300):
        scan = await _state(gql, scan_id)
        if scan["state"] not in ACTIVE:
            return scan
        await asyncio.sleep(0.1)
    raise AssertionError(f"scan {scan_id} did not finish")


async def test_a_rule_set_an_active_scan_uses_cannot_be_deleted(gql: Any, held: HeldSource) -> None:
    # Given a source on the default rules and a scan started with another rule set
    # (startScan(ruleSetId:)), held running by the lock on the source's table
    rules = await _rule_set(gql, held.schema)
    source_id = await _source(gql, held)
    scan_id = await _start(gql, source_id, rules)

    # When that rule set is deleted while the scan is active
    refused = (await gql.ok(DELETE_RULES, {"id": rules}))["deleteScanRuleSet"]
    still = await _state(gql, scan_id)

    # Then it is a CONFLICT on id and the rule set stays
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("CONFLICT", "id")], refused
    assert refused["ruleSet"] is None
    assert still["state"] in ACTIVE, still
    # ...so the scan finishes with its rules, after which the rule set may go
    finished = await _finish(gql, held, scan_id)
    assert finished["state"] == "SUCCEEDED", finished
    gone = (await gql.ok(DELETE_RULES, {"id": rules}))["deleteScanRuleSet"]
    assert gone["errors"] == [] and gone["ruleSet"]["id"] == rules, gone


async def test_a_source_with_an_active_scan_cannot_be_renamed_or_moved(
    gql: Any, held: HeldSource
) -> None:
    # Given a source whose scan is held running by the lock on its table
    rules = await _rule_set(gql, held.schema)
    other_rules = await _rule_set(gql, f"{held.schema}_b")
    source_id = await _source(gql, held, rules)
    scan_id = await _start(gql, source_id)

    async def update(**fields: Any) -> dict[str, Any]:
        body = await gql.ok(UPDATE_SOURCE, {"input": {"id": source_id, **fields}})
        payload: dict[str, Any] = body["updateDataSource"]
        return payload

    # When it is renamed, or pointed at another database, while the scan is active
    renamed = await update(name="renamed")
    moved = await update(url=held.url.rsplit("/", 1)[0] + "/elsewhere")
    # ...or only its description, schedule and rule set change, or its URL is sent again
    edited = await update(
        description="nightly", schedule="0 3 * * *", ruleSetId=other_rules, url=held.url
    )
    still = await _state(gql, scan_id)

    # Then the rename and the move are CONFLICTs naming the field; the rest is saved
    assert [(e["code"], e["field"]) for e in renamed["errors"]] == [("CONFLICT", "name")], renamed
    assert [(e["code"], e["field"]) for e in moved["errors"]] == [("CONFLICT", "url")], moved
    assert renamed["dataSource"] is None and moved["dataSource"] is None
    assert edited["errors"] == [], edited
    assert edited["dataSource"]["name"] == held.schema
    assert edited["dataSource"]["description"] == "nightly"
    assert edited["dataSource"]["schedule"] == "0 3 * * *"
    assert edited["dataSource"]["ruleSet"] == {"id": other_rules}
    assert still["state"] in ACTIVE, still
    # ...and once the scan has finished, the rename goes through and carries its assets
    finished = await _finish(gql, held, scan_id)
    assert finished["state"] == "SUCCEEDED", finished
    later = await update(name="renamed")
    assert later["errors"] == [] and later["dataSource"]["name"] == "renamed", later
    tables = (await gql.ok(TABLES, {"id": source_id}))["assets"]["edges"]
    database = make_url(held.url).database
    assert [t["node"]["qualifiedName"] for t in tables] == [
        f"renamed.{database}.{held.schema}.people"
    ]


# -- startScan(ruleSetId:) against deleteScanRuleSet --------------------------------------


def _codes(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def test_start_scan_and_delete_rule_set_at_once_serialize_on_the_rule_set(
    gql: Any, held: HeldSource, dialect: str, database_url: str
) -> None:
    """Deterministic on PostgreSQL: the audit table is held locked so that startScan
    waits (holding what it holds) right before its commit, and deleteScanRuleSet is
    sent then. Without a lock on the rule set, delete's check saw no active scan and
    both succeeded: a scan queued with a deleted rule set."""
    if dialect != "postgresql":
        pytest.skip("LOCK TABLE is PostgreSQL's; the SQLite case is the next test")
    # Given a rule set and a source whose scans are held running
    rules = await _rule_set(gql, held.schema)
    source_id = await _source(gql, held)
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as audit:
            await audit.begin()
            await audit.execute(text("LOCK TABLE audit_events IN EXCLUSIVE MODE"))
            # When a scan with that rule set is being started (it waits to write its
            # audit record, its scan and run inserted)...
            start = asyncio.create_task(gql.ok(START_SCAN, {"id": source_id, "rules": rules}))
            await until_lock_waiters(engine, 1)
            # ...and the rule set is deleted at that moment
            delete = asyncio.create_task(gql.ok(DELETE_RULES, {"id": rules}))
            await until_lock_waiters(engine, 2)
            await audit.rollback()
        started = (await start)["startScan"]
        deleted = (await delete)["deleteScanRuleSet"]
    finally:
        await engine.dispose()

    # Then the scan is queued with its rule set, and the delete is a CONFLICT
    assert started["errors"] == [], started
    assert _codes(deleted) == [("CONFLICT", "id")], deleted
    assert (await _state(gql, started["scan"]["id"]))["state"] in ACTIVE
    listed = (await gql.ok("{ scanRuleSets { id } }"))["scanRuleSets"]
    assert rules in [r["id"] for r in listed]


async def _audit_waiters(engine: AsyncEngine) -> int:
    """Backends of the metadata database waiting for the lock on ``audit_events``."""
    async with engine.connect() as conn:
        found = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE NOT granted"
                " AND relation = 'audit_events'::regclass AND database ="
                " (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
    return int(found or 0)


async def test_start_scans_of_sources_sharing_a_rule_set_do_not_wait_for_each_other(
    gql: Any, held: HeldSource, dialect: str, database_url: str
) -> None:
    """Deterministic on PostgreSQL: the audit table is held locked so that a startScan
    waits (holding its lock on the rule set) right before its commit, and a startScan
    of another source with the same rule set is sent then. With ``FOR UPDATE`` on the
    rule set the second waited for the first's commit; its users share the lock now,
    so it gets as far as its own audit record."""
    if dialect != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has only the database write lock")
    # Given two sources sharing a rule set, their scans held running
    rules = await _rule_set(gql, held.schema)
    first_id = await _source(gql, held, rules)
    other = {"name": f"{held.schema}_b", "url": held.url, "ruleSetId": rules}
    created = (await gql.ok(CREATE_SOURCE, {"input": other}))["createDataSource"]
    assert created["errors"] == [], created
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as audit:
            await audit.begin()
            await audit.execute(text("LOCK TABLE audit_events IN EXCLUSIVE MODE"))
            # When a scan of the first is being started (waiting to write its audit
            # record, the rule set locked)...
            first = asyncio.create_task(gql.ok(START_SCAN, {"id": first_id}))
            await until_lock_waiters(engine, 1)
            # ...and a scan of the second is started at that moment
            second = asyncio.create_task(gql.ok(START_SCAN, {"id": created["dataSource"]["id"]}))
            await until_lock_waiters(engine, 2)
            # Then the second is not held on the rule set: both wait for the audit table
            waiting = await _audit_waiters(engine)
            await audit.rollback()
        started = [(await first)["startScan"], (await second)["startScan"]]
    finally:
        await engine.dispose()

    assert waiting == 2, "the second startScan waited for the first's lock on the rule set"
    # ...and both scans are queued
    for payload in started:
        assert payload["errors"] == [], payload
        assert (await _state(gql, payload["scan"]["id"]))["state"] in ACTIVE


async def test_start_scan_and_delete_rule_set_sent_together_never_both_succeed(
    gql: Any, held: HeldSource
) -> None:
    """Both backends, plain concurrent calls: one of the two always loses."""
    for round_ in range(6):
        # Given a rule set and a source whose scans are held running
        made = (
            await gql.ok(
                CREATE_RULES,
                {"input": {"name": f"r-{held.schema}-{round_}", "includeSchemas": [held.schema]}},
            )
        )["createScanRuleSet"]
        assert made["errors"] == [], made
        rules = made["ruleSet"]["id"]
        created = (
            await gql.ok(
                CREATE_SOURCE, {"input": {"name": f"{held.schema}_{round_}", "url": held.url}}
            )
        )["createDataSource"]
        assert created["errors"] == [], created
        source_id = created["dataSource"]["id"]

        # When a scan with that rule set is started as the rule set is deleted
        started, deleted = await asyncio.gather(
            gql.ok(START_SCAN, {"id": source_id, "rules": rules}),
            gql.ok(DELETE_RULES, {"id": rules}),
        )
        started, deleted = started["startScan"], deleted["deleteScanRuleSet"]

        # Then either the scan is queued and the delete is a CONFLICT, or the rule set
        # went first and the start is NOT_FOUND on ruleSetId
        if started["errors"] == []:
            assert _codes(deleted) == [("CONFLICT", "id")], (round_, started, deleted)
        else:
            assert _codes(started) == [("NOT_FOUND", "ruleSetId")], (round_, started)
            assert deleted["errors"] == [], (round_, deleted)


# -- startScan against deleteDataSource ----------------------------------------------------


async def test_start_scan_and_delete_source_at_once_serialize_on_the_source(
    gql: Any, held: HeldSource, dialect: str, database_url: str
) -> None:
    """Deterministic on PostgreSQL, as above: startScan waits to write its audit record
    (the source locked, its scan and run inserted) when deleteDataSource is sent.
    Without the source lock, the delete's check saw no active scan and its cascade
    removed the new scan: a queued run left behind whose scan record was missing."""
    if dialect != "postgresql":
        pytest.skip("LOCK TABLE is PostgreSQL's; the SQLite case is the next test")
    # Given a source whose scans are held running (its rules select the held schema
    # only: the default rules would scan every schema of the shared database)
    source_id = await _source(gql, held, await _rule_set(gql, held.schema))
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as audit:
            await audit.begin()
            await audit.execute(text("LOCK TABLE audit_events IN EXCLUSIVE MODE"))
            # When a scan of it is being started (waiting to write its audit record)...
            start = asyncio.create_task(gql.ok(START_SCAN, {"id": source_id}))
            await until_lock_waiters(engine, 1)
            # ...and the source is deleted at that moment
            delete = asyncio.create_task(gql.ok(DELETE_SOURCE, {"id": source_id}))
            await until_lock_waiters(engine, 2)
            await audit.rollback()
        started = (await start)["startScan"]
        deleted = (await delete)["deleteDataSource"]
    finally:
        await engine.dispose()

    # Then the scan is queued, and the delete is a CONFLICT that leaves the source
    assert started["errors"] == [], started
    assert _codes(deleted) == [("CONFLICT", "id")], deleted
    assert deleted["dataSource"] is None
    assert (await _state(gql, started["scan"]["id"]))["state"] in ACTIVE
    assert (await gql.ok(NODE_NAME, {"id": source_id}))["node"] == {"name": held.schema}


async def test_start_scan_and_delete_source_sent_together_never_both_succeed(
    gql: Any, held: HeldSource
) -> None:
    """Both backends, plain concurrent calls: a scan is never queued for a source that
    is deleted at the same moment."""
    rules = await _rule_set(gql, held.schema)
    for round_ in range(6):
        # Given a source whose scans are held running
        new_source = {"name": f"{held.schema}_{round_}", "url": held.url, "ruleSetId": rules}
        created = (await gql.ok(CREATE_SOURCE, {"input": new_source}))["createDataSource"]
        assert created["errors"] == [], created
        source_id = created["dataSource"]["id"]

        # When a scan of it is started as it is deleted
        started, deleted = await asyncio.gather(
            gql.ok(START_SCAN, {"id": source_id}), gql.ok(DELETE_SOURCE, {"id": source_id})
        )
        started, deleted = started["startScan"], deleted["deleteDataSource"]

        # Then either the scan is queued (and stays so) and the delete is a CONFLICT, or
        # the source went first and the start is NOT_FOUND on dataSourceId
        if started["errors"] == []:
            assert _codes(deleted) == [("CONFLICT", "id")], (round_, started, deleted)
            scan = await _state(gql, started["scan"]["id"])
            assert scan["state"] in ACTIVE, (round_, scan)
        else:
            assert _codes(started) == [("NOT_FOUND", "dataSourceId")], (round_, started)
            assert deleted["errors"] == [], (round_, deleted)


# -- createDataSource / updateDataSource against deleteScanRuleSet -------------------------


async def test_saving_a_source_with_a_rule_set_being_deleted_is_not_found(
    gql: Any, held: HeldSource, dialect: str, database_url: str
) -> None:
    """Deterministic on PostgreSQL: deleteScanRuleSet waits to write its audit record
    (the rule set deleted, not committed) when a source is created, and another
    updated, with that rule set. Both had checked the rule set before the delete
    committed and then hit the foreign key: a masked internal error."""
    if dialect != "postgresql":
        pytest.skip("LOCK TABLE is PostgreSQL's; the SQLite case is the next test")
    # Given a rule set and a source on the default rules
    rules = await _rule_set(gql, held.schema)
    source_id = await _source(gql, held)
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as audit:
            await audit.begin()
            await audit.execute(text("LOCK TABLE audit_events IN EXCLUSIVE MODE"))
            # When the rule set is being deleted (waiting to write its audit record)...
            delete = asyncio.create_task(gql.ok(DELETE_RULES, {"id": rules}))
            await until_lock_waiters(engine, 1)
            # ...and a source is created with it, and another given it, at that moment
            new_source = {"name": f"{held.schema}_new", "url": held.url, "ruleSetId": rules}
            create = asyncio.create_task(gql.ok(CREATE_SOURCE, {"input": new_source}))
            update = asyncio.create_task(
                gql.ok(UPDATE_SOURCE, {"input": {"id": source_id, "ruleSetId": rules}})
            )
            await until_lock_waiters(engine, 3)
            await audit.rollback()
        deleted = (await delete)["deleteScanRuleSet"]
        created = (await create)["createDataSource"]
        updated = (await update)["updateDataSource"]
    finally:
        await engine.dispose()

    # Then the rule set is gone, and both saves are NOT_FOUND on ruleSetId
    assert deleted["errors"] == [], deleted
    assert _codes(created) == [("NOT_FOUND", "ruleSetId")], created
    assert _codes(updated) == [("NOT_FOUND", "ruleSetId")], updated
    assert created["dataSource"] is None and updated["dataSource"] is None
    names = await gql.ok("{ dataSources(first: 10) { edges { node { name } } } }")
    assert [e["node"]["name"] for e in names["dataSources"]["edges"]] == [held.schema]


async def test_saving_a_source_and_deleting_its_rule_set_together_never_both_succeed(
    gql: Any, held: HeldSource
) -> None:
    """Both backends, plain concurrent calls: no masked error, and the rule set is
    either deleted (both saves NOT_FOUND) or in use (the delete a CONFLICT)."""
    source_id = await _source(gql, held)
    for round_ in range(6):
        # Given a rule set
        rules = await _rule_set(gql, f"{held.schema}_{round_}")

        # When a source is created with it and another given it as it is deleted
        new_source = {"name": f"{held.schema}_{round_}", "url": held.url, "ruleSetId": rules}
        created, updated, deleted = await asyncio.gather(
            gql.ok(CREATE_SOURCE, {"input": new_source}),
            gql.ok(UPDATE_SOURCE, {"input": {"id": source_id, "ruleSetId": rules}}),
            gql.ok(DELETE_RULES, {"id": rules}),
        )
        created, updated = created["createDataSource"], updated["updateDataSource"]
        deleted = deleted["deleteScanRuleSet"]

        # Then either the rule set went first and both saves are NOT_FOUND on ruleSetId,
        # or a save went first and the delete is a CONFLICT, the other save succeeding
        outcome = (round_, created, updated, deleted)
        if deleted["errors"] == []:
            assert _codes(created) == [("NOT_FOUND", "ruleSetId")], outcome
            assert _codes(updated) == [("NOT_FOUND", "ruleSetId")], outcome
        else:
            assert _codes(deleted) == [("CONFLICT", "id")], outcome
            assert created["errors"] == [] and updated["errors"] == [], outcome
