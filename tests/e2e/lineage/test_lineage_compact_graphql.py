"""``lineage { compact }``: the graph as parallel arrays, the same facts as
``nodes``/``edges``; and reached assets read in full whenever a field needs it."""

from __future__ import annotations

from typing import Any

from lineage_seed import seed_catalog  # type: ignore[import-not-found]

GraphQLClient = Any

ADD = """
mutation($input: AddLineageEdgesInput!) {
  addLineageEdges(input: $input) { errors { code message } edges { id } }
}
"""

BOTH_SHAPES = """
query($id: ID!) {
  lineage(assetId: $id, direction: BOTH, depth: 5) {
    truncated
    nodes { hop asset { id kind name qualifiedName } }
    edges { id sourceId targetId hop transformationType }
    compact { nodeIds hops kinds names qualifiedNames
              edgeIds edgeSources edgeTargets edgeHops edgeTypes }
  }
}
"""

COMPACT_ONLY = """
query($id: ID!) {
  lineage(assetId: $id, direction: DOWNSTREAM, depth: 5) {
    compact { nodeIds hops qualifiedNames edgeSources edgeTargets }
  }
}
"""

FULL_ASSETS = """
query($id: ID!) {
  lineage(assetId: $id, direction: DOWNSTREAM, depth: 5) {
    nodes { hop asset { qualifiedName detail createdAt } }
  }
}
"""

TABLES = {
    "shop.public.customers": ["email"],
    "shop.public.orders": ["email"],
    "shop.analytics.customer_orders": ["email"],
    "shop.analytics.mailing": ["email"],
}


def col(name: str) -> str:
    return f"{name}.email"


async def test_compact_arrays_match_nodes_and_edges(gql: GraphQLClient, runtime) -> None:
    cat = await seed_catalog(runtime, TABLES)
    c, o, co, m = (cat.gid(col(n)) for n in TABLES)
    # Given a diamond (c -> o -> co, c -> co), a cycle (co -> m -> o) and an INDIRECT edge
    result = (
        await gql.ok(
            ADD,
            {
                "input": {
                    "edges": [
                        {"sourceId": c, "targetId": o},
                        {"sourceId": o, "targetId": co},
                        {"sourceId": c, "targetId": co},
                        {"sourceId": co, "targetId": m},
                        {
                            "sourceId": m,
                            "targetId": o,
                            "transformation": {"type": "INDIRECT", "subtype": "JOIN"},
                        },
                    ]
                }
            },
        )
    )["addLineageEdges"]
    assert result["errors"] == []

    # When the graph is read both as objects and as arrays
    graph = (await gql.ok(BOTH_SHAPES, {"id": o}))["lineage"]
    packed = graph["compact"]

    # Then entry i of every node array describes nodes[i]
    nodes = graph["nodes"]
    assert packed["nodeIds"] == [n["asset"]["id"] for n in nodes]
    assert packed["hops"] == [n["hop"] for n in nodes]
    assert packed["kinds"] == [n["asset"]["kind"] for n in nodes] == ["COLUMN"] * 4
    assert packed["names"] == [n["asset"]["name"] for n in nodes]
    assert packed["qualifiedNames"] == [n["asset"]["qualifiedName"] for n in nodes]
    hops = dict(zip(packed["qualifiedNames"], packed["hops"], strict=True))
    assert hops == {
        col("shop.public.orders"): 0,
        col("shop.public.customers"): 1,
        col("shop.analytics.customer_orders"): 1,
        col("shop.analytics.mailing"): 1,
    }
    # and entry j of every edge array describes edges[j], its ends as node indexes
    edges = graph["edges"]
    assert len(edges) == len(packed["edgeIds"]) == 5
    assert packed["edgeIds"] == [e["id"] for e in edges]
    assert [packed["nodeIds"][i] for i in packed["edgeSources"]] == [e["sourceId"] for e in edges]
    assert [packed["nodeIds"][i] for i in packed["edgeTargets"]] == [e["targetId"] for e in edges]
    assert packed["edgeHops"] == [e["hop"] for e in edges]
    assert packed["edgeTypes"] == [e["transformationType"] for e in edges]
    assert sorted(packed["edgeTypes"]) == ["DIRECT"] * 4 + ["INDIRECT"]
    assert graph["truncated"] is False

    # A compact-only read gives the same downstream facts
    down = (await gql.ok(COMPACT_ONLY, {"id": c}))["lineage"]["compact"]
    assert dict(zip(down["qualifiedNames"], down["hops"], strict=True)) == {
        col("shop.public.customers"): 0,
        col("shop.public.orders"): 1,
        col("shop.analytics.customer_orders"): 1,
        col("shop.analytics.mailing"): 2,
    }
    pairs = {
        (down["qualifiedNames"][s], down["qualifiedNames"][t])
        for s, t in zip(down["edgeSources"], down["edgeTargets"], strict=True)
    }
    assert (col("shop.analytics.mailing"), col("shop.public.orders")) in pairs
    assert len(pairs) == 5


