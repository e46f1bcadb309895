"""Assets a scan removes (soft-deletes) and finds again: the removal and the revival
are in each asset's history, attributed to the scan; a removed asset stays readable
but every mutation that edits it is refused with CONFLICT until a scan finds it."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from strawberry import relay

CREATE_SOURCE = """
mutation($input: CreateDataSourceInput!) {
  createDataSource(input: $input) { errors { code field message } dataSource { id } }
}
"""
ASSETS = """
query($filter: AssetFilter) {
  assets(filter: $filter, first: 100) {
    edges { node { id kind name qualifiedName deleted } }
  }
}
"""
ASSET = """
query($id: ID!) {
  node(id: $id) {
    ... on Asset {
      id name deleted description tags properties owners { id } glossaryTerms { id }
      classifications { typeKey source state }
      history(first: 20) { totalCount edges { node { action actorName diff } } }
    }
  }
}
"""
UPDATE_ASSET = """
mutation($input: UpdateAssetInput!) {
  updateAsset(input: $input) { errors { code field message } asset { id description } }
}
"""
CREATE_TERM = """
mutation($name: String!) {
  createGlossaryTerm(input: {name: $name}) { errors { code message } term { id } }
}
"""
ASSIGN = """
mutation($term: ID!, $asset: ID!) {
  assignGlossaryTerm(input: {termId: $term, assetId: $asset}) {
    errors { code field message } asset { id }
  }
}
"""
UNASSIGN = """
mutation($term: ID!, $asset: ID!) {
  unassignGlossaryTerm(input: {termId: $term, assetId: $asset}) {
    errors { code field message } asset { id }
  }
}
"""
CLASSIFY = """
mutation($column: ID!) {
  setColumnClassification(input: {columnId: $column, typeKey: "EMAIL", state: CONFIRMED}) {
    errors { code field message }
  }
}
"""
ADD_EDGES = """
mutation($source: ID!, $target: ID!) {
  addLineageEdges(input: {edges: [{sourceId: $source, targetId: $target}]}) {
    errors { code field message } edges { id }
  }
}
"""
CREATE_ASSERTION = """
mutation($asset: ID!) {
  createQualityAssertion(input: {assetId: $asset, kind: ROW_COUNT, params: {min: 1}}) {
    errors { code field message } assertion { id }
  }
}
"""


UPDATE_SOURCE = """
mutation($id: ID!, $url: String!) {
  updateDataSource(input: {id: $id, url: $url}) { errors { code field message } }
}
"""
CHANGES = """
subscription($id: ID) { catalogChanges(dataSourceId: $id) { type kind qualifiedName } }
"""
SEARCH = """
query($q: String!) { search(query: $q, first: 10) { edges { node { asset { qualifiedName } } } } }
"""
ROW_COUNT = """
mutation($asset: ID!) {
  createQualityAssertion(input: {assetId: $asset, kind: ROW_COUNT, params: {min: 1}}) {
    errors { code field message } assertion { id }
  }
}
"""
RUN_ASSERTION = """
mutation($id: ID!) {
  runQualityAssertion(input: {id: $id}) {
    errors { code field message } result { status message } assertion { lastStatus }
  }
}
"""
SCORE = """
query($asset: ID!) { qualityScore(assetId: $asset) { assetId score dimensions { evaluated } } }
"""
ASSERTION = """
query($id: ID!) {
  node(id: $id) {
    ... on QualityAssertion {
      lastStatus results(first: 10) { totalCount edges { node { status message } } }
    }
  }
}
"""


def _shop(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, phone TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL);
        INSERT INTO customers VALUES (1, 'a@example.org', '555-0100');
        INSERT INTO orders VALUES (1, 3.5);
        """
    )
    conn.commit()
    conn.close()
    return path


def _run(path: Path, script: str) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(script)
    conn.commit()
    conn.close()


async def _source(gql: Any, path: Path) -> str:
    created = (
        await gql.ok(CREATE_SOURCE, {"input": {"name": "shop", "url": f"sqlite:///{path}"}})
    )["createDataSource"]
    assert created["errors"] == [], created
    source_id: str = created["dataSource"]["id"]
    return source_id


