"""Two saves of one source name at once: both pass the name check before either
commits, and the second hits the unique index. It is the same CONFLICT on ``name``
as the check's, not a masked internal error."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pg_lock_waits import until_lock_waiters
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from test_active_scan_guards import _codes
from test_catalog_mutations import CREATE_SOURCE, UPDATE_SOURCE

URL = "postgresql://reader@127.0.0.1:1/warehouse"  # never contacted


async def _source(gql: Any, name: str) -> str:
    created = (await gql.ok(CREATE_SOURCE, {"input": {"name": name, "url": URL}}))[
        "createDataSource"
    ]
    assert created["errors"] == [], created
    return str(created["dataSource"]["id"])


async def _names(gql: Any) -> list[str]:
    listed = await gql.ok("{ dataSources(first: 100) { edges { node { name } } } }")
    return sorted(e["node"]["name"] for e in listed["dataSources"]["edges"])


async def test_a_name_being_created_is_a_conflict_for_a_create_and_a_rename(
    gql: Any, dialect: str, database_url: str
) -> None:
    """Deterministic on PostgreSQL: createDataSource waits to write its audit record
    (its source inserted, not committed) when the same name is created again and
    another source is renamed to it; both passed the name check and then hit the
    unique index, a masked internal error."""
    if dialect != "postgresql":
        pytest.skip("LOCK TABLE is PostgreSQL's; the SQLite case is the next test")
    # Given a source named "old"
    old_id = await _source(gql, "old")
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as audit:
            await audit.begin()
            await audit.execute(text("LOCK TABLE audit_events IN EXCLUSIVE MODE"))
            # When a source "wh" is being created (waiting to write its audit record)...
            first = asyncio.create_task(
                gql.ok(CREATE_SOURCE, {"input": {"name": "wh", "url": URL}})
            )
            await until_lock_waiters(engine, 1)
            # ...and "wh" is created again, and "old" renamed to "wh", at that moment
            second = asyncio.create_task(
                gql.ok(CREATE_SOURCE, {"input": {"name": "wh", "url": URL}})
            )
            rename = asyncio.create_task(
                gql.ok(UPDATE_SOURCE, {"input": {"id": old_id, "name": "wh"}})
            )
            await until_lock_waiters(engine, 3)
            await audit.rollback()
        created = (await first)["createDataSource"]
        again = (await second)["createDataSource"]
        renamed = (await rename)["updateDataSource"]
    finally:
        await engine.dispose()

    # Then the first create wins, and the other two are CONFLICTs on name
    assert created["errors"] == [], created
    assert _codes(again) == [("CONFLICT", "name")], again
    assert _codes(renamed) == [("CONFLICT", "name")], renamed
    assert again["dataSource"] is None and renamed["dataSource"] is None
    assert await _names(gql) == ["old", "wh"]


async def test_one_name_saved_three_times_at_once_is_one_success_and_two_conflicts(
    gql: Any,
) -> None:
    """Both backends, plain concurrent calls: two creates and a rename to one name."""
    for round_ in range(6):
        # Given a source to rename
        name = f"wh{round_}"
        other_id = await _source(gql, f"other{round_}")

        # When the name is created twice and the other source renamed to it at once
        answers = await asyncio.gather(
            gql.ok(CREATE_SOURCE, {"input": {"name": name, "url": URL}}),
            gql.ok(CREATE_SOURCE, {"input": {"name": name, "url": URL}}),
            gql.ok(UPDATE_SOURCE, {"input": {"id": other_id, "name": name}}),
        )
        payloads = [
            answers[0]["createDataSource"],
            answers[1]["createDataSource"],
            answers[2]["updateDataSource"],
        ]

        # Then exactly one save has the name; the others are CONFLICTs on name
        outcome = (round_, payloads)
        assert sorted(len(p["errors"]) for p in payloads) == [0, 1, 1], outcome
        for payload in payloads:
            if payload["errors"]:
                assert _codes(payload) == [("CONFLICT", "name")], outcome
                assert payload["dataSource"] is None, outcome
            else:
                assert payload["dataSource"]["name"] == name, outcome
        assert (await _names(gql)).count(name) == 1, outcome
