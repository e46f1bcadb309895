"""The issue's acceptance on the demo shop, over GraphQL: a scan labels emails,
phones, names, card numbers and IBANs with evidence a steward can read (Luhn-valid
order numbers are not cards); a steward's rejection survives a re-scan; sensitive
values never leave the API unmasked; sensitivity rolls up, filters and facets."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from racine.schema.relay import decode_id, encode_id

COLUMNS = """
{ assets(filter: {kinds: [COLUMN]}, first: 100) { edges { node {
    id qualifiedName sensitivity
    profile { sampledRows nullCount nullRatio distinctCount distinctRatio kind kindCounts { kind count } sensitive masked min max mean std p25 median p75 nanCount infiniteCount histogram { lower upper count } lengthMin lengthMean lengthMax topValues { value count } }
    classifications {
      typeKey state source confidence updatedAt sensitivity
      type { name category sensitivity }
      actor { name }
      explanation { rulesFired strength matchRatio sampleSize distinctValues
                    modelProbability nameContext note reason previous }
    }
} } } }
"""
SET = """
mutation($input: SetColumnClassificationInput!) {
  setColumnClassification(input: $input) {
    errors { code field message }
    column { id sensitivity classifications { typeKey state source } }
    classification { typeKey state source confidence actor { name } explanation { reason } }
  }
}
"""
CHANGES = "subscription { catalogChanges { type assetId kind qualifiedName before after } }"
HISTORY = """
query($id: ID!) { node(id: $id) { ... on Asset { history { edges { node {
  action actorName diff } } } } } }