async def _assets(gql: Any, source_id: str) -> dict[str, dict[str, Any]]:
    """Every asset of the source below the database, deleted ones too, by the
    qualified name under the schema (``orders``, ``orders.total``)."""
    found = await gql.ok(ASSETS, {"filter": {"dataSourceIds": [source_id], "includeDeleted": True}})
    out: dict[str, dict[str, Any]] = {}
    for edge in found["assets"]["edges"]:
        node = edge["node"]
        parts = node["qualifiedName"].split(".")
        if len(parts) > 3:  # shop.shop.main.<table>[.<column>]
            out[".".join(parts[3:])] = node
    return out


async def _asset(gql: Any, asset_id: str) -> dict[str, Any]:
    node: dict[str, Any] = (await gql.ok(ASSET, {"id": asset_id}))["node"]
    return node


def _scan_uuid(scan_id: str) -> str:
    return relay.GlobalID.from_id(scan_id).node_id


async def test_removal_and_revival_by_a_scan_are_in_the_asset_history(
    gql: Any, scan_and_wait: Any, tmp_path: Path
) -> None:
    # Given a scanned source
    path = _shop(tmp_path / "shop.db")
    source_id = await _source(gql, path)
    assert (await scan_and_wait(source_id))["state"] == "SUCCEEDED"
    before = await _assets(gql, source_id)

    # When a table and a column of another table are dropped, and the source rescanned
    _run(path, "DROP TABLE orders; ALTER TABLE customers DROP COLUMN phone;")
    removal = await scan_and_wait(source_id)
    assert removal["state"] == "SUCCEEDED", removal

    # Then the table, its columns and the dropped column each have an
    # ``asset.remove`` entry by the scan's actor naming the scan
    removed = {"deleted": {"before": False, "after": True}, "scanId": _scan_uuid(removal["id"])}
    for name in ("orders", "orders.id", "orders.total", "customers.phone"):
        asset = await _asset(gql, before[name]["id"])
        assert asset["deleted"] is True, name
        history = [e["node"] for e in asset["history"]["edges"]]
        assert history == [{"action": "asset.remove", "actorName": "system", "diff": removed}], (
            name,
            history,
        )
    # while the table that lost a column changed its schema, and nothing else moved.
    customers = await _asset(gql, before["customers"]["id"])
    assert [e["node"]["action"] for e in customers["history"]["edges"]] == ["asset.schema_changed"]
    email = await _asset(gql, before["customers.email"]["id"])
    assert email["history"]["totalCount"] == 0

    # When the table comes back (with one column fewer) and the source is rescanned
    _run(path, "CREATE TABLE orders (id INTEGER PRIMARY KEY);")
    revival = await scan_and_wait(source_id)
    assert revival["state"] == "SUCCEEDED", revival

    # Then the same table and its returning column say so, newest first; the column
    # that did not return stays removed with its single entry.
    revived = {"deleted": {"before": True, "after": False}, "scanId": _scan_uuid(revival["id"])}
    after = await _assets(gql, source_id)
    assert after["orders"]["id"] == before["orders"]["id"]
    for name in ("orders", "orders.id"):
        asset = await _asset(gql, before[name]["id"])
        assert asset["deleted"] is False, name
        history = [e["node"] for e in asset["history"]["edges"]]
        assert history == [
            {"action": "asset.revive", "actorName": "system", "diff": revived},
            {"action": "asset.remove", "actorName": "system", "diff": removed},
        ], (name, history)
    total = await _asset(gql, before["orders.total"]["id"])
    assert total["deleted"] is True and total["history"]["totalCount"] == 1

    # And a rescan that finds the same source records nothing more.
    assert (await scan_and_wait(source_id))["state"] == "SUCCEEDED"
    orders = await _asset(gql, before["orders"]["id"])
    assert orders["history"]["totalCount"] == 2