async def test_fields_beyond_names_read_full_assets(gql: GraphQLClient, runtime) -> None:
    cat = await seed_catalog(runtime, TABLES)
    a, b = cat.gid(col("shop.public.customers")), cat.gid(col("shop.public.orders"))
    await gql.ok(ADD, {"input": {"edges": [{"sourceId": a, "targetId": b}]}})
    # When a reached asset's detail is selected
    nodes = (await gql.ok(FULL_ASSETS, {"id": a}))["lineage"]["nodes"]
    # Then it is the stored detail, not a summary's empty default
    assert [n["asset"]["detail"] for n in nodes] == [{"dataType": "text"}] * 2
    assert all(n["asset"]["createdAt"] for n in nodes)


EDGE_ENDS = """
query($id: ID!) {
  lineage(assetId: $id, direction: BOTH, depth: 5) {
    edges { id sourceId targetId hop }
  }
}
"""

EDGES_IN_FULL = """
query($id: ID!) {
  lineage(assetId: $id, direction: BOTH, depth: 5) {
    edges { id sourceId targetId hop provenance transformationSubtype propagates createdAt }
  }
}
"""

EDGES_BY_FRAGMENT = """
fragment Way on LineageEdge { transformationType masking }
query($id: ID!) {
  lineage(assetId: $id, direction: BOTH, depth: 5) { edges { sourceId ...Way } }
}
"""


async def test_edges_read_in_full_only_when_a_detail_is_selected(
    gql: GraphQLClient, runtime
) -> None:
    cat = await seed_catalog(runtime, TABLES)
    c, o, co, m = (cat.gid(col(n)) for n in TABLES)
    # Given a chain with a cycle and an INDIRECT JOIN edge
    await gql.ok(
        ADD,
        {
            "input": {
                "edges": [
                    {"sourceId": c, "targetId": o},
                    {"sourceId": o, "targetId": co},
                    {"sourceId": co, "targetId": m},
                    {
                        "sourceId": m,
                        "targetId": o,
                        "transformation": {"type": "INDIRECT", "subtype": "JOIN"},
                    },
                ]
            }
        },
    )
    # When edges are read with only their ends, in full, and through a fragment
    ends = (await gql.ok(EDGE_ENDS, {"id": o}))["lineage"]["edges"]
    full = (await gql.ok(EDGES_IN_FULL, {"id": o}))["lineage"]["edges"]
    framed = (await gql.ok(EDGES_BY_FRAGMENT, {"id": o}))["lineage"]["edges"]
    # Then the same edges come back in the same order, and the details are real
    assert len(ends) == 4
    assert ends == [{k: e[k] for k in ("id", "sourceId", "targetId", "hop")} for e in full]
    assert sorted(e["transformationSubtype"] for e in full) == ["IDENTITY"] * 3 + ["JOIN"]
    assert all(e["provenance"] == "MANUAL" and e["createdAt"] for e in full)
    assert [e["propagates"] for e in full].count(False) == 1
    assert [e["sourceId"] for e in framed] == [e["sourceId"] for e in ends]
    assert sorted(e["transformationType"] for e in framed) == ["DIRECT"] * 3 + ["INDIRECT"]
    assert not any(e["masking"] for e in framed)
