"""The committed SDL is the contract: it must match the code, and no root field is unguarded."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLObjectType, parse

from racine.schema.build import build_schema, unguarded_root_fields

ROOT = Path(__file__).resolve().parents[3]


def test_committed_schema_matches_code() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    current = build_schema().as_str() + "\n"
    assert committed == current, "schema.graphql drifted: run `racine export-schema`"


def test_every_root_field_declares_a_permission() -> None:
    assert unguarded_root_fields(build_schema()) == []


def test_every_type_field_and_argument_is_described() -> None:
    schema = build_schema()._schema
    missing = []
    for name, gtype in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not gtype.description:
            missing.append(name)
        fields = getattr(gtype, "fields", None) or {}
        for field_name, field in fields.items():
            if name == "Node" or (isinstance(gtype, GraphQLObjectType) and field_name == "id"):
                continue  # relay's own id field
            if not field.description:
                missing.append(f"{name}.{field_name}")
            for arg_name, arg in (getattr(field, "args", None) or {}).items():
                if not arg.description:
                    missing.append(f"{name}.{field_name}({arg_name})")
    assert missing == []


def test_contract_root_fields_exist() -> None:
    sdl = parse((ROOT / "schema.graphql").read_text())
    roots = {
        d.name.value: {f.name.value for f in d.fields}
        for d in sdl.definitions
        if getattr(d, "name", None) and d.name.value in {"Query", "Mutation", "Subscription"}
    }
    # Names other clients depend on (shared/ARCHITECTURE.md, "Public contract").
    assert {
        "viewer",
        "node",
        "dataSources",
        "assets",
        "search",
        "scans",
        "scanRuleSets",
        "classificationTypes",
        "lineage",
        "glossaryTerms",
        "complianceFrameworks",
        "complianceReport",
        "workspaces",
        "auditEvents",
    } <= roots["Query"]
    assert {
        "createDataSource",
        "testDataSourceConnection",
        "startScan",
        "cancelScan",
        "setColumnClassification",
        "addLineageEdges",
        "removeLineageEdges",
        "ingestSqlLineage",
        "evaluateCompliance",
        "createWorkspace",
        "createDocument",
        "applyDocumentUpdate",
        "createApiToken",
    } <= roots["Mutation"]
    assert {"scanProgress", "catalogChanges", "documentUpdates", "alerts"} <= roots["Subscription"]
