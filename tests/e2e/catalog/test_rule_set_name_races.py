"""Two saves of one rule-set name at once: both pass the name check before either
commits, and the second hits the unique index. It is the same CONFLICT on ``name``
as the check's, not a masked internal error (as for data sources, in
``test_source_name_races``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pg_lock_waits import until_lock_waiters
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from test_active_scan_guards import _codes
from test_rule_sets import CREATE, LIST, UPDATE


async def _rule_set(gql: Any, name: str) -> str:
    created = (await gql.ok(CREATE, {"input": {"name": name}}))["createScanRuleSet"]
    assert created["errors"] == [], created
    return str(created["ruleSet"]["id"])


async def _names(gql: Any) -> list[str]:
    return sorted(r["name"] for r in (await gql.ok(LIST))["scanRuleSets"])


async def test_a_rule_set_name_being_created_is_a_conflict_for_a_create_and_a_rename(
    gql: Any, dialect: str, database_url: str
) -> None:
    """Deterministic on PostgreSQL: createScanRuleSet waits to write its audit record
    (its rule set inserted, not committed) when the same name is created again and
    another rule set is renamed to it; both passed the name check and then hit the
    unique index, a masked internal error."""
    if dialect != "postgresql":
        pytest.skip("LOCK TABLE is PostgreSQL's; the SQLite case is the next test")
    # Given a rule set named "old"
    old_id = await _rule_set(gql, "old")
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as audit:
            await audit.begin()
            await audit.execute(text("LOCK TABLE audit_events IN EXCLUSIVE MODE"))
            # When "pii" is being created (waiting to write its audit record)...
            first = asyncio.create_task(gql.ok(CREATE, {"input": {"name": "pii"}}))
            await until_lock_waiters(engine, 1)
            # ...and "pii" is created again, and "old" renamed to "pii", at that moment
            second = asyncio.create_task(gql.ok(CREATE, {"input": {"name": "pii"}}))
            rename = asyncio.create_task(gql.ok(UPDATE, {"input": {"id": old_id, "name": "pii"}}))
            await until_lock_waiters(engine, 3)
            await audit.rollback()
        created = (await first)["createScanRuleSet"]
        again = (await second)["createScanRuleSet"]
        renamed = (await rename)["updateScanRuleSet"]
    finally:
        await engine.dispose()

    # Then the first create wins, and the other two are CONFLICTs on name
    assert created["errors"] == [], created
    assert _codes(again) == [("CONFLICT", "name")], again
    assert _codes(renamed) == [("CONFLICT", "name")], renamed
    assert again["ruleSet"] is None and renamed["ruleSet"] is None
    assert await _names(gql) == ["Default", "old", "pii"]


async def test_one_rule_set_name_saved_three_times_at_once_is_one_success(gql: Any) -> None:
    """Both backends, plain concurrent calls: two creates and a rename to one name."""
    for round_ in range(3):
        # Given a rule set to rename
        name = f"pii{round_}"
        other_id = await _rule_set(gql, f"other{round_}")

        # When the name is created twice and the other rule set renamed to it at once
        answers = await asyncio.gather(
            gql.ok(CREATE, {"input": {"name": name}}),
            gql.ok(CREATE, {"input": {"name": name}}),
            gql.ok(UPDATE, {"input": {"id": other_id, "name": name}}),
        )
        payloads = [
            answers[0]["createScanRuleSet"],
            answers[1]["createScanRuleSet"],
            answers[2]["updateScanRuleSet"],
        ]

        # Then exactly one save has the name; the others are CONFLICTs on name
        outcome = (round_, payloads)
        assert sorted(len(p["errors"]) for p in payloads) == [0, 1, 1], outcome
        for payload in payloads:
            if payload["errors"]:
                assert _codes(payload) == [("CONFLICT", "name")], outcome
                assert payload["ruleSet"] is None, outcome
            else:
                assert payload["ruleSet"]["name"] == name, outcome
        assert (await _names(gql)).count(name) == 1, outcome