"""
NODE = "query($id: ID!) { node(id: $id) { ... on Asset { sensitivity } } }"
FILTERED = """
query($levels: [Sensitivity!], $kinds: [AssetKind!]) {
  assets(filter: {sensitivities: $levels, kinds: $kinds}, first: 100) {
    totalCount edges { node { qualifiedName sensitivity } } }
}
"""
SEARCH = """
query($levels: [Sensitivity!]) {
  search(query: "", filter: {sensitivities: $levels}) {
    totalCount facets { name values { value label count } } }
}
"""
RECOMPUTE = """
mutation($id: ID!) {
  recomputeSensitivity(input: {dataSourceId: $id}) { errors { code } assetsWithSensitivity }
}
"""


def _short(qualified: str) -> str:
    return qualified.split(".", 3)[-1]  # source.database.schema.<table.column>


async def _columns(gql: Any) -> dict[str, dict[str, Any]]:
    edges = (await gql.ok(COLUMNS))["assets"]["edges"]
    return {_short(e["node"]["qualifiedName"]): e["node"] for e in edges}


def _types(column: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["typeKey"]: c for c in column["classifications"]}


def _raw(settings: Any, sql: str) -> list[str]:
    with sqlite3.connect(Path(settings.data_dir) / "demo-shop.db") as conn:
        return [str(r[0]) for r in conn.execute(sql) if r[0] is not None]


async def test_demo_labels_with_evidence_and_a_rejection_survives_rescan(
    gql: Any, demo: str, user_with_role: Any, subscribe: Any, rescan: Any
) -> None:
    # Given the scanned demo shop
    columns = await _columns(gql)

    # Then personal and financial columns carry labels
    expected = {
        "customers.email": "EMAIL",
        "employees.email": "EMAIL",
        "customers.phone": "PHONE",
        "employees.phone": "PHONE",
        "customers.first_name": "FIRST_NAME",
        "customers.last_name": "LAST_NAME",
        "employees.full_name": "PERSON_NAME",
        "payments.card_number": "CREDIT_CARD",
        "customers.iban": "IBAN",
    }
    for column, key in expected.items():
        assert key in _types(columns[column]), (column, columns[column]["classifications"])
    # And Luhn-valid order numbers are not card numbers
    assert "CREDIT_CARD" not in _types(columns["orders.order_number"])
    # And each label says why, in fields a steward can read
    card = _types(columns["payments.card_number"])["CREDIT_CARD"]
    assert (card["state"], card["source"]) == ("CONFIRMED", "RULE")
    assert card["type"] == {
        "name": "Payment card number",
        "category": "FINANCIAL",
        "sensitivity": "RESTRICTED",
    }
    why = card["explanation"]
    assert "value:credit_card" in why["rulesFired"] and why["strength"] == "STRONG"
    assert why["matchRatio"] >= 0.9 and why["sampleSize"] > 0 and why["distinctValues"] > 0
    assert card["actor"] is None and card["sensitivity"] == "RESTRICTED"
    for column, key in expected.items():
        label = _types(columns[column])[key]
        explained = label["explanation"]
        assert explained["sampleSize"] > 0, (column, label)
        if label["source"] == "RULE":
            assert explained["rulesFired"] and explained["matchRatio"] is not None, label
        else:
            assert label["source"] == "ML" and explained["modelProbability"] >= 0.4, label

    # When a steward rejects the email label of customers.email
    _, token = await user_with_role("STEWARD")
    email = columns["customers.email"]
    async with subscribe() as live:
        op = await live.start(CHANGES)
        result = (
            await gql.ok(
                SET,
                {
                    "input": {
                        "columnId": email["id"],
                        "typeKey": "EMAIL",
                        "state": "REJECTED",
                        "reason": "synthetic test addresses",
                    }
                },
                token=token,
            )
        )["setColumnClassification"]
        event = await live.next_matching(
            op, lambda d: d["catalogChanges"]["type"] == "CLASSIFICATION_CHANGED"
        )
    assert result["errors"] == []
    assert result["classification"] == {
        "typeKey": "EMAIL",
        "state": "REJECTED",
        "source": "MANUAL",
        "confidence": 1.0,
        "actor": {"name": result["classification"]["actor"]["name"]},
        "explanation": {"reason": "synthetic test addresses"},
    }
    assert result["classification"]["actor"]["name"].startswith("steward_")
    # Then it is announced with the column's id (lineage propagates from it) and audited
    change = event["catalogChanges"]
    assert change["assetId"] == email["id"] and change["kind"] == "COLUMN"
    assert change["before"]["source"] == "RULE" and change["after"]["state"] == "REJECTED"
    history = (await gql.ok(HISTORY, {"id": email["id"]}))["node"]["history"]["edges"]
    audit = next(h["node"] for h in history if h["node"]["action"] == "classification.set")
    assert audit["actorName"].startswith("steward_") and audit["diff"]["typeKey"] == "EMAIL"

    # When the source is scanned again
    await rescan(demo)

    # Then the steward's rejection holds, with its actor, reason and the overridden label
    after = _types((await _columns(gql))["customers.email"])
    assert list(after).count("EMAIL") == 1
    kept = after["EMAIL"]
    assert (kept["state"], kept["source"], kept["confidence"]) == ("REJECTED", "MANUAL", 1.0)
    assert kept["actor"]["name"].startswith("steward_")
    assert kept["explanation"]["reason"] == "synthetic test addresses"
    assert kept["explanation"]["previous"]["source"] == "RULE"
    assert kept["explanation"]["previous"]["evidence"]["rules"]
    # And other columns were re-labelled as before
    again = await _columns(gql)
    assert "EMAIL" in _types(again["employees.email"])


async def test_sensitive_values_are_masked_and_sensitivity_filters(
    gql: Any, demo: str, settings: Any, app: Any
) -> None:
    columns = await _columns(gql)

    # The card and email columns' profiles hold none of their values
    for column, sql in (
        ("payments.card_number", "SELECT card_number FROM payments"),
        ("customers.email", "SELECT email FROM customers"),
    ):
        raw = _raw(settings, sql)
        profile = json.dumps(columns[column]["profile"])
        assert raw and not any(value in profile for value in raw), column
        assert columns[column]["profile"]["sensitive"] is True

    # Order numbers are not sensitive: their profile shows real top values
    numbers = _raw(settings, "SELECT order_number FROM orders")
    order = columns["orders.order_number"]
    shown = [t["value"] for t in order["profile"]["topValues"]]
    assert shown and set(shown) <= set(numbers)
    assert order["sensitivity"] is None

    # When a steward confirms them as card numbers
    confirmed = await gql.ok(
        SET, {"input": {"columnId": order["id"], "typeKey": "CREDIT_CARD", "state": "CONFIRMED"}}
    )
    assert confirmed["setColumnClassification"]["errors"] == []
    assert confirmed["setColumnClassification"]["column"]["sensitivity"] == "RESTRICTED"

    # Then their profile shows only masked values keeping the last four digits
    masked = (await _columns(gql))["orders.order_number"]["profile"]
    tails = {n[-4:] for n in numbers}
    assert (
        masked["masked"] is True
        and masked["topValues"]
        and all(
            re.fullmatch(r"\*{4}\d{4}", t["value"]) and t["value"][4:] in tails
            for t in masked["topValues"]
        )
    )
    assert not any(n in json.dumps(masked) for n in numbers)
    assert masked["histogram"] == [] and masked["median"] is None
    # And the stored profile was scrubbed too, not only the answer
    async with app.state.runtime.uow() as uow:
        stored = await uow.catalog.get(decode_id(order["id"], "Asset"))
    assert stored.profile["masked"] is True
    assert not any(n in json.dumps(stored.profile) for n in numbers)

    # And the column's sensitivity rolled up to its table, schema, database and source
    # (the scan already made the card column of payments RESTRICTED, with its table)
    restricted = (await gql.ok(FILTERED, {"levels": ["RESTRICTED"]}))["assets"]
    full = {e["node"]["qualifiedName"] for e in restricted["edges"]}
    assert len(full) == restricted["totalCount"]
    assert {"orders.order_number", "orders"} <= {_short(n) for n in full}
    root = encode_id("Asset", decode_id(demo, "DataSource"))  # a source's root asset
    assert (await gql.ok(NODE, {"id": root}))["node"]["sensitivity"] == "RESTRICTED"

    # When the whole source is recomputed from its labels (backfill)
    recomputed = (await gql.ok(RECOMPUTE, {"id": demo}))["recomputeSensitivity"]
    assert recomputed["errors"] == [] and recomputed["assetsWithSensitivity"] > 20

    # Then tables are filtered and faceted by sensitivity
    tables = (
        await gql.ok(FILTERED, {"levels": ["RESTRICTED", "CONFIDENTIAL"], "kinds": ["TABLE"]})
    )["assets"]["edges"]
    levels = {_short(e["node"]["qualifiedName"]): e["node"]["sensitivity"] for e in tables}
    assert levels["payments"] == levels["orders"] == "RESTRICTED"
    assert levels["customers"] in ("CONFIDENTIAL", "RESTRICTED")
    assert "employees" in levels
    found = (await gql.ok(SEARCH, {"levels": ["RESTRICTED"]}))["search"]
    facet = {f["name"]: {v["value"]: v["count"] for v in f["values"]} for f in found["facets"]}
    assert facet["sensitivity"] == {"RESTRICTED": found["totalCount"]}
    unfiltered = (await gql.ok(SEARCH, {"levels": None}))["search"]
    all_levels = next(f for f in unfiltered["facets"] if f["name"] == "sensitivity")
    assert {v["value"] for v in all_levels["values"]} >= {"RESTRICTED", "CONFIDENTIAL"}


async def test_a_scan_alone_stores_sensitivity(gql: Any, demo: str) -> None:
    tables = await gql.ok(FILTERED, {"levels": ["RESTRICTED"], "kinds": ["TABLE"]})
    names = {_short(e["node"]["qualifiedName"]) for e in tables["assets"]["edges"]}
    assert "payments" in names
