"""Scan rule sets over GraphQL: create, update, delete, validation with typed field
errors, the read-only built-in default, and globs that really select what a scan
reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FIELDS = """
id name description isDefault includeSchemas excludeSchemas includeTables excludeTables
sampleSize profiling classification minMatchRatio autoConfirmThreshold minConfidence
enabledTypes useMl
"""
CREATE = f"""
mutation($input: ScanRuleSetInput!) {{
  createScanRuleSet(input: $input) {{ errors {{ code field message }} ruleSet {{ {FIELDS} }} }}
}}
"""
UPDATE = f"""
mutation($input: UpdateScanRuleSetInput!) {{
  updateScanRuleSet(input: $input) {{ errors {{ code field message }} ruleSet {{ {FIELDS} }} }}
}}
"""
DELETE = """
mutation($id: ID!) {
  deleteScanRuleSet(input: {id: $id}) { errors { code field message } ruleSet { id name } }
}
"""
LIST = "{ scanRuleSets { id name isDefault sampleSize } }"
CREATE_SOURCE = """
mutation($input: CreateDataSourceInput!) {
  createDataSource(input: $input) {
    errors { code field message } dataSource { id ruleSet { id name } }
  }
}
"""
TABLES = """
query($id: ID!, $deleted: Boolean! = false) {
  assets(filter: {dataSourceIds: [$id], kinds: [TABLE, VIEW], includeDeleted: $deleted},
         first: 100) {
    totalCount edges { node { name qualifiedName deleted } }
  }
}
"""
AUDIT = """
{ auditEvents(first: 50, filter: {targetType: "ScanRuleSet"}) { edges { node { action } } } }
"""


async def _create(gql: Any, **fields: Any) -> dict[str, Any]:
    made = (await gql.ok(CREATE, {"input": fields}))["createScanRuleSet"]
    assert made["errors"] == [], made
    rules: dict[str, Any] = made["ruleSet"]
    return rules


async def test_rule_set_crud_and_validation(gql: Any, tables_sqlite: Path) -> None:
    # The built-in default is listed first, read-only.
    listed = (await gql.ok(LIST))["scanRuleSets"]
    assert listed[0]["name"] == "Default" and listed[0]["isDefault"] is True
    default_id = listed[0]["id"]
    assert listed[0]["sampleSize"] == 500

    # Given a new rule set: omitted settings take the defaults
    rules = await _create(gql, name="Finance only", includeTables=[" cust* ", "main.ord*"])
    assert rules["isDefault"] is False and rules["includeTables"] == ["cust*", "main.ord*"]
    assert rules["sampleSize"] == 500 and rules["profiling"] is True
    assert rules["enabledTypes"] is None and rules["excludeSchemas"] == []

    # Validation: each bad value is a typed error naming the field; nothing is stored.
    bad_inputs: list[tuple[dict[str, Any], str, str]] = [
        ({"name": "x", "sampleSize": 0}, "INVALID", "sampleSize"),
        ({"name": "x", "sampleSize": 10_001}, "INVALID", "sampleSize"),
        ({"name": "x", "sampleSize": -5}, "INVALID", "sampleSize"),
        ({"name": "x", "includeTables": ["[abc"]}, "INVALID", "includeTables"),
        ({"name": "x", "excludeSchemas": ["pg_[]"]}, "INVALID", "excludeSchemas"),
        ({"name": "x", "excludeTables": [""]}, "INVALID", "excludeTables"),
        ({"name": "x", "includeSchemas": ["s"] * 101}, "LIMIT_EXCEEDED", "includeSchemas"),
        ({"name": "x", "minMatchRatio": 0}, "INVALID", "minMatchRatio"),
        ({"name": "x", "minConfidence": 1.5}, "INVALID", "minConfidence"),
        ({"name": "x", "autoConfirmThreshold": 2}, "INVALID", "autoConfirmThreshold"),
        # every label kept would be confirmed: none left for a steward to review
        (
            {"name": "x", "minConfidence": 0.9, "autoConfirmThreshold": 0.5},
            "INVALID",
            "minConfidence",
        ),
        ({"name": " "}, "INVALID", "name"),
        ({"name": "n" * 101}, "INVALID", "name"),
        ({"name": "Finance only"}, "CONFLICT", "name"),
        ({"name": "Default"}, "CONFLICT", "name"),
    ]
    for fields, code, field in bad_inputs:
        bad = (await gql.ok(CREATE, {"input": fields}))["createScanRuleSet"]
        assert [(e["code"], e["field"]) for e in bad["errors"]] == [(code, field)], (fields, bad)
        assert bad["ruleSet"] is None
    assert [r["name"] for r in (await gql.ok(LIST))["scanRuleSets"]] == ["Default", "Finance only"]

    # Update changes the given fields only; the same validation applies.
    changed = (
        await gql.ok(
            UPDATE,
            {"input": {"id": rules["id"], "sampleSize": 10_000, "description": "Money tables"}},
        )
    )["updateScanRuleSet"]
    assert changed["errors"] == [], changed
    assert changed["ruleSet"]["sampleSize"] == 10_000
    assert changed["ruleSet"]["includeTables"] == ["cust*", "main.ord*"]
    assert changed["ruleSet"]["name"] == "Finance only"
    bad = (await gql.ok(UPDATE, {"input": {"id": rules["id"], "excludeTables": ["a[b"]}}))[
        "updateScanRuleSet"
    ]
    assert [(e["code"], e["field"]) for e in bad["errors"]] == [("INVALID", "excludeTables")]
    other = await _create(gql, name="Other")
    clash = (await gql.ok(UPDATE, {"input": {"id": other["id"], "name": "Finance only"}}))[
        "updateScanRuleSet"
    ]
    assert clash["errors"][0]["code"] == "CONFLICT"

    # The default cannot be changed or deleted.
    for query, variables in (
        (UPDATE, {"input": {"id": default_id, "sampleSize": 10}}),
        (DELETE, {"id": default_id}),
    ):
        body = await gql.ok(query, variables)
        payload = next(iter(body.values()))
        assert payload["errors"][0]["code"] == "CONFLICT", payload
    assert (await gql.ok(LIST))["scanRuleSets"][0]["sampleSize"] == 500

    # A rule set a source uses cannot be deleted; an unused one can, once.
    source = (
        await gql.ok(
            CREATE_SOURCE,
            {"input": {"name": "g", "url": f"sqlite:///{tables_sqlite}", "ruleSetId": rules["id"]}},
        )
    )["createDataSource"]
    assert source["dataSource"]["ruleSet"] == {"id": rules["id"], "name": "Finance only"}
    used = (await gql.ok(DELETE, {"id": rules["id"]}))["deleteScanRuleSet"]
    assert used["errors"][0]["code"] == "CONFLICT" and used["ruleSet"] is None
    gone = (await gql.ok(DELETE, {"id": other["id"]}))["deleteScanRuleSet"]
    assert gone["errors"] == [] and gone["ruleSet"]["name"] == "Other"
    again = (await gql.ok(DELETE, {"id": other["id"]}))["deleteScanRuleSet"]
    assert again["errors"][0]["code"] == "NOT_FOUND"
    missing = (await gql.ok(UPDATE, {"input": {"id": other["id"], "name": "Back"}}))[
        "updateScanRuleSet"
    ]
    assert missing["errors"][0]["code"] == "NOT_FOUND"

    # Every change is audited.
    actions = [e["node"]["action"] for e in (await gql.ok(AUDIT))["auditEvents"]["edges"]]
    assert sorted(actions) == [
        "scanruleset.create",
        "scanruleset.create",
        "scanruleset.delete",
        "scanruleset.update",
    ]


async def test_globs_select_what_a_scan_reads(
    gql: Any, tables_sqlite: Path, scan_and_wait: Any
) -> None:
    # Given a source with customers, customers_archive, orders, products
    source = (
        await gql.ok(CREATE_SOURCE, {"input": {"name": "g", "url": f"sqlite:///{tables_sqlite}"}})
    )["createDataSource"]["dataSource"]
    rules = await _create(
        gql,
        name="Some tables",
        includeTables=["cust*", "main.ord*"],
        excludeTables=["*_archive"],
        sampleSize=5,
    )

    # When it is scanned with the default rule set, then with the narrower one
    first = await scan_and_wait(source["id"])
    assert first["state"] == "SUCCEEDED" and first["tablesTotal"] == 4, first
    scan = await scan_and_wait(source["id"], rules["id"])

    # Then only the included, not excluded tables were read, and are live.
    assert scan["state"] == "SUCCEEDED", scan
    assert scan["tablesTotal"] == 2 and scan["tablesDone"] == 2
    tables = (await gql.ok(TABLES, {"id": source["id"], "deleted": False}))["assets"]
    assert sorted(e["node"]["qualifiedName"] for e in tables["edges"]) == [
        "g.globs.main.customers",
        "g.globs.main.orders",
    ]
    # Tables of a scanned schema the rule set no longer selects are soft-deleted.
    every = (await gql.ok(TABLES, {"id": source["id"], "deleted": True}))["assets"]
    deleted = sorted(e["node"]["name"] for e in every["edges"] if e["node"]["deleted"])
    assert deleted == ["customers_archive", "products"]

    # A schema the rule set excludes is not read at all, and what the catalog has
    # under it is left as it was (an exclusion narrows a scan, it deletes nothing).
    none = await _create(gql, name="No main", excludeSchemas=["ma?n"])
    scan = await scan_and_wait(source["id"], none["id"])
    assert scan["tablesTotal"] == 0, scan
    assert (await gql.ok(TABLES, {"id": source["id"], "deleted": False}))["assets"][
        "totalCount"
    ] == 2