async def test_a_removed_asset_is_read_but_not_edited_until_a_scan_finds_it(
    gql: Any, scan_and_wait: Any, user_with_role: Any, tmp_path: Path
) -> None:
    # Given a scanned source whose table carries a term, then is dropped and rescanned
    path = _shop(tmp_path / "shop.db")
    source_id = await _source(gql, path)
    assert (await scan_and_wait(source_id))["state"] == "SUCCEEDED"
    assets = await _assets(gql, source_id)
    customers, email = assets["customers"]["id"], assets["customers.email"]["id"]
    orders = assets["orders"]["id"]
    term = (await gql.ok(CREATE_TERM, {"name": "Client"}))["createGlossaryTerm"]["term"]["id"]
    other = (await gql.ok(CREATE_TERM, {"name": "Buyer"}))["createGlossaryTerm"]["term"]["id"]
    assert (await gql.ok(ASSIGN, {"term": term, "asset": customers}))["assignGlossaryTerm"][
        "errors"
    ] == []
    owner_id, _ = await user_with_role("EDITOR")
    _run(path, "DROP TABLE customers;")
    assert (await scan_and_wait(source_id))["state"] == "SUCCEEDED"
    stored = await _asset(gql, customers)
    assert stored["deleted"] is True

    # When each mutation that edits an asset is tried on the removed table or column
    refused = {
        "updateAsset description": (
            UPDATE_ASSET, {"input": {"id": customers, "description": "gone?"}}, "id"
        ),
        "updateAsset tags": (UPDATE_ASSET, {"input": {"id": customers, "tags": ["x"]}}, "id"),
        "updateAsset owners": (
            UPDATE_ASSET, {"input": {"id": customers, "ownerIds": [owner_id]}}, "id"
        ),
        "updateAsset properties": (
            UPDATE_ASSET, {"input": {"id": customers, "properties": {"a": 1}}}, "id"
        ),
        "updateAsset unchanged": (
            UPDATE_ASSET, {"input": {"id": customers, "tags": []}}, "id"
        ),
        "assignGlossaryTerm": (ASSIGN, {"term": other, "asset": customers}, "assetId"),
        "unassignGlossaryTerm": (UNASSIGN, {"term": term, "asset": customers}, "assetId"),
        "setColumnClassification": (CLASSIFY, {"column": email}, "columnId"),
        "addLineageEdges": (
            ADD_EDGES, {"source": customers, "target": orders}, "edges[0].sourceId"
        ),
        "createQualityAssertion": (CREATE_ASSERTION, {"asset": customers}, "assetId"),
    }  # fmt: skip
    for name, (document, variables, field) in refused.items():
        data = await gql.ok(document, variables)
        [payload] = data.values()
        # Then each is a CONFLICT on the asset's field, saying it was removed
        [error] = payload["errors"]
        assert (error["code"], error["field"]) == ("CONFLICT", field), (name, error)
        assert "removed from its source" in error["message"], (name, error)
        assert "shop.shop.main.customers" in error["message"], (name, error)

    # And nothing changed: the asset reads as before, its history has no new entry.
    assert await _asset(gql, customers) == stored
    column = await _asset(gql, email)
    assert column["deleted"] is True
    assert all(c["source"] != "MANUAL" for c in column["classifications"]), column

    # When the table comes back and the source is rescanned
    _run(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT);")
    assert (await scan_and_wait(source_id))["state"] == "SUCCEEDED"

    # Then it is edited again as usual, with what it carried before it was removed.
    edited = (await gql.ok(UPDATE_ASSET, {"input": {"id": customers, "description": "Back"}}))[
        "updateAsset"
    ]
    assert edited["errors"] == [] and edited["asset"]["description"] == "Back"
    assert (await gql.ok(CLASSIFY, {"column": email}))["setColumnClassification"]["errors"] == []
    back = await _asset(gql, customers)
    assert [t["id"] for t in back["glossaryTerms"]] == [term]
    assert [e["node"]["action"] for e in back["history"]["edges"]][:3] == [
        "asset.update",
        "asset.revive",
        "asset.remove",
    ]


