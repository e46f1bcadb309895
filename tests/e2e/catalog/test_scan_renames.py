"""A PostgreSQL source: a re-scan follows renamed tables and columns, tables moved to
another schema and renamed schemas (by OID and attnum), so what stewards gave them
stays; a table swapped in under a known name keeps that name's asset."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from test_catalog_scan_postgres import (  # noqa: F401
    CHANGES,
    POSTGRES,
    pg_source,
    scanned_source,
    unique_schema,
)
from test_catalog_scan_sqlite import SEARCH, TABLES, UPDATE_ASSET, scan_to_end

NODE = """
query($id: ID!) {
  node(id: $id) {
    ... on Asset {
      id name qualifiedName formerNames deleted description tags detail
      columns { id name qualifiedName formerNames description tags }
      history(first: 20) { edges { node { action actorName diff } } }
    }
  }
}
"""


async def _changes(sub: Any, op: str, until: int) -> list[dict[str, Any]]:
    """The scan's catalogChanges up to its ``until``-th table or view event."""
    got: list[dict[str, Any]] = []
    while sum(c["kind"] in ("TABLE", "VIEW") for c in got) < until:
        message = await sub.receive(timeout=20)
        if message.get("id") == op and message["type"] == "next":
            got.append(message["payload"]["data"]["catalogChanges"])
    return got


async def _tables(gql: Any) -> dict[str, dict[str, Any]]:
    found = await gql.ok(TABLES, {"filter": {"kinds": ["TABLE", "VIEW"], "includeDeleted": True}})
    return {
        e["node"]["qualifiedName"].split(".", 2)[2]: e["node"] for e in found["assets"]["edges"]
    }


