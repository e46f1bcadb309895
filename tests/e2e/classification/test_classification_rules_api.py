"""Classification types and custom rules over GraphQL: the catalogue, validation
with typed errors, permissions, and rules reaching the classifier (a pathological
regex stops at the engine's timeout instead of stalling the API)."""

from __future__ import annotations

import time
from typing import Any

TYPES = """
query($category: ClassificationCategory) {
  classificationTypes(category: $category) {
    key name description category sensitivity builtIn createdAt
  }
}
"""
CREATE_TYPE = """
mutation($input: CreateClassificationTypeInput!) {
  createClassificationType(input: $input) {
    errors { code field message } type { key name category sensitivity builtIn }
  }
}
"""
UPDATE_TYPE = """
mutation($input: UpdateClassificationTypeInput!) {
  updateClassificationType(input: $input) { errors { code field } type { key sensitivity } }
}
"""
DELETE_TYPE = """
mutation($key: String!) {
  deleteClassificationType(input: {key: $key}) { errors { code field } type { key } }
}
"""
CREATE_RULE = """
mutation($input: CreateClassificationRuleInput!) {
  createClassificationRule(input: $input) {
    errors { code field message }
    rule { id typeKey namePattern valuePattern dictionary minMatchRatio confidence ruleSetId }
  }
}
"""
UPDATE_RULE = """
mutation($input: UpdateClassificationRuleInput!) {
  updateClassificationRule(input: $input) { errors { code field } rule { id namePattern } }
}
"""
DELETE_RULE = """
mutation($id: ID!) { deleteClassificationRule(input: {id: $id}) { errors { code } rule { id } } }
"""
RULES = """
query($type: String) {
  classificationRules(typeKey: $type) { totalCount edges { node { id typeKey } } }
}
"""
CLASSIFY = """
query($input: ClassifyValuesInput!) {
  classifyValues(input: $input) {
    columnName insufficientEvidence sampleSize distinctCount
    labels { typeKey state source confidence sensitivity
             explanation { rulesFired matchRatio sampleSize note } }
  }
}
"""


async def test_types_list_builtins_then_custom_and_reject_bad_input(gql: Any) -> None:
    # Given the built-in catalogue
    builtin = (await gql.ok(TYPES))["classificationTypes"]
    assert len(builtin) >= 40 and all(t["builtIn"] and t["createdAt"] is None for t in builtin)
    by_key = {t["key"]: t for t in builtin}
    assert by_key["CREDIT_CARD"]["category"] == "FINANCIAL"
    assert by_key["CREDIT_CARD"]["sensitivity"] == "RESTRICTED"
    assert by_key["EMAIL"]["sensitivity"] == "CONFIDENTIAL"
    assert {t["category"] for t in builtin} == {
        "PERSONAL",
        "FINANCIAL",
        "HEALTH",
        "CREDENTIALS",
        "TECHNICAL",
    }

    # When a steward defines a type, it follows the built-ins
    created = (
        await gql.ok(
            CREATE_TYPE,
            {
                "input": {
                    "key": "EMPLOYEE_ID",
                    "name": "Employee id",
                    "category": "PERSONAL",
                    "sensitivity": "INTERNAL",
                }
            },
        )
    )["createClassificationType"]
    assert created == {
        "errors": [],
        "type": {
            "key": "EMPLOYEE_ID",
            "name": "Employee id",
            "category": "PERSONAL",
            "sensitivity": "INTERNAL",
            "builtIn": False,
        },
    }
    listed = (await gql.ok(TYPES))["classificationTypes"]
    assert listed[-1]["key"] == "EMPLOYEE_ID" and listed[-1]["createdAt"]
    health = (await gql.ok(TYPES, {"category": "HEALTH"}))["classificationTypes"]
    assert health and {t["category"] for t in health} == {"HEALTH"}

    # Then bad keys, built-in keys, duplicates and empty names are typed errors
    for bad, code, field in (
        ({"key": "employee id", "name": "x"}, "INVALID", "key"),
        ({"key": "EMAIL", "name": "x"}, "INVALID", "key"),
        ({"key": "EMPLOYEE_ID", "name": "again"}, "CONFLICT", "key"),
        ({"key": "BADGE", "name": "  "}, "INVALID", "name"),
    ):
        result = (await gql.ok(CREATE_TYPE, {"input": bad}))["createClassificationType"]
        assert result["type"] is None
        assert (result["errors"][0]["code"], result["errors"][0]["field"]) == (code, field), bad

    # And updates apply, built-ins stay read-only
    raised = await gql.ok(
        UPDATE_TYPE, {"input": {"key": "EMPLOYEE_ID", "sensitivity": "RESTRICTED"}}
    )
    assert raised["updateClassificationType"]["type"]["sensitivity"] == "RESTRICTED"
    builtin_edit = await gql.ok(UPDATE_TYPE, {"input": {"key": "EMAIL", "name": "Mail"}})
    assert builtin_edit["updateClassificationType"]["errors"] == [
        {"code": "INVALID", "field": "key"}
    ]


