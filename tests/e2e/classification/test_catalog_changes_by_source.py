"""``catalogChanges(dataSourceId:)`` over a real WebSocket: every label change about
the source's columns reaches a subscriber filtered by that source, naming the columns
(``assetIds``) and the label: a scan's, a classification type's change, and a lineage
copy."""

from __future__ import annotations

from typing import Any

from racine.schema.relay import decode_id

COLUMNS = """
{ assets(filter: {kinds: [COLUMN]}, first: 100) { edges { node { id qualifiedName } } } }
"""
CREATE_TYPE = """
mutation($input: CreateClassificationTypeInput!) {
  createClassificationType(input: $input) { errors { code field message } type { key } }
}
"""
UPDATE_TYPE = """
mutation($input: UpdateClassificationTypeInput!) {
  updateClassificationType(input: $input) { errors { code field } type { key sensitivity } }
}
"""
CREATE_RULE = """
mutation($input: CreateClassificationRuleInput!) {
  createClassificationRule(input: $input) { errors { code field message } rule { id } }
}
"""
ADD_EDGE = """
mutation($input: AddLineageEdgesInput!) {
  addLineageEdges(input: $input) { errors { code message } edges { id propagates } }
}
"""
FIELDS = "type assetId assetIds kind qualifiedName dataSourceId label"


async def _next(live: Any, op: str, type_: str, match: Any) -> dict[str, Any]:
    """The next change of ``type_`` that ``match`` accepts."""
    found = await live.next_matching(
        op, lambda d: d["catalogChanges"]["type"] == type_ and match(d["catalogChanges"])
    )
    change: dict[str, Any] = found["catalogChanges"]
    return change


async def test_a_filtered_subscriber_hears_of_every_label_change_of_its_source(
    gql: Any, demo: str, subscribe: Any, rescan: Any
) -> None:
    edges = (await gql.ok(COLUMNS))["assets"]["edges"]
    columns = {e["node"]["qualifiedName"].split(".", 3)[-1]: e["node"]["id"] for e in edges}
    order_number, subject = columns["orders.order_number"], columns["support_tickets.subject"]

    # Given a custom type whose rule matches the demo's order numbers
    created = await gql.ok(CREATE_TYPE, {"input": {"key": "ORDER_REF", "name": "Order ref",
                                                   "sensitivity": "INTERNAL"}})  # fmt: skip
    assert created["createClassificationType"]["errors"] == []
    rule = await gql.ok(CREATE_RULE, {"input": {"typeKey": "ORDER_REF",
                                                "valuePattern": r"90\d{10}"}})  # fmt: skip
    assert rule["createClassificationRule"]["errors"] == []

    async with subscribe() as live:
        op = await live.start(
            f'subscription {{ catalogChanges(dataSourceId: "{demo}") {{ {FIELDS} }} }}'
        )

        # When the source is scanned again, the scan's label change names its columns
        await rescan(demo)
        scanned = await _next(
            live, op, "CLASSIFICATION_CHANGED", lambda c: order_number in c["assetIds"]
        )
        assert scanned["assetId"] is None and scanned["dataSourceId"] == demo

        # When a steward raises the type's sensitivity, its columns are announced
        raised = await gql.ok(UPDATE_TYPE, {"input": {"key": "ORDER_REF",
                                                      "sensitivity": "RESTRICTED"}})  # fmt: skip
        assert raised["updateClassificationType"]["errors"] == []
        typed = await _next(live, op, "CLASSIFICATION_CHANGED", lambda c: c["label"] == "ORDER_REF")
        assert typed["assetIds"] == [order_number] and typed["dataSourceId"] == demo

        # When lineage copies the order numbers into another column of the source
        added = await gql.ok(
            ADD_EDGE, {"input": {"edges": [{"sourceId": order_number, "targetId": subject}]}}
        )
        assert added["addLineageEdges"]["errors"] == []
        drawn = await _next(live, op, "LINEAGE_CHANGED", lambda c: True)
        assert drawn["dataSourceId"] == demo and drawn["assetIds"] == []
        copied = await _next(
            live, op, "CLASSIFICATION_PROPAGATED", lambda c: c["label"] == "ORDER_REF"
        )

    # Then the copy is announced like any change to the column
    assert copied["assetId"] == subject and copied["assetIds"] == [subject]
    assert copied["kind"] == "COLUMN" and copied["dataSourceId"] == demo
    assert copied["qualifiedName"].endswith("support_tickets.subject")
    assert decode_id(copied["assetId"], "Asset")
