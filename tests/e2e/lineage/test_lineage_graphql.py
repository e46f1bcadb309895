"""Lineage over GraphQL: manual edges, reads both ways, SQL ingestion, impact."""

from __future__ import annotations

from typing import Any

from lineage_seed import seed_catalog  # type: ignore[import-not-found]

GraphQLClient = Any

ADD = """
mutation($input: AddLineageEdgesInput!) {
  addLineageEdges(input: $input) {
    errors { code field message }
    edges { id level provenance transformationType transformationSubtype propagates }
  }
}
"""

REMOVE = """
mutation($input: RemoveLineageEdgesInput!) {
  removeLineageEdges(input: $input) { errors { code field message } edges { id } }
}
"""

LINEAGE = """
query($id: ID!, $direction: LineageDirection!, $depth: Int!, $level: LineageLevel) {
  lineage(assetId: $id, direction: $direction, depth: $depth, level: $level) {
    level truncated truncationReason
    nodes { hop asset { id qualifiedName kind } }
    edges { id sourceId targetId level provenance hop transformationType }
  }
}
"""

INGEST = """
mutation($input: IngestSqlLineageInput!) {
  ingestSqlLineage(input: $input) {
    errors { code field message }
    tableEdgeCount columnEdgeCount
    createdAssets { qualifiedName kind }
    statements { index kind target sources error { code message line column }
                 edges { sourceId targetId level transformationType transformationSubtype } }
  }
}
"""

IMPACT = """
query($id: ID!) {
  lineageImpact(assetId: $id) {
    total truncated
    byKind { key assets { qualifiedName } }
    unowned { qualifiedName }
    classifications { key assets { qualifiedName } }
  }
}
"""

ASSET_LINEAGE = """
query($id: ID!) { node(id: $id) { ... on Asset { qualifiedName
  lineage(direction: DOWNSTREAM) { nodes { hop asset { qualifiedName } } } } } }
"""

TABLES = {
    "shop.public.customers": ["id", "email", "name"],
    "shop.public.orders": ["id", "customer_id", "amount"],
    "shop.analytics.customer_orders": ["customer_id", "email", "total"],
}


def names(graph: dict[str, Any]) -> dict[str, int]:
    return {n["asset"]["qualifiedName"]: n["hop"] for n in graph["nodes"]}


async def test_manual_edges_at_both_levels_read_both_ways(gql: GraphQLClient, runtime) -> None:
    cat = await seed_catalog(runtime, TABLES)
    # Given table- and column-level edges added by hand
    added = (
        await gql.ok(
            ADD,
            {
                "input": {
                    "edges": [
                        {
                            "sourceId": cat.gid("shop.public.customers"),
                            "targetId": cat.gid("shop.analytics.customer_orders"),
                        },
                        {
                            "sourceId": cat.gid("shop.public.customers.email"),
                            "targetId": cat.gid("shop.analytics.customer_orders.email"),
                        },
                        {
                            "sourceId": cat.gid("shop.public.orders.amount"),
                            "targetId": cat.gid("shop.analytics.customer_orders.total"),
                            "transformation": {"type": "DIRECT", "subtype": "AGGREGATION"},
                        },
                    ]
                }
            },
        )
    )["addLineageEdges"]
    assert added["errors"] == []
    assert [e["level"] for e in added["edges"]] == ["TABLE", "COLUMN", "COLUMN"]
    assert added["edges"][2]["propagates"] is False  # aggregation stops labels by default

    # Adding the same edge again is idempotent: same id
    again = (
        await gql.ok(
            ADD,
            {
                "input": {
                    "edges": [
                        {
                            "sourceId": cat.gid("shop.public.customers"),
                            "targetId": cat.gid("shop.analytics.customer_orders"),
                        }
                    ]
                }
            },
        )
    )["addLineageEdges"]
    assert again["edges"][0]["id"] == added["edges"][0]["id"]

    # Then the lineage reads downstream from the source and upstream from the target
    down = (
        await gql.ok(
            LINEAGE, {"id": cat.gid("shop.public.customers"), "direction": "DOWNSTREAM", "depth": 3}
        )
    )["lineage"]
    assert names(down) == {"shop.public.customers": 0, "shop.analytics.customer_orders": 1}
    assert down["truncated"] is False and down["level"] == "TABLE"
    up = (
        await gql.ok(
            LINEAGE,
            {
                "id": cat.gid("shop.analytics.customer_orders.total"),
                "direction": "UPSTREAM",
                "depth": 3,
            },
        )
    )["lineage"]
    assert up["level"] == "COLUMN"
    assert names(up) == {"shop.analytics.customer_orders.total": 0, "shop.public.orders.amount": 1}
    assert up["edges"][0]["hop"] == 1 and up["edges"][0]["provenance"] == "MANUAL"

    # The Asset type carries the same lineage
    node = (await gql.ok(ASSET_LINEAGE, {"id": cat.gid("shop.public.customers")}))["node"]
    assert {n["asset"]["qualifiedName"] for n in node["lineage"]["nodes"]} == {
        "shop.public.customers",
        "shop.analytics.customer_orders",
    }

    # Mixed levels are refused, nothing is written
    bad = (
        await gql.ok(
            ADD,
            {
                "input": {
                    "edges": [
                        {
                            "sourceId": cat.gid("shop.public.customers"),
                            "targetId": cat.gid("shop.public.orders.id"),
                        }
                    ]
                }
            },
        )
    )["addLineageEdges"]
    assert bad["errors"][0]["code"] == "INVALID" and bad["edges"] == []

    # When the table edge is removed, it is gone and the removal is audited
    removed = await gql.ok(REMOVE, {"input": {"edgeIds": [added["edges"][0]["id"]]}})
    assert removed["removeLineageEdges"]["errors"] == []
    down = (
        await gql.ok(
            LINEAGE, {"id": cat.gid("shop.public.customers"), "direction": "DOWNSTREAM", "depth": 3}
        )
    )["lineage"]
    assert names(down) == {"shop.public.customers": 0}
    trail = await gql.ok(
        '{ auditEvents(first: 10, filter: {actionPrefix: "lineage."}) '
        "{ edges { node { action } } } }"
    )
    actions = [e["node"]["action"] for e in trail["auditEvents"]["edges"]]
    assert "lineage.remove_edges" in actions and "lineage.add_edges" in actions