async def test_rules_are_validated_stored_and_applied(gql: Any) -> None:
    # Given a custom type
    await gql.ok(CREATE_TYPE, {"input": {"key": "EMPLOYEE_ID", "name": "Employee id"}})

    # A rule for a type that does not exist, or with a broken regex, is a typed error
    missing = await gql.ok(CREATE_RULE, {"input": {"typeKey": "NOPE", "valuePattern": "x"}})
    assert missing["createClassificationRule"]["errors"][0]["code"] == "NOT_FOUND"
    assert missing["createClassificationRule"]["errors"][0]["field"] == "typeKey"
    for bad, field in (
        ({"valuePattern": "(unclosed"}, "valuePattern"),
        ({"namePattern": "[z-a]"}, "namePattern"),
        ({}, "valuePattern"),
        ({"valuePattern": "x", "confidence": 1.5}, "confidence"),
        ({"valuePattern": "x", "minMatchRatio": 0}, "minMatchRatio"),
    ):
        result = await gql.ok(CREATE_RULE, {"input": {"typeKey": "EMPLOYEE_ID", **bad}})
        errors = result["createClassificationRule"]["errors"]
        assert (errors[0]["code"], errors[0]["field"]) == ("INVALID", field), bad

    # When a valid rule is stored
    rule = (
        await gql.ok(
            CREATE_RULE,
            {
                "input": {
                    "typeKey": "EMPLOYEE_ID",
                    "valuePattern": r"EMP-\d{6}",
                    "confidence": 0.95,
                    "description": "HR badge numbers",
                }
            },
        )
    )["createClassificationRule"]
    assert rule["errors"] == [] and rule["rule"]["ruleSetId"] is None
    rule_id = rule["rule"]["id"]
    node = await gql.ok(
        "query($id: ID!) { node(id: $id) { ... on ClassificationRule { valuePattern } } }",
        {"id": rule_id},
    )
    assert node["node"]["valuePattern"] == r"EMP-\d{6}"

    # Then the classifier uses it, and its evidence names the rule
    verdict = await gql.ok(
        CLASSIFY,
        {"input": {"columnName": "staff_code", "values": [f"EMP-{i:06d}" for i in range(50)]}},
    )
    top = verdict["classifyValues"]["labels"][0]
    assert top["typeKey"] == "EMPLOYEE_ID" and top["source"] == "RULE"
    assert top["sensitivity"] == "CONFIDENTIAL"
    assert top["explanation"]["rulesFired"] == [f"custom:{_uuid(rule_id)}"]
    assert top["explanation"]["matchRatio"] == 1.0 and top["explanation"]["sampleSize"] == 50

    # And a type used by a rule cannot be deleted until the rule is gone
    blocked = (await gql.ok(DELETE_TYPE, {"key": "EMPLOYEE_ID"}))["deleteClassificationType"]
    assert blocked["errors"] == [{"code": "CONFLICT", "field": "key"}]
    renamed = await gql.ok(UPDATE_RULE, {"input": {"id": rule_id, "namePattern": "staff"}})
    assert renamed["updateClassificationRule"]["rule"]["namePattern"] == "staff"
    assert (await gql.ok(RULES, {"type": "EMPLOYEE_ID"}))["classificationRules"]["totalCount"] == 1
    assert (await gql.ok(DELETE_RULE, {"id": rule_id}))["deleteClassificationRule"]["errors"] == []
    assert (await gql.ok(RULES, {"type": "EMPLOYEE_ID"}))["classificationRules"]["totalCount"] == 0
    deleted = (await gql.ok(DELETE_TYPE, {"key": "EMPLOYEE_ID"}))["deleteClassificationType"]
    assert deleted == {"errors": [], "type": {"key": "EMPLOYEE_ID"}}


async def test_pathological_regex_stops_at_the_timeout(gql: Any) -> None:
    # Given rules whose regexes backtrack on a long run of "a" then "!" (the second one
    # exponentially: without the engine's timeout it would not finish in our lifetime)
    await gql.ok(CREATE_TYPE, {"input": {"key": "A_RUN", "name": "Runs of a"}})
    for pattern in ("(a+)+$", "(a|aa)+$"):
        created = await gql.ok(
            CREATE_RULE, {"input": {"typeKey": "A_RUN", "valuePattern": pattern}}
        )
        assert created["createClassificationRule"]["errors"] == []
    values = ["a" * (250 - i) + "!" for i in range(60)]

    # When values that trigger it are classified through the API
    started = time.monotonic()
    verdict = (await gql.ok(CLASSIFY, {"input": {"columnName": "payload", "values": values}}))[
        "classifyValues"
    ]
    elapsed = time.monotonic() - started

    # Then the answer comes back quickly, without the rule's type, and the API still serves
    assert elapsed < 10, elapsed
    assert "A_RUN" not in {lb["typeKey"] for lb in verdict["labels"]}
    assert verdict["sampleSize"] == 60
    assert (await gql.ok("{ viewer { name } }"))["viewer"]["name"]


async def test_only_stewards_define_types_rules_and_decisions(
    gql: Any, user_with_role: Any
) -> None:
    _, editor = await user_with_role("EDITOR")
    _, viewer = await user_with_role("VIEWER")
    listed = await gql(TYPES, token=viewer)
    assert not listed.get("errors") and listed["data"]["classificationTypes"]
    for document, variables in (
        (CREATE_TYPE, {"input": {"key": "BADGE", "name": "Badge"}}),
        (CREATE_RULE, {"input": {"typeKey": "EMAIL", "namePattern": "mail"}}),
        (CLASSIFY, {"input": {"columnName": "x", "values": ["a"]}}),
    ):
        denied = await gql(document, variables, token=editor)
        assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN", denied
    types = (await gql.ok(TYPES))["classificationTypes"]
    assert "BADGE" not in {t["key"] for t in types}


def _uuid(global_id: str) -> str:
    from strawberry import relay

    return relay.GlobalID.from_id(global_id).node_id
