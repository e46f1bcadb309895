"""One assignment sent twice at once: a glossary term attached to an asset, or a tag
or an owner added to it (a double submit, two stewards curating the same asset).

Both calls check the link is missing before either commits; the second's insert then
hit the link table's primary key, a masked internal error. An assignment is
idempotent: both calls succeed, the asset has the link once, and the history has one
entry (the second call finds the link there and changes nothing, as a repeated call
does). PostgreSQL is ordered by the audit table's lock (see ``pg_lock_waits``);
SQLite gets plain concurrent calls, a few rounds.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable
from typing import Any

from pg_lock_waits import twice_at_once
from sqlalchemy.ext.asyncio import create_async_engine
from test_catalog_mutations import ASSETS, ASSIGN, CREATE_TERM, HISTORY, UPDATE_ASSET, _source

ROUNDS = 3  # SQLite only
LINKS = """
query($id: ID!) { node(id: $id) { ... on Asset { tags owners { id } glossaryTerms { id } } } }
"""


async def _asset(gql: Any, name: str) -> str:
    await _source(gql, name, "postgresql://reader@127.0.0.1:1/warehouse")  # never contacted
    found = (await gql.ok(ASSETS, {"filter": {"name": name}}))["assets"]["edges"]
    return str(found[0]["node"]["id"])


async def _term(gql: Any, asset: str, n: int) -> tuple[str, dict[str, Any], str, Any]:
    made = (await gql.ok(CREATE_TERM, {"input": {"name": f"Revenue {n}"}}))["createGlossaryTerm"]
    term = made["term"]["id"]
    return ASSIGN, {"term": term, "asset": asset}, "assignGlossaryTerm", [{"id": term}]


async def _tag(gql: Any, asset: str, n: int) -> tuple[str, dict[str, Any], str, Any]:
    return UPDATE_ASSET, {"input": {"id": asset, "tags": ["gold"]}}, "updateAsset", ["gold"]


async def _owner(gql: Any, asset: str, n: int) -> tuple[str, dict[str, Any], str, Any]:
    me = (await gql.ok("{ viewer { id } }"))["viewer"]["id"]
    return UPDATE_ASSET, {"input": {"id": asset, "ownerIds": [me]}}, "updateAsset", [{"id": me}]


CASES = {"glossaryTerms": _term, "tags": _tag, "owners": _owner}


async def test_an_assignment_sent_twice_at_once_succeeds_twice_and_links_once(
    gql: Any, dialect: str, database_url: str
) -> None:
    engine = create_async_engine(database_url)
    try:
        for links, n in itertools.product(CASES, range(1 if dialect == "postgresql" else ROUNDS)):
            # Given an asset without the link
            asset = await _asset(gql, f"{links}{n}")
            document, variables, mutation, expected = await CASES[links](gql, asset, n)

            # When the assignment is sent twice at once
            def send(document: str = document, variables: Any = variables) -> Awaitable[Any]:
                return gql.ok(document, variables)

            answers = await twice_at_once(engine, dialect, send)

            # Then both succeed, the asset has the link once, and one history entry
            payloads = [a[mutation] for a in answers]
            assert [p["errors"] for p in payloads] == [[], []], (links, n, payloads)
            found = (await gql.ok(LINKS, {"id": asset}))["node"]
            assert found[links] == expected, (links, n, found)
            history = (await gql.ok(HISTORY, {"id": asset}))["node"]["history"]["edges"]
            assert len(history) == 1, (links, n, history)
    finally:
        await engine.dispose()