async def test_viewer_cannot_add_edges_and_cycles_are_harmless(gql: GraphQLClient, runtime) -> None:
    cat = await seed_catalog(runtime, TABLES)
    a, b = cat.gid("shop.public.customers"), cat.gid("shop.public.orders")
    c = cat.gid("shop.analytics.customer_orders")
    result = await gql.ok(
        ADD,
        {
            "input": {
                "edges": [
                    {"sourceId": a, "targetId": b},
                    {"sourceId": b, "targetId": c},
                    {"sourceId": c, "targetId": a},
                ]
            }
        },
    )
    assert result["addLineageEdges"]["errors"] == []
    graph = (await gql.ok(LINEAGE, {"id": a, "direction": "BOTH", "depth": 20}))["lineage"]
    assert names(graph) == {
        "shop.public.customers": 0,
        "shop.public.orders": 1,
        "shop.analytics.customer_orders": 1,
    }
    body = await gql(LINEAGE, {"id": a, "direction": "BOTH", "depth": 21})
    assert body["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"

    created = await gql.ok(
        'mutation { createUser(input: {name: "vera", role: VIEWER}) { user { id } } }'
    )
    assert created
    token = (
        await gql.ok(
            'mutation($u: ID!) { createApiToken(input: {name: "v", userId: $u}) { secret } }',
            {"u": created["createUser"]["user"]["id"]},
        )
    )["createApiToken"]["secret"]
    denied = await gql(ADD, {"input": {"edges": [{"sourceId": a, "targetId": b}]}}, token=token)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


DBT = """
insert into analytics.customer_orders (customer_id, email, total)
with paid as (
    select customer_id, amount from public.orders where amount > 0
)
select c.id, lower(c.email), sum(p.amount)
from public.customers c
join paid p on p.customer_id = c.id
group by c.id, c.email;
create table analytics.big_spenders as
select customer_id, total from analytics.customer_orders join staging.vip v using (customer_id)
"""


async def test_dbt_style_insert_select_with_cte_and_join(gql: GraphQLClient, runtime) -> None:
    cat = await seed_catalog(runtime, TABLES)
    result = (
        await gql.ok(
            INGEST,
            {
                "input": {
                    "sql": DBT,
                    "dialect": "postgres",
                    "dataSourceId": cat.source_gid,
                    "defaultSchema": "public",
                }
            },
        )
    )["ingestSqlLineage"]
    assert result["errors"] == [], result
    first = result["statements"][0]
    assert first["kind"] == "INSERT" and first["target"] == "shop.analytics.customer_orders"
    assert sorted(first["sources"]) == ["shop.public.customers", "shop.public.orders"]
    # Unknown tables became EXTERNAL placeholders
    created = {a["qualifiedName"]: a["kind"] for a in result["createdAssets"]}
    assert created["staging.vip"] == "EXTERNAL"
    assert created["analytics.big_spenders"] == "EXTERNAL"

    # Column lineage: email -> email through lower(), amount -> total as an aggregation
    up = (
        await gql.ok(
            LINEAGE,
            {
                "id": cat.gid("shop.analytics.customer_orders.email"),
                "direction": "UPSTREAM",
                "depth": 1,
            },
        )
    )["lineage"]
    assert "shop.public.customers.email" in names(up)
    total = (
        await gql.ok(
            LINEAGE,
            {
                "id": cat.gid("shop.analytics.customer_orders.total"),
                "direction": "UPSTREAM",
                "depth": 1,
            },
        )
    )["lineage"]
    assert "shop.public.orders.amount" in names(total)
    assert {e["provenance"] for e in total["edges"]} == {"SQL"}
    # Join keys influence the target table (INDIRECT, column -> table)
    keys = (
        await gql.ok(
            LINEAGE,
            {
                "id": cat.gid("shop.public.orders.customer_id"),
                "direction": "DOWNSTREAM",
                "depth": 1,
            },
        )
    )["lineage"]
    assert "shop.analytics.customer_orders" in names(keys)
    assert "INDIRECT" in {e["transformationType"] for e in keys["edges"]}
    # Two hops downstream at table level: customers -> customer_orders -> big_spenders
    down = (
        await gql.ok(
            LINEAGE, {"id": cat.gid("shop.public.customers"), "direction": "DOWNSTREAM", "depth": 5}
        )
    )["lineage"]
    assert names(down)["analytics.big_spenders"] == 2

    # Ingesting the same SQL again changes nothing (idempotent)
    again = (
        await gql.ok(
            INGEST,
            {
                "input": {
                    "sql": DBT,
                    "dialect": "postgres",
                    "dataSourceId": cat.source_gid,
                    "defaultSchema": "public",
                }
            },
        )
    )["ingestSqlLineage"]
    assert again["createdAssets"] == []
    async with runtime.uow() as uow:
        count = await uow.lineage.count()
    assert count == result["tableEdgeCount"] + result["columnEdgeCount"]

    impact = (await gql.ok(IMPACT, {"id": cat.gid("shop.public.customers")}))["lineageImpact"]
    assert impact["total"] == 2
    kinds = {g["key"]: [a["qualifiedName"] for a in g["assets"]] for g in impact["byKind"]}
    assert kinds == {
        "TABLE": ["shop.analytics.customer_orders"],
        "EXTERNAL": ["analytics.big_spenders"],
    }


async def test_bad_sql_is_reported_and_nothing_is_written(gql: GraphQLClient, runtime) -> None:
    cat = await seed_catalog(runtime, TABLES)
    sql = "insert into a select id from public.orders;\nselect from where (;"
    result = (
        await gql.ok(
            INGEST, {"input": {"sql": sql, "dialect": "postgres", "dataSourceId": cat.source_gid}}
        )
    )["ingestSqlLineage"]
    assert result["errors"][0]["code"] == "INVALID" and result["errors"][0]["field"] == "sql"
    error = result["statements"][1]["error"]
    assert error["code"] == "PARSE_ERROR" and error["line"] == 2
    assert result["tableEdgeCount"] == 0 and result["createdAssets"] == []
    async with runtime.uow() as uow:
        assert await uow.lineage.count() == 0

    unknown = await gql.ok(
        INGEST, {"input": {"sql": "select 1", "dialect": "klingon", "dataSourceId": cat.source_gid}}
    )
    assert unknown["ingestSqlLineage"]["errors"][0]["field"] == "dialect"

    joins = "insert into wide select t0.id from public.orders t0 " + " ".join(
        f"join public.orders t{i} on t{i}.id = t{i - 1}.id" for i in range(1, 501)
    )
    wide = await gql.ok(
        INGEST, {"input": {"sql": joins, "dialect": "postgres", "dataSourceId": cat.source_gid}}
    )
    assert wide["ingestSqlLineage"]["errors"] == []  # parsed, bounded
    assert (await gql.ok("{ viewer { name } }"))["viewer"]["name"] == "admin"  # still serving