async def test_a_missing_asset_is_still_not_found(gql: Any) -> None:
    # Given an asset id that names nothing
    ghost = str(relay.GlobalID("Asset", str(uuid.uuid4())))

    # When it is edited, then the error is NOT_FOUND (CONFLICT is for removed assets only)
    done = (await gql.ok(UPDATE_ASSET, {"input": {"id": ghost, "tags": ["x"]}}))["updateAsset"]
    assert [(e["code"], e["field"]) for e in done["errors"]] == [("NOT_FOUND", "id")]


async def test_a_source_pointed_at_another_database_removes_the_old_one(
    gql: Any, subscribe: Any, scan_and_wait: Any, tmp_path: Path
) -> None:
    # Given a source scanned on one database (the SQLite file ``a``)
    source_id = await _source(gql, _shop(tmp_path / "a.db"))
    assert (await scan_and_wait(source_id))["state"] == "SUCCEEDED"
    old = {
        e["node"]["qualifiedName"]: e["node"]
        for e in (await gql.ok(ASSETS, {"filter": {"dataSourceIds": [source_id]}}))["assets"][
            "edges"
        ]
        if e["node"]["qualifiedName"].startswith("shop.a")
    }
    assert {"shop.a", "shop.a.main", "shop.a.main.customers", "shop.a.main.customers.email"} <= set(
        old
    ), old

    # When its URL is changed to another database (``b``) and it is scanned again
    _run(tmp_path / "b.db", "CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL);")
    moved = await gql.ok(UPDATE_SOURCE, {"id": source_id, "url": f"sqlite:///{tmp_path / 'b.db'}"})
    assert moved["updateDataSource"]["errors"] == [], moved
    async with subscribe() as sub:
        op = await sub.start(CHANGES, {"id": source_id})
        await asyncio.sleep(0.3)  # the subscription is live before the scan starts
        scan = await scan_and_wait(source_id)
        assert scan["state"] == "SUCCEEDED", scan
        changes: list[dict[str, Any]] = []
        try:  # the scan's changes were published as it committed: read them all
            while True:
                message = await sub.receive(timeout=1.5)
                if message.get("id") == op and message["type"] == "next":
                    changes.append(message["payload"]["data"]["catalogChanges"])
        except TimeoutError:
            pass
        removed = [c for c in changes if c["type"] == "ASSET_REMOVED"]

    # Then the old database goes with its schema and tables, each ASSET_REMOVED
    assert sorted((c["kind"], c["qualifiedName"]) for c in removed) == [
        ("DATABASE", "shop.a"),
        ("SCHEMA", "shop.a.main"),
        ("TABLE", "shop.a.main.customers"),
        ("TABLE", "shop.a.main.orders"),
    ], changes
    # and every asset under it (columns too) is removed, with its history entry,
    gone = {"deleted": {"before": False, "after": True}, "scanId": _scan_uuid(scan["id"])}
    for name, asset in old.items():
        node = await _asset(gql, asset["id"])
        assert node["deleted"] is True, name
        history = [e["node"] for e in node["history"]["edges"]]
        assert history == [{"action": "asset.remove", "actorName": "system", "diff": gone}], name
    # while the new database is what the catalog and search list.
    live = (await gql.ok(ASSETS, {"filter": {"dataSourceIds": [source_id]}}))["assets"]["edges"]
    assert {e["node"]["qualifiedName"] for e in live} == {
        "shop",
        "shop.b",
        "shop.b.main",
        "shop.b.main.invoices",
        "shop.b.main.invoices.id",
        "shop.b.main.invoices.amount",
    }
    for word in ("customers", "email", "orders"):
        assert (await gql.ok(SEARCH, {"q": word}))["search"]["edges"] == [], word
    assert (await gql.ok(SEARCH, {"q": "invoices"}))["search"]["edges"]

    # And when it is pointed back and rescanned, the old database is revived.
    back = await gql.ok(UPDATE_SOURCE, {"id": source_id, "url": f"sqlite:///{tmp_path / 'a.db'}"})
    assert back["updateDataSource"]["errors"] == [], back
    assert (await scan_and_wait(source_id))["state"] == "SUCCEEDED"
    for name, asset in old.items():
        assert (await _asset(gql, asset["id"]))["deleted"] is False, name
    assert (await gql.ok(SEARCH, {"q": "invoices"}))["search"]["edges"] == []


