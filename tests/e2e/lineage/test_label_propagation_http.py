"""Classification propagation along column lineage (Atlas semantics), end to end."""

from __future__ import annotations

import asyncio
from typing import Any

from lineage_seed import classify, seed_catalog  # type: ignore[import-not-found]

ADD = """
mutation($input: AddLineageEdgesInput!) {
  addLineageEdges(input: $input) { errors { code message } edges { id propagates } }
}
"""
REMOVE = """
mutation($id: ID!) { removeLineageEdges(input: {edgeIds: [$id]}) { errors { code } } }
"""
BLOCK = """
mutation($id: ID!, $blocked: Boolean!) {
  setLineageEdgePropagation(input: {edgeId: $id, blocked: $blocked}) {
    errors { code } edge { blocked propagates } }
}
"""
LABELS = """
query($id: ID!) { node(id: $id) { ... on Asset { classifications { typeKey source evidence } } } }
"""
SEARCH = """
query { assets(filter: {classifications: ["EMAIL"]}, first: 10) {
  edges { node { qualifiedName } } } }
"""
CHANGES = "subscription { catalogChanges { __typename } }"

TABLES = {
    "shop.public.customers": ["id", "email"],
    "shop.staging.contacts": ["email", "email_hash"],
    "shop.mart.mailing": ["email"],
}


async def labels(gql: Any, gid: str) -> dict[str, dict[str, Any]]:
    node = (await gql.ok(LABELS, {"id": gid}))["node"]
    return {c["typeKey"]: c for c in node["classifications"]}


async def eventually(check: Any, timeout: float = 15.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


async def test_email_label_propagates_and_goes_away(gql: Any, runtime: Any) -> None:
    cat = await seed_catalog(runtime, TABLES)
    source = cat.gid("shop.public.customers.email")
    copy, copy2 = cat.gid("shop.staging.contacts.email"), cat.gid("shop.mart.mailing.email")
    hashed = cat.gid("shop.staging.contacts.email_hash")
    added = (
        await gql.ok(
            ADD,
            {
                "input": {
                    "edges": [
                        {"sourceId": source, "targetId": copy},
                        {"sourceId": copy, "targetId": copy2},
                        {
                            "sourceId": source,
                            "targetId": hashed,
                            "transformation": {
                                "type": "DIRECT",
                                "subtype": "TRANSFORMATION",
                                "masking": True,
                            },
                        },
                    ]
                }
            },
        )
    )["addLineageEdges"]
    first_edge = added["edges"][0]["id"]
    assert [e["propagates"] for e in added["edges"]] == [True, True, False]

    # Given an EMAIL label on the source column
    await classify(runtime, cat.columns["shop.public.customers.email"], "EMAIL")

    # Then it shows up, marked as propagated, two hops downstream (not past the hash)
    async def propagated() -> bool:
        found = await labels(gql, copy2)
        return "EMAIL" in found and found["EMAIL"]["source"] == "PROPAGATED"

    await eventually(propagated)
    on_copy = (await labels(gql, copy))["EMAIL"]
    assert on_copy["source"] == "PROPAGATED"
    assert on_copy["evidence"]["sourceAssetIds"] == [
        str(cat.columns["shop.public.customers.email"].id)
    ]
    assert "EMAIL" not in await labels(gql, hashed)
    assert (await labels(gql, source))["EMAIL"]["source"] == "MANUAL"
    # The catalog's filters see propagated labels
    found = {e["node"]["qualifiedName"] for e in (await gql.ok(SEARCH))["assets"]["edges"]}
    assert found == {
        "shop.public.customers.email",
        "shop.staging.contacts.email",
        "shop.mart.mailing.email",
    }

    # When a steward blocks the first edge, the copies go; unblocking brings them back
    blocked = await gql.ok(BLOCK, {"id": first_edge, "blocked": True})
    assert blocked["setLineageEdgePropagation"]["edge"] == {"blocked": True, "propagates": False}

    async def gone() -> bool:
        return "EMAIL" not in await labels(gql, copy2) and "EMAIL" not in await labels(gql, copy)

    await eventually(gone)
    await gql.ok(BLOCK, {"id": first_edge, "blocked": False})
    await eventually(propagated)

    # When the edge is removed, the copies disappear
    assert (await gql.ok(REMOVE, {"id": first_edge}))["removeLineageEdges"]["errors"] == []
    await eventually(gone)

    # And removing the source label removes copies too
    await gql.ok(ADD, {"input": {"edges": [{"sourceId": source, "targetId": copy}]}})
    await eventually(propagated)
    await classify(runtime, cat.columns["shop.public.customers.email"], "EMAIL", remove=True)
    await eventually(gone)
    async with runtime.uow() as uow:
        assert (
            await uow.lineage.propagated(assets=[cat.columns["shop.mart.mailing.email"].id]) == []
        )
