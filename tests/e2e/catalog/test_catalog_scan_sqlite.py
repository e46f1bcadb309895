"""A SQLite source end to end: register, scan with live progress, browse, search,
glossary synonyms, edits with history, and the source's credentials staying secret."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

CREATE_SOURCE = """
mutation($input: CreateDataSourceInput!) {
  createDataSource(input: $input) {
    errors { code field message }
    dataSource { id name engine url hasCredentials ruleSet { name isDefault } }
  }
}
"""
START_SCAN = """
mutation($id: ID!) {
  startScan(input: {dataSourceId: $id}) { errors { code field message } scan { id state } }
}
"""
SCAN_PROGRESS = """
subscription($id: ID!) {
  scanProgress(scanId: $id) {
    scanId type state reason table tablesTotal tablesDone tablesFailed columnsDone percent
    etaSeconds
    error { table reason message } errors { table reason message }
  }
}
"""
SCANS = """
query($id: ID!) {
  scans(dataSourceId: $id) {
    totalCount
    edges { node { id state durationSeconds tablesTotal tablesDone columnsDone assetsAdded
                   errors { table reason } requestedBy { name } } }
  }
}
"""
TABLES = """
query($filter: AssetFilter) {
  assets(filter: $filter, first: 50) {
    totalCount
    edges { node { id kind name qualifiedName rowCount
      columns { id name dataType nullable position
                profile { sampledRows kind min max topValues { value count } }
                classifications { typeKey state source confidence } } } }
  }
}
"""
SEARCH = """
query($q: String!, $filter: AssetFilter) {
  search(query: $q, filter: $filter, first: 10) {
    totalCount
    edges { cursor node { score asset { id kind name qualifiedName }
                          highlights { field snippet } } }
    facets { name values { value label count } }
  }
}
"""
CREATE_TERM = """
mutation($input: CreateGlossaryTermInput!) {
  createGlossaryTerm(input: $input) { errors { code field message } term { id name synonyms } }
}
"""
ASSIGN = """
mutation($term: ID!, $asset: ID!) {
  assignGlossaryTerm(input: {termId: $term, assetId: $asset}) {
    errors { code message } asset { id glossaryTerms { name synonyms } }
  }
}
"""
UPDATE_ASSET = """
mutation($input: UpdateAssetInput!) {
  updateAsset(input: $input) {
    errors { code field message }
    asset { id description tags properties owners { name }
            history { edges { node { action actorName diff } } } }
  }
}
"""


async def scan_to_end(
    gql: Any, subscribe: Any, source_id: str, *, release: Callable[[], None] | None = None
) -> list[dict[str, Any]]:
    """Start a scan and follow its progress to the end. A small scan may be over before
    the subscription starts (its steps are then a SNAPSHOT and the closing STATE, which
    carry the scan's totals and per-table ``errors``): what every scan is sure to show
    is its last step. To see the live steps, hold the source (a lock the scan waits on)
    and pass ``release``: it is called once the subscription has its SNAPSHOT."""
    async with subscribe() as sub:
        started = (await gql.ok(START_SCAN, {"id": source_id}))["startScan"]
        assert started["errors"] == [], started
        op = await sub.start(SCAN_PROGRESS, {"id": started["scan"]["id"]})
        steps = []
        if release is not None:
            steps = await sub.collect(op, lambda d: d["scanProgress"]["type"] == "SNAPSHOT")
            release()
        steps += await sub.collect(
            op, lambda d: d["scanProgress"]["state"] in ("SUCCEEDED", "FAILED", "CANCELLED")
        )
    return [s["scanProgress"] for s in steps]


async def test_sqlite_source_scan_browse_search(
    gql: Any, subscribe: Any, shop_sqlite: Path
) -> None:
    # Given a registered SQLite source
    created = (
        await gql.ok(CREATE_SOURCE, {"input": {"name": "shop", "url": f"sqlite:///{shop_sqlite}"}})
    )["createDataSource"]
    assert created["errors"] == []
    source = created["dataSource"]
    assert source["engine"] == "sqlite" and source["hasCredentials"] is False
    assert source["ruleSet"] == {"name": "Default", "isDefault": True}

    # When it is scanned (the file locked until the subscription has its snapshot, so
    # the scan waits and its steps come live), then progress streams to SUCCEEDED
    held = sqlite3.connect(shop_sqlite, isolation_level=None)
    held.execute("BEGIN EXCLUSIVE")
    try:
        steps = await scan_to_end(gql, subscribe, source["id"], release=held.rollback)
    finally:
        held.close()
    assert steps[0]["type"] == "SNAPSHOT" and steps[0]["state"] in ("QUEUED", "RUNNING")
    types = [s["type"] for s in steps]
    assert "TABLE_FINISHED" in types and types.count("TABLE_STARTED") >= 3, steps
    assert steps[-1]["state"] == "SUCCEEDED", steps[-1]
    finished = [s for s in steps if s["type"] == "TABLE_FINISHED"]
    assert finished[-1]["tablesDone"] == 3 and finished[-1]["percent"] == 100.0

    history = (await gql.ok(SCANS, {"id": source["id"]}))["scans"]
    scan = history["edges"][0]["node"]
    assert history["totalCount"] == 1
    assert scan["state"] == "SUCCEEDED" and scan["tablesDone"] == 3 and scan["errors"] == []
    assert scan["columnsDone"] == 4 + 4 + 4 and scan["assetsAdded"] == 3
    assert scan["durationSeconds"] > 0
    viewer = (await gql.ok("{ viewer { name } }"))["viewer"]
    assert scan["requestedBy"] == {"name": viewer["name"]}  # who started it

    # The catalog has the tables with typed, profiled, classified columns.
    tables = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE", "VIEW"]}}))["assets"]
    by_name = {e["node"]["name"]: e["node"] for e in tables["edges"]}
    assert set(by_name) == {"customers", "orders", "big_orders"}
    customers = by_name["customers"]
    assert customers["qualifiedName"] == "shop.shop.main.customers"
    assert customers["kind"] == "TABLE" and by_name["big_orders"]["kind"] == "VIEW"
    cols = {c["name"]: c for c in customers["columns"]}
    assert [c["name"] for c in customers["columns"]] == [
        "id",
        "full_name",
        "email_address",
        "signup_date",
    ]
    assert cols["full_name"]["nullable"] is False and cols["id"]["position"] == 1
    assert cols["id"]["profile"]["sampledRows"] == 59
    email = cols["email_address"]
    assert any(c["typeKey"] == "EMAIL" for c in email["classifications"]), email
    # A sensitive column keeps no raw values in its profile.
    assert email["profile"]["topValues"] == [] and email["profile"]["min"] is None

    # Search finds the column by its name, exact match first, with facets and highlights.
    found = (await gql.ok(SEARCH, {"q": "email_address"}))["search"]
    top = found["edges"][0]["node"]
    assert top["asset"]["name"] == "email_address" and top["asset"]["kind"] == "COLUMN"
    assert any("<mark>" in h["snippet"] for h in top["highlights"])
    facets = {f["name"]: f["values"] for f in found["facets"]}
    assert {"value": "COLUMN", "label": "COLUMN", "count": 1} in facets["kind"]
    assert facets["classification"][0]["value"] == "EMAIL"
    # The table matches through its column names too.
    assert "customers" in [e["node"]["asset"]["name"] for e in found["edges"]]

    # A glossary term with a synonym, assigned to the column: the synonym finds it.
    term = (
        await gql.ok(
            CREATE_TERM,
            {
                "input": {
                    "name": "Contact email",
                    "definition": "How we reach a customer.",
                    "synonyms": ["mailbox", "courriel"],
                }
            },
        )
    )["createGlossaryTerm"]
    assert term["errors"] == []
    assigned = (await gql.ok(ASSIGN, {"term": term["term"]["id"], "asset": email["id"]}))[
        "assignGlossaryTerm"
    ]
    assert (
        assigned["errors"] == []
        and assigned["asset"]["glossaryTerms"][0]["name"] == "Contact email"
    )
    by_synonym = (await gql.ok(SEARCH, {"q": "courriel"}))["search"]
    assert [e["node"]["asset"]["id"] for e in by_synonym["edges"]] == [email["id"]]
    assert by_synonym["edges"][0]["node"]["highlights"][0]["field"] == "glossaryTerms"

    # Edits are audited as the asset's history; tags filter and facet.
    me = (await gql.ok("{ viewer { id } }"))["viewer"]["id"]
    updated = (
        await gql.ok(
            UPDATE_ASSET,
            {
                "input": {
                    "id": customers["id"],
                    "description": "People who bought something",
                    "tags": ["pii", "gold"],
                    "ownerIds": [me],
                    "properties": {"team": "crm"},
                }
            },
        )
    )["updateAsset"]
    assert updated["errors"] == []
    asset = updated["asset"]
    assert asset["tags"] == ["gold", "pii"] and asset["owners"] == [{"name": "admin"}]
    change = asset["history"]["edges"][0]["node"]
    assert change["action"] == "asset.update" and change["actorName"] == "admin"
    assert change["diff"]["tags"] == {"before": [], "after": ["pii", "gold"]}
    tagged = (await gql.ok(SEARCH, {"q": "bought", "filter": {"tags": ["pii"]}}))["search"]
    assert [e["node"]["asset"]["name"] for e in tagged["edges"]] == ["customers"]
    bad = (await gql.ok(UPDATE_ASSET, {"input": {"id": customers["id"], "tags": ["<script>"]}}))[
        "updateAsset"
    ]
    assert bad["errors"][0]["code"] == "INVALID" and bad["asset"] is None

    # A second scan of an unchanged source changes nothing.
    steps = await scan_to_end(gql, subscribe, source["id"])
    assert steps[-1]["state"] == "SUCCEEDED"
    history = (await gql.ok(SCANS, {"id": source["id"]}))["scans"]
    assert history["totalCount"] == 2
    again = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE", "VIEW"]}}))["assets"]
    assert again["totalCount"] == 3


async def test_scan_progress_of_a_finished_scan_is_snapshot_then_state(
    gql: Any, subscribe: Any, scan_and_wait: Any, shop_sqlite: Path
) -> None:
    # Given a scan that has already finished
    created = (
        await gql.ok(CREATE_SOURCE, {"input": {"name": "done", "url": f"sqlite:///{shop_sqlite}"}})
    )["createDataSource"]
    assert created["errors"] == []
    scan = await scan_and_wait(created["dataSource"]["id"])
    assert scan["state"] == "SUCCEEDED", scan

    # When a client subscribes to its progress and reads until the stream completes
    async with subscribe() as sub:
        op = await sub.start(SCAN_PROGRESS, {"id": scan["id"]})
        steps = [s["scanProgress"] for s in await sub.collect(op, lambda d: False, timeout=10)]

    # Then it gets the snapshot and the closing STATE step with the terminal state, as a
    # live stream ends
    assert [(s["type"], s["state"]) for s in steps] == [
        ("SNAPSHOT", "SUCCEEDED"),
        ("STATE", "SUCCEEDED"),
    ], steps
    assert steps[-1]["tablesDone"] == 3 and steps[-1]["percent"] == 100.0
