"""Catalog mutations over GraphQL: data sources (change, remove, connection tests,
secrets staying write-only), asset edits with their history, the glossary, and
the permissions every catalog mutation checks."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from strawberry import relay

SECRET_PW = "Sup3r-S3cret-pw"
NEW_PW = "N3w-S3cret-pw"

CREATE_SOURCE = """
mutation($input: CreateDataSourceInput!) {
  createDataSource(input: $input) {
    errors { code field message }
    dataSource { id name engine url hasCredentials description }
  }
}
"""
UPDATE_SOURCE = """
mutation($input: UpdateDataSourceInput!) {
  updateDataSource(input: $input) {
    errors { code field message }
    dataSource { id name engine url hasCredentials description asset { id name } }
  }
}
"""
DELETE_SOURCE = """
mutation($id: ID!) {
  deleteDataSource(input: {id: $id}) { errors { code field message } dataSource { id name } }
}
"""
TEST_CONNECTION = """
mutation($input: TestDataSourceConnectionInput!) {
  testDataSourceConnection(input: $input) {
    errors { code field message } ok failureReason latencyMs
  }
}
"""
AUDIT = """
query($type: String!) {
  auditEvents(first: 100, filter: {targetType: $type}) {
    edges { node { action actorName targetType diff } }
  }
}
"""
ASSETS = """
query($filter: AssetFilter) {
  assets(filter: $filter, first: 100) { totalCount edges { node { id kind name deleted } } }
}
"""
SCANS = """
query($id: ID!) { scans(dataSourceId: $id) { totalCount } }
"""
NODE = """
query($id: ID!) { node(id: $id) { id ... on Asset { name } } }
"""
SEARCH = """
query($q: String!) { search(query: $q) { totalCount edges { node { asset { id name } } } } }
"""
UPDATE_ASSET = """
mutation($input: UpdateAssetInput!) {
  updateAsset(input: $input) {
    errors { code field message }
    asset { id description tags properties owners { id name }
            history(first: 10) { totalCount edges { node { action actorName diff } } } }
  }
}
"""
CREATE_TERM = """
mutation($input: CreateGlossaryTermInput!) {
  createGlossaryTerm(input: $input) {
    errors { code field message }
    term { id name definition synonyms parent { id name } relatedTerms { id name } }
  }
}
"""
UPDATE_TERM = """
mutation($input: UpdateGlossaryTermInput!) {
  updateGlossaryTerm(input: $input) {
    errors { code field message }
    term { id name definition synonyms parent { id name } relatedTerms { id name } }
  }
}
"""
DELETE_TERM = """
mutation($id: ID!) {
  deleteGlossaryTerm(input: {id: $id}) { errors { code field message } term { id name } }
}
"""
ASSIGN = """
mutation($term: ID!, $asset: ID!) {
  assignGlossaryTerm(input: {termId: $term, assetId: $asset}) {
    errors { code field message } asset { id glossaryTerms { id name } }
  }
}
"""
UNASSIGN = """
mutation($term: ID!, $asset: ID!) {
  unassignGlossaryTerm(input: {termId: $term, assetId: $asset}) {
    errors { code field message } asset { id glossaryTerms { id name } }
  }
}
"""
TERMS = """
query($parent: ID, $roots: Boolean! = false) {
  glossaryTerms(parentId: $parent, rootsOnly: $roots, first: 100) {
    totalCount edges { node { id name } }
  }
}
"""
HISTORY = """
query($id: ID!) {
  node(id: $id) { ... on Asset { history(first: 20) { edges { node { action actorName diff } } } } }
}
"""


async def _source(gql: Any, name: str, url: str) -> dict[str, Any]:
    created = (await gql.ok(CREATE_SOURCE, {"input": {"name": name, "url": url}}))[
        "createDataSource"
    ]
    assert created["errors"] == [], created
    source: dict[str, Any] = created["dataSource"]
    return source


async def _table(gql: Any, source_id: str, name: str) -> dict[str, Any]:
    found = (await gql.ok(ASSETS, {"filter": {"dataSourceIds": [source_id], "name": name}}))[
        "assets"
    ]
    assert found["totalCount"] == 1, found
    node: dict[str, Any] = found["edges"][0]["node"]
    return node


async def test_update_data_source_keeps_the_password_write_only(
    gql: Any, shop_sqlite: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    async def call(query: str, variables: dict[str, Any]) -> Any:
        data = await gql.ok(query, variables)
        seen.append(json.dumps(data))
        return data

    # Given a PostgreSQL source registered with a password (nothing listens on port 1)
    pg_url = f"postgresql://reader:{SECRET_PW}@127.0.0.1:1/warehouse"
    created = (await call(CREATE_SOURCE, {"input": {"name": "wh", "url": pg_url}}))[
        "createDataSource"
    ]
    assert created["errors"] == [], created
    source = created["dataSource"]
    assert source["hasCredentials"] is True
    assert source["url"] == "postgresql://reader:***@127.0.0.1:1/warehouse"

    # When only the password and the name change
    renamed = (
        await call(
            UPDATE_SOURCE,
            {"input": {"id": source["id"], "name": "warehouse", "password": NEW_PW}},
        )
    )["updateDataSource"]
    # Then the name and root asset follow, the URL stays redacted.
    assert renamed["errors"] == [], renamed
    ds = renamed["dataSource"]
    assert ds["name"] == "warehouse" and ds["hasCredentials"] is True
    assert ds["url"] == "postgresql://reader:***@127.0.0.1:1/warehouse"
    assert ds["asset"] == {"id": ds["asset"]["id"], "name": "warehouse"}

    # A connection test of the stored source fails with a typed reason, no secret.
    tested = (await call(TEST_CONNECTION, {"input": {"id": source["id"]}}))[
        "testDataSourceConnection"
    ]
    assert tested["ok"] is False and tested["failureReason"] == "UNREACHABLE", tested
    assert tested["errors"][0]["code"] == "CONNECTION_FAILED"
    assert "127.0.0.1:1" in tested["errors"][0]["message"]

    # When the URL is replaced by a SQLite file (no credentials)
    moved = (
        await call(
            UPDATE_SOURCE, {"input": {"id": source["id"], "url": f"sqlite:///{shop_sqlite}"}}
        )
    )["updateDataSource"]["dataSource"]
    assert moved["engine"] == "sqlite" and moved["hasCredentials"] is False
    assert moved["url"] == f"sqlite:///{shop_sqlite}"
    ok = (await call(TEST_CONNECTION, {"input": {"id": source["id"]}}))["testDataSourceConnection"]
    assert ok["ok"] is True and ok["errors"] == [] and ok["latencyMs"] >= 0
    assert ok["failureReason"] is None

    # URLs can be tested before saving: each failure has its reason.
    cases = {
        f"sqlite:///{tmp_path / 'missing.db'}": "DATABASE_MISSING",
        f"postgresql://u:{SECRET_PW}@127.0.0.1:1/db": "UNREACHABLE",
        f"mysql://u:{SECRET_PW}@127.0.0.1:1/db": "UNREACHABLE",
    }
    for url, reason in cases.items():
        failed = (await call(TEST_CONNECTION, {"input": {"url": url}}))["testDataSourceConnection"]
        assert failed["failureReason"] == reason, (url, failed)
        assert failed["errors"][0]["code"] == "CONNECTION_FAILED"
    ok = (await call(TEST_CONNECTION, {"input": {"url": f"sqlite:///{shop_sqlite}"}}))[
        "testDataSourceConnection"
    ]
    assert ok["ok"] is True
    bad = (await call(TEST_CONNECTION, {"input": {"url": "ftp://x/y"}}))["testDataSourceConnection"]
    assert bad["errors"][0]["code"] == "INVALID" and bad["errors"][0]["field"] == "url"
    assert bad["failureReason"] is None
    empty = (await call(TEST_CONNECTION, {"input": {}}))["testDataSourceConnection"]
    assert empty["errors"][0]["code"] == "INVALID"

    # Bad updates are typed errors and change nothing.
    other = await _source(gql, "other", f"sqlite:///{shop_sqlite}")
    clash = (await call(UPDATE_SOURCE, {"input": {"id": other["id"], "name": "warehouse"}}))[
        "updateDataSource"
    ]
    assert clash["errors"][0]["code"] == "CONFLICT" and clash["errors"][0]["field"] == "name"
    for patch, field in (
        ({"name": "a.b"}, "name"),
        ({"schedule": "every day"}, "schedule"),
        ({"url": "nonsense"}, "url"),
    ):
        wrong = (await call(UPDATE_SOURCE, {"input": {"id": other["id"], **patch}}))[
            "updateDataSource"
        ]
        assert wrong["errors"][0]["field"] == field and wrong["dataSource"] is None, wrong

    # The audit trail records that credentials were replaced, never their value.
    audit = (await call(AUDIT, {"type": "DataSource"}))["auditEvents"]["edges"]
    updates = [e["node"] for e in audit if e["node"]["action"] == "datasource.update"]
    assert len(updates) == 2 and all(u["actorName"] == "admin" for u in updates)
    assert all(u["diff"]["credentialsReplaced"] is True for u in updates)
    assert {"before": "wh", "after": "warehouse"} in [u["diff"].get("name") for u in updates]

    # Nowhere in any output or log line does a password appear.
    everything = "\n".join(seen) + "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET_PW not in everything and NEW_PW not in everything


async def test_delete_data_source_removes_its_assets_and_scans(
    gql: Any, shop_sqlite: Path, scan_and_wait: Any
) -> None:
    # Given a scanned source and a second one that stays
    source = await _source(gql, "shop", f"sqlite:///{shop_sqlite}")
    keep = await _source(gql, "keep", f"sqlite:///{shop_sqlite}")
    scan = await scan_and_wait(source["id"])
    assert scan["state"] == "SUCCEEDED", scan
    customers = await _table(gql, source["id"], "customers")
    assert (await gql.ok(SCANS, {"id": source["id"]}))["scans"]["totalCount"] == 1

    # When it is deleted
    deleted = (await gql.ok(DELETE_SOURCE, {"id": source["id"]}))["deleteDataSource"]
    assert deleted["errors"] == [] and deleted["dataSource"]["name"] == "shop"

    # Then its assets are removed (not soft-deleted), with its scan history.
    gone = (
        await gql.ok(ASSETS, {"filter": {"dataSourceIds": [source["id"]], "includeDeleted": True}})
    )["assets"]
    assert gone["totalCount"] == 0
    body = await gql(NODE, {"id": customers["id"]})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = await gql(NODE, {"id": source["id"]})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await gql.ok(SCANS, {"id": source["id"]}))["scans"]["totalCount"] == 0
    assert (await gql.ok(SEARCH, {"q": "customers"}))["search"]["totalCount"] == 0
    # The other source is untouched; the deletion is audited.
    roots = (await gql.ok(ASSETS, {"filter": {"kinds": ["DATA_SOURCE"]}}))["assets"]
    assert [e["node"]["name"] for e in roots["edges"]] == [keep["name"]]
    audit = (await gql.ok(AUDIT, {"type": "DataSource"}))["auditEvents"]["edges"]
    assert "datasource.delete" in [e["node"]["action"] for e in audit]

    # A missing id is NOT_FOUND; an id of another type is INVALID.
    again = (await gql.ok(DELETE_SOURCE, {"id": source["id"]}))["deleteDataSource"]
    assert again["errors"] == [
        {"code": "NOT_FOUND", "field": "id", "message": again["errors"][0]["message"]}
    ]
    wrong = (await gql.ok(DELETE_SOURCE, {"id": customers["id"]}))["deleteDataSource"]
    assert wrong["errors"][0]["code"] == "INVALID" and wrong["errors"][0]["field"] == "id"
    # A source can be registered again under the freed name.
    await _source(gql, "shop", f"sqlite:///{shop_sqlite}")


async def test_asset_edits_are_audited_and_need_an_editor(
    gql: Any, shop_sqlite: Path, scan_and_wait: Any, user_with_role: Any
) -> None:
    # Given a scanned source, a viewer and an editor
    source = await _source(gql, "shop", f"sqlite:///{shop_sqlite}")
    assert (await scan_and_wait(source["id"]))["state"] == "SUCCEEDED"
    orders = await _table(gql, source["id"], "orders")
    _, viewer = await user_with_role("VIEWER")
    editor_id, editor = await user_with_role("EDITOR")

    # A VIEWER cannot edit: FORBIDDEN, and nothing changes.
    denied = await gql(UPDATE_ASSET, {"input": {"id": orders["id"], "tags": ["x"]}}, token=viewer)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert denied["data"] is None

    # An EDITOR edits each field; each change is audited with actor and diff.
    edits: list[dict[str, Any]] = [
        {"description": "Paid orders"},
        {"tags": ["finance", "gold"]},
        {"ownerIds": [editor_id]},
        {"properties": {"team": "billing", "sla": 4}},
        {"description": ""},
    ]
    for patch in edits:
        done = (await gql.ok(UPDATE_ASSET, {"input": {"id": orders["id"], **patch}}, token=editor))[
            "updateAsset"
        ]
        assert done["errors"] == [], done
    asset = done["asset"]
    assert asset["description"] is None and asset["tags"] == ["finance", "gold"]
    assert [o["id"] for o in asset["owners"]] == [editor_id]
    assert asset["properties"] == {"team": "billing", "sla": 4}
    history = [e["node"] for e in asset["history"]["edges"]]
    assert asset["history"]["totalCount"] == 5
    assert {h["action"] for h in history} == {"asset.update"}
    assert len({h["actorName"] for h in history}) == 1
    assert history[0]["actorName"].startswith("editor_")
    # Newest first, one field per diff, with before and after.
    assert history[0]["diff"] == {"description": {"before": "Paid orders", "after": ""}}
    assert history[1]["diff"] == {
        "properties": {"before": {}, "after": {"team": "billing", "sla": 4}}
    }
    assert list(history[2]["diff"]) == ["owners", "ownerNames"]
    assert history[2]["diff"]["owners"]["before"] == []
    # The owners' names as they were, beside their ids, so the entry reads as it is.
    assert history[2]["diff"]["ownerNames"] == {"before": [], "after": [history[0]["actorName"]]}
    assert history[3]["diff"] == {"tags": {"before": [], "after": ["finance", "gold"]}}
    assert history[4]["diff"] == {"description": {"before": None, "after": "Paid orders"}}

    # Invalid edits are typed errors with the field; nothing is recorded.
    for patch, code, field in (
        ({"tags": ["ok", ""]}, "INVALID", "tags"),
        ({"tags": [f"t{i}" for i in range(51)]}, "LIMIT_EXCEEDED", "tags"),
        ({"properties": [1, 2]}, "INVALID", "properties"),
        ({"description": "x" * 10_001}, "LIMIT_EXCEEDED", "description"),
        ({"ownerIds": [orders["id"]]}, "INVALID", "ownerIds"),
        ({"ownerIds": [str(relay.GlobalID("User", str(uuid.uuid4())))]}, "NOT_FOUND", "ownerIds"),
    ):
        bad = (await gql.ok(UPDATE_ASSET, {"input": {"id": orders["id"], **patch}}))["updateAsset"]
        assert [(e["code"], e["field"]) for e in bad["errors"]] == [(code, field)], (patch, bad)
    again = (await gql.ok(HISTORY, {"id": orders["id"]}))["node"]["history"]["edges"]
    assert len(again) == 5
    # Renaming the source renames its assets' qualified names: a re-scan finds the
    # same assets (same ids, tags kept) rather than adding copies.
    renamed = (await gql.ok(UPDATE_SOURCE, {"input": {"id": source["id"], "name": "boutique"}}))[
        "updateDataSource"
    ]
    assert renamed["errors"] == [], renamed
    assert (await scan_and_wait(source["id"]))["state"] == "SUCCEEDED"
    every = (
        await gql.ok(ASSETS, {"filter": {"dataSourceIds": [source["id"]], "includeDeleted": True}})
    )["assets"]["edges"]
    assert all(not e["node"]["deleted"] for e in every)
    tables = sorted(e["node"]["name"] for e in every if e["node"]["kind"] in ("TABLE", "VIEW"))
    assert tables == ["big_orders", "customers", "orders"]
    moved = await _table(gql, source["id"], "orders")
    assert moved["id"] == orders["id"]
    found = (await gql.ok(SEARCH, {"q": "boutique orders"}))["search"]["edges"]
    assert orders["id"] in [h["node"]["asset"]["id"] for h in found]
    # A missing asset is NOT_FOUND.
    absent = str(relay.GlobalID("Asset", str(uuid.uuid4())))
    missing = (await gql.ok(UPDATE_ASSET, {"input": {"id": absent, "tags": []}}))["updateAsset"]
    assert missing["errors"][0]["code"] == "NOT_FOUND" and missing["asset"] is None


async def test_glossary_hierarchy_synonyms_and_assignments(
    gql: Any, shop_sqlite: Path, scan_and_wait: Any, user_with_role: Any
) -> None:
    source = await _source(gql, "shop", f"sqlite:///{shop_sqlite}")
    assert (await scan_and_wait(source["id"]))["state"] == "SUCCEEDED"
    customers = await _table(gql, source["id"], "customers")

    async def create(**fields: Any) -> dict[str, Any]:
        made = (await gql.ok(CREATE_TERM, {"input": fields}))["createGlossaryTerm"]
        assert made["errors"] == [], made
        term: dict[str, Any] = made["term"]
        return term

    # Given a small hierarchy: Party > Customer > Key account, with a related term
    party = await create(name="Party", definition="Someone we deal with.")
    customer = await create(
        name="Customer", parentId=party["id"], synonyms=["client", "patron", "client"]
    )
    key = await create(name="Key account", parentId=customer["id"])
    supplier = await create(name="Supplier", relatedTermIds=[party["id"]])
    assert customer["parent"] == {"id": party["id"], "name": "Party"}
    assert customer["synonyms"] == ["client", "patron"]
    assert supplier["relatedTerms"] == [{"id": party["id"], "name": "Party"}]
    roots = (await gql.ok(TERMS, {"roots": True}))["glossaryTerms"]
    assert [e["node"]["name"] for e in roots["edges"]] == ["Party", "Supplier"]
    children = (await gql.ok(TERMS, {"parent": party["id"]}))["glossaryTerms"]
    assert [e["node"]["name"] for e in children["edges"]] == ["Customer"]

    # Same name under the same parent conflicts (any case); elsewhere it is fine.
    dup = (await gql.ok(CREATE_TERM, {"input": {"name": "customer", "parentId": party["id"]}}))[
        "createGlossaryTerm"
    ]
    assert dup["errors"][0]["code"] == "CONFLICT" and dup["errors"][0]["field"] == "name"
    await create(name="Customer")
    empty = (await gql.ok(CREATE_TERM, {"input": {"name": "  "}}))["createGlossaryTerm"]
    assert empty["errors"][0]["field"] == "name"
    # A related term that does not exist is NOT_FOUND on the input's own field name.
    gone = "R2xvc3NhcnlUZXJtOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA=="
    orphan = (await gql.ok(CREATE_TERM, {"input": {"name": "Lone", "relatedTermIds": [gone]}}))[
        "createGlossaryTerm"
    ]
    assert [(e["code"], e["field"]) for e in orphan["errors"]] == [("NOT_FOUND", "relatedTermIds")]

    # Cycles are refused: a term under itself or under its own descendant.
    for term, parent in ((party, party), (party, key), (customer, key)):
        cyc = (await gql.ok(UPDATE_TERM, {"input": {"id": term["id"], "parentId": parent["id"]}}))[
            "updateGlossaryTerm"
        ]
        assert cyc["errors"][0]["code"] == "INVALID", cyc
        assert cyc["errors"][0]["field"] == "parentId"
    # Moving a term and replacing synonyms and related terms works.
    moved = (
        await gql.ok(
            UPDATE_TERM,
            {
                "input": {
                    "id": key["id"],
                    "parentId": party["id"],
                    "synonyms": ["vip"],
                    "relatedTermIds": [customer["id"], key["id"]],
                    "definition": "A customer we look after.",
                }
            },
        )
    )["updateGlossaryTerm"]
    assert moved["errors"] == [], moved
    assert moved["term"]["parent"]["name"] == "Party" and moved["term"]["synonyms"] == ["vip"]
    assert moved["term"]["relatedTerms"] == [{"id": customer["id"], "name": "Customer"}]

    # Assigning the term makes its synonyms find the asset; unassigning undoes it.
    _, editor = await user_with_role("EDITOR")
    assigned = (
        await gql.ok(ASSIGN, {"term": customer["id"], "asset": customers["id"]}, token=editor)
    )["assignGlossaryTerm"]
    assert assigned["errors"] == [] and assigned["asset"]["glossaryTerms"] == [
        {"id": customer["id"], "name": "Customer"}
    ]
    again = (await gql.ok(ASSIGN, {"term": customer["id"], "asset": customers["id"]}))[
        "assignGlossaryTerm"
    ]
    assert len(again["asset"]["glossaryTerms"]) == 1  # idempotent
    hits = (await gql.ok(SEARCH, {"q": "patron"}))["search"]["edges"]
    assert [h["node"]["asset"]["id"] for h in hits] == [customers["id"]]
    # Renaming a synonym re-indexes the assets carrying the term.
    await gql.ok(UPDATE_TERM, {"input": {"id": customer["id"], "synonyms": ["shopper"]}})
    assert (await gql.ok(SEARCH, {"q": "patron"}))["search"]["totalCount"] == 0
    assert (await gql.ok(SEARCH, {"q": "shopper"}))["search"]["totalCount"] == 1
    history = (await gql.ok(HISTORY, {"id": customers["id"]}))["node"]["history"]["edges"]
    # The second assignment changed nothing, so it is not in the history.
    assert [h["node"]["action"] for h in history] == ["asset.assign_term"]

    # A term with children cannot be deleted.
    blocked = (await gql.ok(DELETE_TERM, {"id": party["id"]}))["deleteGlossaryTerm"]
    assert blocked["errors"][0]["code"] == "CONFLICT" and blocked["term"] is None
    # A term with assignments can: it is detached from its assets and the search forgets it.
    dropped = (await gql.ok(DELETE_TERM, {"id": customer["id"]}))["deleteGlossaryTerm"]
    assert dropped["errors"] == [], dropped
    node = (
        await gql.ok(
            "query($id: ID!) { node(id: $id) { ... on Asset { glossaryTerms { id } } } }",
            {"id": customers["id"]},
        )
    )["node"]
    assert node["glossaryTerms"] == []
    assert (await gql.ok(SEARCH, {"q": "shopper"}))["search"]["totalCount"] == 0
    by_term = (await gql.ok(ASSETS, {"filter": {"glossaryTermIds": [customer["id"]]}}))["assets"]
    assert by_term["totalCount"] == 0
    # Terms that pointed at it as related no longer list it.
    key_now = (
        await gql.ok(
            "query($id: ID!) { node(id: $id) { ... on GlossaryTerm { relatedTerms { id } } } }",
            {"id": key["id"]},
        )
    )["node"]
    assert key_now["relatedTerms"] == []
    body = await gql(NODE, {"id": customer["id"]})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    gone = (await gql.ok(DELETE_TERM, {"id": customer["id"]}))["deleteGlossaryTerm"]
    assert gone["errors"][0]["code"] == "NOT_FOUND"

    # Unassigning is audited too.
    await gql.ok(ASSIGN, {"term": supplier["id"], "asset": customers["id"]})
    un = (await gql.ok(UNASSIGN, {"term": supplier["id"], "asset": customers["id"]}))[
        "unassignGlossaryTerm"
    ]
    assert un["errors"] == [] and un["asset"]["glossaryTerms"] == []
    history = (await gql.ok(HISTORY, {"id": customers["id"]}))["node"]["history"]["edges"]
    assert history[0]["node"]["action"] == "asset.unassign_term"
    assert history[0]["node"]["diff"]["term"] == "Supplier"


DENIED = [
    (CREATE_SOURCE, {"input": {"name": "x", "url": "sqlite:///x.db"}}),
    (UPDATE_SOURCE, {"input": {"id": "{source}", "name": "y"}}),
    (DELETE_SOURCE, {"id": "{source}"}),
    (TEST_CONNECTION, {"input": {"id": "{source}"}}),
    (
        'mutation { createScanRuleSet(input: {name: "r"}) { errors { code } } }',
        {},
    ),
    (
        'mutation($id: ID!) { updateScanRuleSet(input: {id: $id, name: "r"}) { errors { code } } }',
        {"id": "{rules}"},
    ),
    (
        "mutation($id: ID!) { deleteScanRuleSet(input: {id: $id}) { errors { code } } }",
        {"id": "{rules}"},
    ),
    (
        "mutation($id: ID!) { startScan(input: {dataSourceId: $id}) { errors { code } } }",
        {"id": "{source}"},
    ),
    (
        "mutation($id: ID!) { cancelScan(input: {id: $id}) { errors { code } } }",
        {"id": "{asset}"},
    ),
    (UPDATE_ASSET, {"input": {"id": "{asset}", "description": "no"}}),
    (CREATE_TERM, {"input": {"name": "Nope"}}),
    (UPDATE_TERM, {"input": {"id": "{term}", "name": "Nope"}}),
    (DELETE_TERM, {"id": "{term}"}),
    (ASSIGN, {"term": "{term}", "asset": "{asset}"}),
    (UNASSIGN, {"term": "{term}", "asset": "{asset}"}),
]


async def test_every_catalog_mutation_refuses_a_viewer(
    gql: Any, shop_sqlite: Path, user_with_role: Any
) -> None:
    # Given objects of every kind, and a VIEWER and an EDITOR
    source = await _source(gql, "shop", f"sqlite:///{shop_sqlite}")
    rules = (
        await gql.ok('mutation { createScanRuleSet(input: {name: "mine"}) { ruleSet { id } } }')
    )["createScanRuleSet"]["ruleSet"]
    term = (await gql.ok(CREATE_TERM, {"input": {"name": "Kept"}}))["createGlossaryTerm"]["term"]
    ids = {"source": source["id"], "rules": rules["id"], "term": term["id"], "asset": source["id"]}
    ids["asset"] = (await gql.ok(UPDATE_SOURCE, {"input": {"id": source["id"]}}))[
        "updateDataSource"
    ]["dataSource"]["asset"]["id"]
    _, viewer = await user_with_role("VIEWER")
    _, editor = await user_with_role("EDITOR")

    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            return ids[value[1:-1]]
        return value

    # Then a VIEWER is refused every one; an EDITOR every STEWARD one.
    steward_only = {0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12}
    for i, (query, variables) in enumerate(DENIED):
        body = await gql(query, fill(variables), token=viewer)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (i, body)
        if i in steward_only:
            body = await gql(query, fill(variables), token=editor)
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (i, body)
    # Nothing changed.
    assert (await gql.ok(TERMS, {"roots": True}))["glossaryTerms"]["totalCount"] == 1
    names = (await gql.ok("{ dataSources { edges { node { name } } } }"))["dataSources"]
    assert [e["node"]["name"] for e in names["edges"]] == ["shop"]
    # Reading is fine for a viewer.
    assert (await gql.ok(NODE, {"id": ids["asset"]}, token=viewer))["node"]["name"] == "shop"


async def test_node_lookup_of_missing_or_mistyped_ids(gql: Any, shop_sqlite: Path) -> None:
    source = await _source(gql, "shop", f"sqlite:///{shop_sqlite}")
    raw = relay.GlobalID.from_id(source["id"]).node_id
    term = (await gql.ok(CREATE_TERM, {"input": {"name": "T"}}))["createGlossaryTerm"]["term"]
    term_raw = relay.GlobalID.from_id(term["id"]).node_id
    cases = [
        str(relay.GlobalID("Asset", term_raw)),  # a term's uuid as an Asset
        str(relay.GlobalID("GlossaryTerm", raw)),  # an asset's uuid as a term
        str(relay.GlobalID("Scan", raw)),
        str(relay.GlobalID("ScanRuleSet", raw)),
        str(relay.GlobalID("DataSource", term_raw)),
        str(relay.GlobalID("Asset", "not-a-uuid")),
        str(relay.GlobalID("DataSource", "42")),
        str(relay.GlobalID("Nope", raw)),
    ]
    for value in cases:
        body = await gql(NODE, {"id": value})
        assert body["data"] == {"node": None} or body["data"] is None, body
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", (value, body)
    # The right type finds it.
    assert (await gql.ok(NODE, {"id": str(relay.GlobalID("Asset", raw))}))["node"]["name"] == "shop"


async def test_names_match_in_any_case_beyond_ascii(gql: Any, tmp_path: Path) -> None:
    # Given a source and a glossary term whose names start with a non-ASCII capital
    await _source(gql, "Ärzte", f"sqlite:///{tmp_path / 'none.db'}")
    term = (await gql.ok(CREATE_TERM, {"input": {"name": "Ärztin"}}))["createGlossaryTerm"]
    assert term["errors"] == [], term

    # When assets are filtered by the name in another case, and by the same name
    # Then both find the source's root asset, on either metadata database
    for name in ("ärzte", "ÄRZTE", "Ärzte"):
        found = (await gql.ok(ASSETS, {"filter": {"name": name}}))["assets"]
        assert [e["node"]["name"] for e in found["edges"]] == ["Ärzte"], (name, found)

    # When a sibling term is created with the same name, in the same or another case
    # Then it conflicts, as an ASCII name does
    for name in ("Ärztin", "ärztin", "ÄRZTIN"):
        dup = (await gql.ok(CREATE_TERM, {"input": {"name": name}}))["createGlossaryTerm"]
        assert dup["errors"] and dup["errors"][0]["code"] == "CONFLICT", (name, dup)

    # And a name prefix in another case finds the term
    listed = await gql.ok(
        '{ glossaryTerms(namePrefix: "ärz", first: 10) { edges { node { id } } } }'
    )
    assert [e["node"]["id"] for e in listed["glossaryTerms"]["edges"]] == [term["term"]["id"]]


async def test_moving_a_term_counts_its_children_against_the_depth_limit(gql: Any) -> None:
    async def chain(prefix: str, length: int) -> list[str]:
        ids: list[str] = []
        for i in range(length):
            fields = {"name": f"{prefix}{i}", **({"parentId": ids[-1]} if ids else {})}
            made = (await gql.ok(CREATE_TERM, {"input": fields}))["createGlossaryTerm"]
            assert made["errors"] == [], made
            ids.append(made["term"]["id"])
        return ids

    # Given two chains of six terms (a term nests at most 10 below a root: 11 levels)
    a, b = await chain("a", 6), await chain("b", 6)

    # When b's root moves under a's leaf, which would make 12 levels
    moved = (await gql.ok(UPDATE_TERM, {"input": {"id": b[0], "parentId": a[5]}}))[
        "updateGlossaryTerm"
    ]
    # Then it is refused, as creating a twelfth level is, and b stays a root
    assert moved["errors"][0]["code"] == "LIMIT_EXCEEDED", moved
    assert moved["errors"][0]["field"] == "parentId"
    roots = (await gql.ok(TERMS, {"roots": True}))["glossaryTerms"]
    assert {e["node"]["name"] for e in roots["edges"]} == {"a0", "b0"}

    # When it moves one level higher (11 levels) Then it is accepted
    fits = (await gql.ok(UPDATE_TERM, {"input": {"id": b[0], "parentId": a[4]}}))[
        "updateGlossaryTerm"
    ]
    assert fits["errors"] == [] and fits["term"]["parent"]["name"] == "a4", fits
    deeper = (await gql.ok(CREATE_TERM, {"input": {"name": "deep", "parentId": b[5]}}))[
        "createGlossaryTerm"
    ]
    assert deeper["errors"][0]["code"] == "LIMIT_EXCEEDED", deeper


async def test_asset_history_records_only_fields_that_change(gql: Any, tmp_path: Path) -> None:
    # Given an asset edited once with every field, as a form sends them
    me = (await gql.ok("{ viewer { id } }"))["viewer"]["id"]
    await _source(gql, "crm", f"sqlite:///{tmp_path / 'none.db'}")
    asset_id = (await gql.ok(ASSETS, {"filter": {"name": "crm"}}))["assets"]["edges"][0]["node"][
        "id"
    ]
    form = {
        "id": asset_id,
        "description": "Customer records",
        "tags": ["pii", "gold"],
        "ownerIds": [me],
        "properties": {"team": "crm"},
    }
    first = (await gql.ok(UPDATE_ASSET, {"input": form}))["updateAsset"]
    assert first["errors"] == [] and first["asset"]["history"]["totalCount"] == 1

    # When the form is sent again with only the description changed (tags reordered)
    again = {**form, "description": "Customer master data", "tags": ["gold", "pii"]}
    second = (await gql.ok(UPDATE_ASSET, {"input": again}))["updateAsset"]
    # Then the new history entry names the description only
    history = second["asset"]["history"]
    assert history["totalCount"] == 2
    assert history["edges"][0]["node"]["diff"] == {
        "description": {"before": "Customer records", "after": "Customer master data"}
    }

    # When the same form is sent once more, nothing changes
    stamp = "query($id: ID!) { node(id: $id) { ... on Asset { updatedAt } } }"
    before = (await gql.ok(stamp, {"id": asset_id}))["node"]["updatedAt"]
    third = (await gql.ok(UPDATE_ASSET, {"input": again}))["updateAsset"]
    # Then nothing is recorded and the asset keeps its updatedAt
    assert third["errors"] == [] and third["asset"]["history"]["totalCount"] == 2
    assert (await gql.ok(stamp, {"id": asset_id}))["node"]["updatedAt"] == before


async def test_deleting_a_term_shows_in_the_history_of_its_assets(gql: Any, tmp_path: Path) -> None:
    # Given an asset carrying a glossary term
    await _source(gql, "crm", f"sqlite:///{tmp_path / 'none.db'}")
    asset_id = (await gql.ok(ASSETS, {"filter": {"name": "crm"}}))["assets"]["edges"][0]["node"][
        "id"
    ]
    term = (await gql.ok(CREATE_TERM, {"input": {"name": "Client"}}))["createGlossaryTerm"]["term"]
    assert (await gql.ok(ASSIGN, {"term": term["id"], "asset": asset_id}))["assignGlossaryTerm"][
        "errors"
    ] == []

    # When the term is deleted
    dropped = (await gql.ok(DELETE_TERM, {"id": term["id"]}))["deleteGlossaryTerm"]
    assert dropped["errors"] == [], dropped

    # Then the asset's history shows that it lost the term, newest first
    history = (await gql.ok(HISTORY, {"id": asset_id}))["node"]["history"]["edges"]
    assert [h["node"]["action"] for h in history] == ["asset.unassign_term", "asset.assign_term"]
    assert history[0]["node"]["actorName"] == "admin"
    assert history[0]["node"]["diff"]["term"] == "Client"
    assert history[0]["node"]["diff"]["termDeleted"] is True
