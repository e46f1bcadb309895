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


# Fields of errors that never reach a GraphQL payload: the OpenLineage REST body, a
# lineage walk's internal caps and SQL schema, a stored scan config, a job's retry policy.
_INTERNAL_ERROR_FIELDS = {
    "classificationTypes",  # a compliance pack file
    "customRules",  # a stored classifier config
    "customTypes",
    "eventType",  # OpenLineage REST (and its Marquez-style reads: nodeId)
    "nodeId",
    "run",
    "maxAttempts",  # a job's retry policy
    "maxNodes",  # lineage walk caps
    "startIds",
    "pack",
    "schema",  # SQL lineage's catalog, built by the scan
    "viewAsset",
}


def test_user_errors_name_the_input_field_they_are_about() -> None:
    """A ``field="x"`` of a domain or resolver error is the name of an input field or
    argument of the API, so a form can show the message beside it."""
    import re

    from graphql import GraphQLInputObjectType

    schema = build_schema()._schema
    names: set[str] = set()
    for gtype in schema.type_map.values():
        if isinstance(gtype, GraphQLInputObjectType):
            names |= set(gtype.fields)
        elif isinstance(gtype, GraphQLObjectType):
            for field in gtype.fields.values():
                names |= set(field.args)
    wrong = set()
    for folder in ("domain", "resolvers", "schema"):
        for path in (ROOT / "racine" / folder).rglob("*.py"):
            for named in re.findall(r'field="([^"]+)"', path.read_text()):
                base = named.split(".")[0].split("[")[0]
                if base not in names and base not in _INTERNAL_ERROR_FIELDS:
                    wrong.add(f"{path.relative_to(ROOT)}: {named}")
    assert sorted(wrong) == []