async def _results_after(gql: Any, assertion_id: str, count: int) -> dict[str, Any]:
    """The assertion once it has ``count`` results (the scan's follow-up run is queued).

    Read again once the count is reached: one request reads the assertion and its
    results in separate transactions, so the read that first sees the new result may
    hold the status from before the run committed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        node: dict[str, Any] = (await gql.ok(ASSERTION, {"id": assertion_id}))["node"]
        if node["results"]["totalCount"] >= count or loop.time() > deadline:
            again: dict[str, Any] = (await gql.ok(ASSERTION, {"id": assertion_id}))["node"]
            return again
        await asyncio.sleep(0.1)


async def test_an_assertion_on_a_removed_table_is_skipped_until_a_scan_finds_it(
    gql: Any, scan_and_wait: Any, tmp_path: Path
) -> None:
    # Given a scanned source with a passing row-count assertion on each of its tables
    path = _shop(tmp_path / "shop.db")
    source_id = await _source(gql, path)
    assert (await scan_and_wait(source_id))["state"] == "SUCCEEDED"
    assets = await _assets(gql, source_id)
    ids = {}
    for table in ("orders", "customers"):
        created = (await gql.ok(ROW_COUNT, {"asset": assets[table]["id"]}))[
            "createQualityAssertion"
        ]
        assert created["errors"] == [], created
        ids[table] = created["assertion"]["id"]
        ran = (await gql.ok(RUN_ASSERTION, {"id": ids[table]}))["runQualityAssertion"]
        assert ran["result"]["status"] == "PASS", ran
    orders, customers = ids["orders"], ids["customers"]

    # When the orders table is dropped and the source rescanned (which queues a run
    # of the source's assertions)
    _run(path, "DROP TABLE orders;")
    assert (await scan_and_wait(source_id))["state"] == "SUCCEEDED"
    await _results_after(gql, customers, 2)
    skipped = await _results_after(gql, orders, 2)

    # Then its assertion was not run: one SKIPPED result says the table was removed
    # from its source, and that is its status
    assert skipped["lastStatus"] == "SKIPPED", skipped
    [newest, first] = [e["node"] for e in skipped["results"]["edges"]]
    assert newest["status"] == "SKIPPED" and first["status"] == "PASS", skipped
    assert "shop.shop.main.orders was removed from its source" in newest["message"], newest
    assert "no longer exists" not in newest["message"]
    # and the removed table still has a quality score (SKIPPED says nothing of the data)
    score = (await gql.ok(SCORE, {"asset": assets["orders"]["id"]}))["qualityScore"]
    assert score["assetId"] == assets["orders"]["id"] and score["score"] is None, score

    # When it is run on demand, then it is refused with CONFLICT, and not run
    ran = (await gql.ok(RUN_ASSERTION, {"id": orders}))["runQualityAssertion"]
    [error] = ran["errors"]
    assert (error["code"], error["field"]) == ("CONFLICT", "id"), ran
    assert "removed from its source" in error["message"], ran
    assert ran["result"] is None

    # When the source is rescanned while the table is still gone, the other
    # assertion runs and this one records nothing more
    assert (await scan_and_wait(source_id))["state"] == "SUCCEEDED"
    assert (await _results_after(gql, customers, 3))["results"]["totalCount"] == 3
    assert (await gql.ok(ASSERTION, {"id": orders}))["node"] == skipped

    # And once the table is back and a scan finds it, the assertion runs again.
    _run(path, "CREATE TABLE orders (id INTEGER PRIMARY KEY); INSERT INTO orders VALUES (1);")
    assert (await scan_and_wait(source_id))["state"] == "SUCCEEDED"
    back = await _results_after(gql, orders, 3)
    assert back["lastStatus"] == "PASS", back
    assert back["results"]["edges"][0]["node"]["status"] == "PASS", back
    ran = (await gql.ok(RUN_ASSERTION, {"id": orders}))["runQualityAssertion"]
    assert ran["errors"] == [] and ran["result"]["status"] == "PASS", ran