async def test_rescan_follows_renamed_and_moved_tables_and_columns(
    gql: Any,
    subscribe: Any,
    pg_source: tuple[str, str],  # noqa: F811
) -> None:
    schema, url = pg_source
    other = unique_schema()
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{other}"'))
        await conn.execute(
            text(f'CREATE VIEW "{schema}".big_invoices AS SELECT * FROM "{schema}".invoices')
        )
    try:
        # Given a scanned source whose table, column and view a steward described
        source = await scanned_source(gql, subscribe, url, [schema, other], 20)
        first = await _tables(gql)
        clients, invoices = first[f"{schema}.clients"], first[f"{schema}.invoices"]
        nickname = next(c for c in clients["columns"] if c["name"] == "nickname")
        for asset_id, text_ in (
            (clients["id"], "Our paying clients."),
            (nickname["id"], "What clients like to be called."),
            (invoices["id"], "Issued invoices."),
        ):
            edited = await gql.ok(
                UPDATE_ASSET, {"input": {"id": asset_id, "description": text_, "tags": ["gold"]}}
            )
            assert edited["updateAsset"]["errors"] == [], edited

        # When the source renames the table and a column, moves a table to another
        # schema and renames the view, and is scanned again
        async with engine.begin() as conn:
            await conn.execute(text(f'ALTER TABLE "{schema}".clients RENAME TO customers'))
            await conn.execute(
                text(f'ALTER TABLE "{schema}".customers RENAME COLUMN nickname TO alias')
            )
            await conn.execute(text(f'ALTER TABLE "{schema}".invoices SET SCHEMA "{other}"'))
            await conn.execute(text(f'ALTER VIEW "{schema}".big_invoices RENAME TO large_invoices'))
        async with subscribe() as sub:
            op = await sub.start(CHANGES, {"id": source["id"]})
            await asyncio.sleep(0.3)  # the subscription is live before the scan starts
            steps = await scan_to_end(gql, subscribe, source["id"])
            assert steps[-1]["state"] == "SUCCEEDED", steps[-1]
            changes = await _changes(sub, op, until=4)
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{other}" CASCADE'))
        await engine.dispose()

    # Then the three relations are ASSET_RENAMED (the table with the renamed column is
    # also SCHEMA_CHANGED), and none is removed or added
    relations = [c for c in changes if c["kind"] in ("TABLE", "VIEW")]
    renamed = {
        c["before"]["qualifiedName"].split(".", 2)[2]: c["after"]["qualifiedName"].split(".", 2)[2]
        for c in relations
        if c["type"] == "ASSET_RENAMED"
    }
    assert renamed == {
        f"{schema}.clients": f"{schema}.customers",
        f"{schema}.invoices": f"{other}.invoices",
        f"{schema}.big_invoices": f"{schema}.large_invoices",
    }, changes
    [changed] = [c for c in relations if c["type"] == "SCHEMA_CHANGED"]
    assert changed["qualifiedName"].endswith(f"{schema}.customers")
    assert [c["name"] for c in changed["before"]] == ["id", "email", "nickname"]
    assert [c["name"] for c in changed["after"]] == ["id", "email", "alias"]
    assert not [c for c in relations if c["type"] in ("ASSET_ADDED", "ASSET_REMOVED")], changes

    # The same assets carry the new names, with what the steward gave them
    now = await _tables(gql)
    assert set(now) == {f"{schema}.customers", f"{other}.invoices", f"{schema}.large_invoices"}
    customers = (await gql.ok(NODE, {"id": clients["id"]}))["node"]
    assert customers["qualifiedName"].endswith(f"{schema}.customers")
    assert (customers["deleted"], customers["description"], customers["tags"]) == (
        False,
        "Our paying clients.",
        ["gold"],
    )
    alias = next(c for c in customers["columns"] if c["name"] == "alias")
    assert alias["id"] == nickname["id"]
    assert (alias["description"], alias["tags"]) == ("What clients like to be called.", ["gold"])
    assert [c["name"] for c in customers["columns"]] == ["id", "email", "alias"]
    moved = (await gql.ok(NODE, {"id": invoices["id"]}))["node"]
    assert moved["qualifiedName"].endswith(f"{other}.invoices")
    assert moved["description"] == "Issued invoices."
    assert {c["name"] for c in moved["columns"]} == {"id", "amount"}

    # Each rename is in the asset's history, by the scan (the table's columns too)
    history = [e["node"] for e in customers["history"]["edges"]]
    [entry] = [h for h in history if h["action"] == "asset.rename"]
    assert entry["actorName"] == "system"
    assert entry["diff"]["qualifiedName"]["before"].endswith(f"{schema}.clients")
    assert entry["diff"]["qualifiedName"]["after"].endswith(f"{schema}.customers")
    alias_history = (await gql.ok(NODE, {"id": nickname["id"]}))["node"]["history"]["edges"]
    column_renames = [
        e["node"]["diff"]["qualifiedName"]
        for e in alias_history
        if e["node"]["action"] == "asset.rename"
    ]
    assert sorted(r["after"].split(".", 2)[2] for r in column_renames) == [
        f"{schema}.customers.alias",
        f"{schema}.customers.nickname",
    ], column_renames

    # Search finds them under their new names and under their former ones, which each
    # asset lists and each hit highlights
    found = (await gql.ok(SEARCH, {"q": "customers"}))["search"]["edges"]
    assert any(e["node"]["asset"]["id"] == clients["id"] for e in found), found
    was = clients["qualifiedName"]
    assert customers["formerNames"] == [was]
    # The column moved with its table, then was renamed: two former names
    assert alias["formerNames"] == [f"{was}.nickname", f"{customers['qualifiedName']}.nickname"]
    old = {
        e["node"]["asset"]["id"]: e["node"]["highlights"]
        for e in (await gql.ok(SEARCH, {"q": "nickname"}))["search"]["edges"]
    }
    assert set(old) == {nickname["id"]}, old
    assert [h["field"] for h in old[nickname["id"]]] == ["formerNames"]
    assert "<mark>nickname</mark>" in old[nickname["id"]][0]["snippet"]
    # (the table first: its old name was "clients", its columns' was not)
    by_old_table = (await gql.ok(SEARCH, {"q": "clients"}))["search"]["edges"]
    assert by_old_table[0]["node"]["asset"]["id"] == clients["id"], by_old_table

    # A later scan of the unchanged source keeps them
    assert (await scan_to_end(gql, subscribe, source["id"]))[-1]["state"] == "SUCCEEDED"
    again = (await gql.ok(NODE, {"id": clients["id"]}))["node"]
    assert again["formerNames"] == customers["formerNames"]
    assert (await gql.ok(SEARCH, {"q": "nickname"}))["search"]["totalCount"] == 1


