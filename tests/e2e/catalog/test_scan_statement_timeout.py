"""A relation whose sample outlasts the source's statement timeout
(``RACINE_SOURCE_STATEMENT_TIMEOUT_S``, one second here) is catalogued with its shape, and
the scan says why it has no profile."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pg_schemas import postgres_schema  # type: ignore[import-not-found]
from test_catalog_scan_sqlite import CREATE_SOURCE, TABLES, scan_to_end

RULES = """
mutation($schema: String!) {
  createScanRuleSet(input: {name: $schema, includeSchemas: [$schema]}) { ruleSet { id } }
}
"""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"source_statement_timeout_s": 1.0}


@pytest.fixture
async def slow_view() -> AsyncIterator[tuple[str, str]]:
    """A PostgreSQL schema with a quick table and a view that takes 3 s to read (0.1 s a row)."""
    async with postgres_schema(
        "CREATE TABLE {schema}.quick (id int, email text)",
        "INSERT INTO {schema}.quick SELECT g, 'u' || g || '@mail.example'"
        " FROM generate_series(1, 30) g",
        "CREATE VIEW {schema}.slow AS SELECT id, pg_sleep(0.1)::text AS pause FROM {schema}.quick",
    ) as made:
        yield made


async def test_a_view_that_outlasts_the_timeout_is_catalogued_without_its_rows(
    gql: Any, subscribe: Any, slow_view: tuple[str, str]
) -> None:
    # Given a source whose rule set reads the schema of a slow view
    schema, url = slow_view
    rules = (await gql.ok(RULES, {"schema": schema}))["createScanRuleSet"]["ruleSet"]["id"]
    created = (
        await gql.ok(CREATE_SOURCE, {"input": {"name": "slow", "url": url, "ruleSetId": rules}})
    )["createDataSource"]
    assert created["errors"] == [], created

    # When it is scanned
    steps = await scan_to_end(gql, subscribe, created["dataSource"]["id"])

    # Then it succeeds, the view's entry saying why it has no profile
    last = steps[-1]
    assert last["state"] == "SUCCEEDED" and last["tablesDone"] == 2, last
    assert [(e["table"].rsplit(".", 1)[1], e["reason"]) for e in last["errors"]] == [
        ("slow", "SAMPLE_TIMEOUT")
    ]
    assert last["tablesFailed"] == 0
    # ...and both are catalogued: the table profiled, the view with its columns
    found = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE", "VIEW"]}}))["assets"]["edges"]
    relations = {e["node"]["name"]: e["node"] for e in found}
    assert relations["slow"]["kind"] == "VIEW"
    assert {c["name"]: c["profile"] for c in relations["slow"]["columns"]} == {
        "id": None,
        "pause": None,
    }
    email = next(c for c in relations["quick"]["columns"] if c["name"] == "email")
    assert email["profile"]["sampledRows"] == 30
