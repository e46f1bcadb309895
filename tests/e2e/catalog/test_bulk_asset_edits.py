"""``updateAssets``: tags and owners added to or removed from many assets at once, in
one transaction (all or none), each changed asset with its own history entry, search
document and ``ASSET_UPDATED``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from strawberry import relay
from test_catalog_mutations import _source, _table

UPDATE_ASSETS = """
mutation($input: UpdateAssetsInput!) {
  updateAssets(input: $input) {
    errors { code field message }
    assets { id name tags owners { id } }
  }
}
"""
UPDATE_ASSET = """
mutation($input: UpdateAssetInput!) { updateAsset(input: $input) { errors { code } } }
"""
COLUMNS = """
query($id: ID!) { node(id: $id) { ... on Asset { columns { id name } } } }
"""
STATE = """
query($id: ID!) {
  node(id: $id) {
    ... on Asset { tags owners { id } history(first: 20) { edges { node { action diff } } } }
  }
}
"""
SEARCH = """
query($q: String!) { search(query: $q, first: 50) { edges { node { asset { id } } } } }
"""
CHANGES = "subscription { catalogChanges { type assetId } }"


async def _state(gql: Any, ids: list[str]) -> dict[str, Any]:
    return {i: (await gql.ok(STATE, {"id": i}))["node"] for i in ids}


async def test_bulk_tags_and_owners_all_or_none(
    gql: Any, subscribe: Any, shop_sqlite: Path, scan_and_wait: Any, user_with_role: Any
) -> None:
    # Given a scanned table and its columns, one column already tagged "pii"
    source = await _source(gql, "shop", f"sqlite:///{shop_sqlite}")
    assert (await scan_and_wait(source["id"]))["state"] == "SUCCEEDED"
    table = await _table(gql, source["id"], "customers")
    columns = (await gql.ok(COLUMNS, {"id": table["id"]}))["node"]["columns"]
    ids = [table["id"], *(c["id"] for c in columns)]
    tagged = columns[0]["id"]
    assert (await gql.ok(UPDATE_ASSET, {"input": {"id": tagged, "addTags": ["pii"]}}))[
        "updateAsset"
    ]["errors"] == []
    editor_id, editor = await user_with_role("EDITOR")

    # When an editor adds the tag and an owner to all of them at once
    async with subscribe() as sub:
        op = await sub.start(CHANGES)
        done = (
            await gql.ok(
                UPDATE_ASSETS,
                {"input": {"ids": ids, "addTags": ["pii"], "addOwnerIds": [editor_id]}},
                token=editor,
            )
        )["updateAssets"]
        updated = await sub.collect(
            op, lambda d: d["catalogChanges"]["assetId"] == ids[-1], timeout=20
        )

    # Then each has them, in the order given, and each is announced
    assert done["errors"] == [], done
    assert [a["id"] for a in done["assets"]] == ids
    assert all("pii" in a["tags"] and a["owners"] == [{"id": editor_id}] for a in done["assets"])
    assert [u["catalogChanges"] for u in updated if u["catalogChanges"]["type"] == "ASSET_UPDATED"][
        -len(ids) :
    ] == [{"type": "ASSET_UPDATED", "assetId": i} for i in ids]
    # ...each with its own history entry, naming only what changed for it
    state = await _state(gql, ids)
    for asset_id in ids:
        [entry] = [e["node"] for e in state[asset_id]["history"]["edges"]][:1]
        assert entry["action"] == "asset.update"
        expected = {"owners", "ownerNames"} | (set() if asset_id == tagged else {"tags"})
        assert set(entry["diff"]) == expected, (asset_id, entry)
    # ...and search finds them by the tag
    found = {
        e["node"]["asset"]["id"] for e in (await gql.ok(SEARCH, {"q": "pii"}))["search"]["edges"]
    }
    assert found >= set(ids)

    # When one asset of a batch cannot be changed (unknown; past the tag limit)
    unknown = str(relay.GlobalID("Asset", str(uuid.uuid4())))
    crowded = [f"t{i}" for i in range(49)]
    assert (await gql.ok(UPDATE_ASSET, {"input": {"id": tagged, "addTags": crowded}}))[
        "updateAsset"
    ]["errors"] == []
    before = await _state(gql, ids)
    refused = [
        (await gql.ok(UPDATE_ASSETS, {"input": {"ids": [*ids, unknown], "addTags": ["x"]}}))[
            "updateAssets"
        ],
        (await gql.ok(UPDATE_ASSETS, {"input": {"ids": ids, "addTags": ["x", "y"]}}))[
            "updateAssets"
        ],
    ]

    # Then none is changed, and the error says why (and which asset)
    assert [(r["errors"][0]["code"], r["errors"][0]["field"]) for r in refused] == [
        ("NOT_FOUND", "ids"),
        ("LIMIT_EXCEEDED", "addTags"),
    ], refused
    assert refused[1]["errors"][0]["message"].startswith("shop.")
    assert all(r["assets"] == [] for r in refused)
    assert await _state(gql, ids) == before

    # Removing works the same way, and keeps what it does not name
    removed = (await gql.ok(UPDATE_ASSETS, {"input": {"ids": ids, "removeTags": ["pii", "t0"]}}))[
        "updateAssets"
    ]
    assert removed["errors"] == []
    assert all("pii" not in a["tags"] for a in removed["assets"])
    assert len(removed["assets"][ids.index(tagged)]["tags"]) == 48


async def test_bulk_edit_input_is_checked(gql: Any, user_with_role: Any) -> None:
    _, viewer = await user_with_role("VIEWER")
    some = str(relay.GlobalID("Asset", str(uuid.uuid4())))
    for patch, code, field in (
        ({"ids": [], "addTags": ["a"]}, "INVALID", "ids"),
        ({"ids": [some]}, "INVALID", "addTags"),
        ({"ids": [some] * 101, "addTags": ["a"]}, "LIMIT_EXCEEDED", "ids"),
        ({"ids": ["nope"], "addTags": ["a"]}, "INVALID", "ids"),
    ):
        bad = (await gql.ok(UPDATE_ASSETS, {"input": patch}))["updateAssets"]
        assert [(e["code"], e["field"]) for e in bad["errors"]] == [(code, field)], (patch, bad)
    denied = await gql(UPDATE_ASSETS, {"input": {"ids": [some], "addTags": ["a"]}}, token=viewer)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


CREATE_TERM = """
mutation($input: CreateGlossaryTermInput!) {
  createGlossaryTerm(input: $input) { errors { code } term { id } }
}
"""
TERMS = """
query($id: ID!) { node(id: $id) { ... on Asset { glossaryTerms { name } } } }
"""


async def test_bulk_glossary_terms_with_tags_in_one_step(
    gql: Any, subscribe: Any, shop_sqlite: Path, scan_and_wait: Any
) -> None:
    # Given scanned columns and a glossary term with a synonym
    source = await _source(gql, "shop", f"sqlite:///{shop_sqlite}")
    assert (await scan_and_wait(source["id"]))["state"] == "SUCCEEDED"
    table = await _table(gql, source["id"], "customers")
    ids = [c["id"] for c in (await gql.ok(COLUMNS, {"id": table["id"]}))["node"]["columns"]]
    term = (
        await gql.ok(CREATE_TERM, {"input": {"name": "Customer data", "synonyms": ["clientele"]}})
    )["createGlossaryTerm"]["term"]

    # When the term and a tag are added to every column at once
    async with subscribe() as sub:
        op = await sub.start(CHANGES)
        done = (
            await gql.ok(
                UPDATE_ASSETS,
                {"input": {"ids": ids, "addTermIds": [term["id"]], "addTags": ["crm"]}},
            )
        )["updateAssets"]
        events = await sub.collect(op, lambda d: d["catalogChanges"]["assetId"] == ids[-1])
    assert done["errors"] == [], done

    # Then each column carries both, has one entry per change in its history, is
    # announced once, and is found by the term's synonym
    for asset_id in ids:
        assert (await gql.ok(TERMS, {"id": asset_id}))["node"]["glossaryTerms"] == [
            {"name": "Customer data"}
        ]
        history = (await gql.ok(STATE, {"id": asset_id}))["node"]["history"]["edges"]
        assert sorted(e["node"]["action"] for e in history) == [
            "asset.assign_term",
            "asset.update",
        ]
    # (other catalog events may arrive too: the scan's view lineage, LINEAGE_CHANGED,
    # carries no asset id and can be published after the scan reads as SUCCEEDED)
    updated = [
        e["catalogChanges"]["assetId"]
        for e in events
        if e["catalogChanges"]["type"] == "ASSET_UPDATED"
    ]
    assert sorted(updated) == sorted(ids), events
    found = {
        e["node"]["asset"]["id"]
        for e in (await gql.ok(SEARCH, {"q": "clientele"}))["search"]["edges"]
    }
    assert found == set(ids)

    # Detaching in bulk; a term both added and removed, or unknown, changes nothing
    unknown = str(relay.GlobalID("GlossaryTerm", str(uuid.uuid4())))
    for patch, code, field in (
        ({"addTermIds": [term["id"]], "removeTermIds": [term["id"]]}, "INVALID", "addTermIds"),
        ({"addTermIds": [unknown]}, "NOT_FOUND", "addTermIds"),
    ):
        bad = (await gql.ok(UPDATE_ASSETS, {"input": {"ids": ids, **patch}}))["updateAssets"]
        assert [(e["code"], e["field"]) for e in bad["errors"]] == [(code, field)], bad
    detached = await gql.ok(UPDATE_ASSETS, {"input": {"ids": ids, "removeTermIds": [term["id"]]}})
    assert detached["updateAssets"]["errors"] == []
    assert not (await gql.ok(SEARCH, {"q": "clientele"}))["search"]["edges"]


TABLE_COLUMNS = """
query($source: ID!) {
  assets(filter: {dataSourceIds: [$source], kinds: [COLUMN]}, first: 100) {
    edges { node { id } }
  }
}
"""
LINKS = """
query($id: ID!) {
  node(id: $id) { ... on Asset { tags owners { id } glossaryTerms { id } } }
}
"""


async def test_a_bulk_edit_costs_as_many_statements_for_many_assets_as_for_two(
    gql: Any, shop_sqlite: Path, scan_and_wait: Any, user_with_role: Any, request_statements: Any
) -> None:
    # Given every column of a scanned source, an owner-to-be and a glossary term
    source = await _source(gql, "shop", f"sqlite:///{shop_sqlite}")
    assert (await scan_and_wait(source["id"]))["state"] == "SUCCEEDED"
    listed = (await gql.ok(TABLE_COLUMNS, {"source": source["id"]}))["assets"]["edges"]
    ids = [e["node"]["id"] for e in listed]
    assert len(ids) >= 10, ids
    owner, _ = await user_with_role("EDITOR")
    term = (await gql.ok(CREATE_TERM, {"input": {"name": "Shop data"}}))["createGlossaryTerm"][
        "term"
    ]["id"]
    await gql.ok(UPDATE_ASSETS, {"input": {"ids": ids[:1], "addTags": ["warm"]}})

    async def count(batch: list[str], change: dict[str, Any]) -> int:
        with request_statements() as statements:
            done = (await gql.ok(UPDATE_ASSETS, {"input": {"ids": batch, **change}}))[
                "updateAssets"
            ]
        assert done["errors"] == [], done
        return len(statements)

    # When a tag, an owner and the term are added to two columns, then to all the others,
    # and then removed the same way
    add = {"addTags": ["pii"], "addOwnerIds": [owner], "addTermIds": [term]}
    remove = {"removeTags": ["pii"], "removeOwnerIds": [owner], "removeTermIds": [term]}
    added = [await count(ids[:2], add), await count(ids[2:], add)]
    links = [(await gql.ok(LINKS, {"id": i}))["node"] for i in ids]
    removed = [await count(ids[:2], remove), await count(ids[2:], remove)]
    left = [(await gql.ok(LINKS, {"id": i}))["node"] for i in ids]

    # Then every column had them, and has them no more...
    assert all(
        "pii" in n["tags"]
        and n["owners"] == [{"id": owner}]
        and n["glossaryTerms"] == [{"id": term}]
        for n in links
    ), links
    assert all(
        "pii" not in n["tags"] and n["owners"] == [] and n["glossaryTerms"] == [] for n in left
    ), left
    # ...and the statements did not grow with the number of assets
    assert added[0] == added[1] and removed[0] == removed[1], (added, removed)