async def test_a_table_swapped_in_under_a_known_name_keeps_that_names_asset(
    gql: Any,
    subscribe: Any,
    pg_source: tuple[str, str],  # noqa: F811
) -> None:
    schema, url = pg_source
    # Given a scanned source
    source = await scanned_source(gql, subscribe, url, [schema], 5)
    before = await _tables(gql)

    # When a new table is swapped in under the name "clients" (blue/green load), and
    # "invoices" is dropped and created again (a new OID, the same name)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE TABLE "{schema}".clients_next (id int, nickname text)'))
        await conn.execute(text(f'ALTER TABLE "{schema}".clients RENAME TO clients_old'))
        await conn.execute(text(f'ALTER TABLE "{schema}".clients_next RENAME TO clients'))
        await conn.execute(text(f'DROP TABLE "{schema}".invoices'))
        await conn.execute(text(f'CREATE TABLE "{schema}".invoices (id int, total numeric)'))
    await engine.dispose()
    assert (await scan_to_end(gql, subscribe, source["id"]))[-1]["state"] == "SUCCEEDED"

    # Then "clients" keeps its asset (the name wins over the id), the old table is new
    # under its new name, and the recreated table's columns are matched by name only:
    # its new column is not the old one renamed, though it has the old one's attnum
    after = await _tables(gql)
    assert after[f"{schema}.clients"]["id"] == before[f"{schema}.clients"]["id"]
    assert after[f"{schema}.clients_old"]["id"] not in {t["id"] for t in before.values()}
    assert [c["name"] for c in after[f"{schema}.clients"]["columns"]] == ["id", "nickname"]
    old_columns = {c["name"]: c["id"] for c in before[f"{schema}.invoices"]["columns"]}
    new_columns = {c["name"]: c["id"] for c in after[f"{schema}.invoices"]["columns"]}
    assert new_columns["id"] == old_columns["id"]
    assert new_columns["total"] not in old_columns.values()
    # No rename was recorded: nothing was followed by id
    node = (await gql.ok(NODE, {"id": before[f"{schema}.clients"]["id"]}))["node"]
    assert not [e for e in node["history"]["edges"] if e["node"]["action"] == "asset.rename"]


async def test_a_renamed_schema_is_followed_with_its_tables(gql: Any, subscribe: Any) -> None:
    if not POSTGRES:
        pytest.skip("RACINE_TEST_POSTGRES_URL not set")
    url = POSTGRES
    old, new = unique_schema(), unique_schema()
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{old}"'))
        await conn.execute(text(f'CREATE TABLE "{old}".ledger (id int, note text)'))
    try:
        # Given a scanned schema that a steward described, as its table, under rules
        # that select the schema's next name too
        source = await scanned_source(gql, subscribe, url, [old, new], 5)
        ledger = (await _tables(gql))[f"{old}.ledger"]
        schema = await _schema(gql, old)
        for asset_id, text_ in ((ledger["id"], "Books"), (schema["id"], "Accounting")):
            done = await gql.ok(UPDATE_ASSET, {"input": {"id": asset_id, "description": text_}})
            assert done["updateAsset"]["errors"] == []

        # When the schema is renamed and the source scanned again
        async with engine.begin() as conn:
            await conn.execute(text(f'ALTER SCHEMA "{old}" RENAME TO "{new}"'))
        async with subscribe() as sub:
            op = await sub.start(CHANGES, {"id": source["id"]})
            await asyncio.sleep(0.3)  # the subscription is live before the scan starts
            assert (await scan_to_end(gql, subscribe, source["id"]))[-1]["state"] == "SUCCEEDED"
            changes = await _changes(sub, op, until=1)
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{old}" CASCADE'))
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{new}" CASCADE'))
        await engine.dispose()

    # Then the schema is the same asset under its new name, with its description, and
    # so are its table and columns: nothing is removed or added
    renamed = (await gql.ok(NODE, {"id": schema["id"]}))["node"]
    assert renamed["qualifiedName"].endswith(f".{new}")
    assert (renamed["deleted"], renamed["description"]) == (False, "Accounting")
    assert renamed["formerNames"] == [schema["qualifiedName"]]
    moved = (await gql.ok(NODE, {"id": ledger["id"]}))["node"]
    assert moved["qualifiedName"].endswith(f"{new}.ledger")
    assert (moved["deleted"], moved["description"]) == (False, "Books")
    assert [c["qualifiedName"].rsplit(".", 2)[1:] for c in moved["columns"]] == [
        ["ledger", "id"],
        ["ledger", "note"],
    ]
    assert all(c["qualifiedName"].split(".")[-3] == new for c in moved["columns"])
    every = await gql.ok(TABLES, {"filter": {"kinds": ["SCHEMA"], "includeDeleted": True}})
    assert [e["node"]["id"] for e in every["assets"]["edges"]] == [schema["id"]]
    # ...each is in its history, and the schema and table are announced as renamed
    history = [e["node"] for e in renamed["history"]["edges"]]
    assert [h["action"] for h in history if h["action"] == "asset.rename"] == ["asset.rename"]
    kinds = {(c["type"], c["kind"]) for c in changes}
    assert {("ASSET_RENAMED", "SCHEMA"), ("ASSET_RENAMED", "TABLE")} <= kinds, changes
    assert not [c for c in changes if c["type"] in ("ASSET_ADDED", "ASSET_REMOVED")], changes


async def _schema(gql: Any, name: str) -> dict[str, Any]:
    every = await gql.ok(TABLES, {"filter": {"kinds": ["SCHEMA"]}})
    [found] = [
        e["node"]
        for e in every["assets"]["edges"]
        if e["node"]["qualifiedName"].endswith(f".{name}")
    ]
    return found
