"""OpenLineage intake and Marquez-compatible reads over HTTP.

The headline test drives a real ``racine serve`` with the real openlineage-python
client: a job reads two tables and writes a third, with column lineage.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from lineage_seed import seed_catalog  # type: ignore[import-not-found]

NS = "postgres://db.example.com:5432"
TABLES = {
    "shop.public.customers": ["id", "email"],
    "shop.public.orders": ["id", "customer_id", "amount"],
    "shop.analytics.customer_orders": ["customer_id", "email", "total"],
}
LINEAGE = """
query($id: ID!, $direction: LineageDirection!, $level: LineageLevel) {
  lineage(assetId: $id, direction: $direction, depth: 3, level: $level) {
    nodes { hop asset { qualifiedName kind } }
    edges { provenance jobId runId transformationType transformationSubtype }
  }
}
"""
RUN = "query($id: ID!) { node(id: $id) { ... on Asset { kind name detail } } }"


class _Runtime:
    """Enough of the app runtime for the seeding helper, against the server's database."""

    def __init__(self, url: str) -> None:
        from racine.persistence.database import Database
        from racine.realtime import build_bus

        self.db = Database(url)
        self.bus = build_bus(None)

    def uow(self) -> Any:
        import racine.persistence.repositories.catalog
        import racine.persistence.repositories.lineage  # noqa: F401
        from racine.persistence.unit_of_work import SqlUnitOfWork

        return SqlUnitOfWork(self.db, self.bus)


def emit_with_real_client(url: str, token: str, run_id: str) -> None:
    from openlineage.client import OpenLineageClient
    from openlineage.client.event_v2 import (
        InputDataset,
        Job,
        OutputDataset,
        Run,
        RunEvent,
        RunState,
    )
    from openlineage.client.facet_v2 import column_lineage_dataset as cl
    from openlineage.client.facet_v2 import schema_dataset as sd
    from openlineage.client.facet_v2 import sql_job
    from openlineage.client.transport.http import (
        ApiKeyTokenProvider,
        HttpCompression,
        HttpConfig,
        HttpTransport,
    )

    transport = HttpTransport(
        HttpConfig(
            url=url, auth=ApiKeyTokenProvider({"apiKey": token}), compression=HttpCompression.GZIP
        )
    )
    client = OpenLineageClient(transport=transport)

    def field(name: str, column: str, subtype: str, masking: bool = False) -> cl.InputField:
        return cl.InputField(
            NS,
            name,
            column,
            transformations=[cl.Transformation(type="DIRECT", subtype=subtype, masking=masking)],
        )

    output = OutputDataset(
        NS,
        "shop.analytics.customer_orders",
        facets={
            "schema": sd.SchemaDatasetFacet(
                fields=[
                    sd.SchemaDatasetFacetFields("customer_id", "integer"),
                    sd.SchemaDatasetFacetFields("email", "text"),
                    sd.SchemaDatasetFacetFields("total", "numeric"),
                    sd.SchemaDatasetFacetFields("loaded_at", "timestamp"),
                ]
            ),
            "columnLineage": cl.ColumnLineageDatasetFacet(
                fields={
                    "customer_id": cl.Fields(
                        inputFields=[field("shop.public.customers", "id", "IDENTITY")]
                    ),
                    "email": cl.Fields(
                        inputFields=[field("shop.public.customers", "email", "IDENTITY")]
                    ),
                    "total": cl.Fields(
                        inputFields=[field("shop.public.orders", "amount", "AGGREGATION")]
                    ),
                }
            ),
        },
    )
    inputs = [InputDataset(NS, "shop.public.customers"), InputDataset(NS, "shop.public.orders")]
    job = Job(
        "etl",
        "build_customer_orders",
        facets={
            "sql": sql_job.SQLJobFacet(query="insert into analytics.customer_orders select ...")
        },
    )
    for state in (RunState.START, RunState.COMPLETE):
        client.emit(
            RunEvent(
                eventType=state,
                eventTime=datetime.now(UTC).isoformat(),
                run=Run(runId=run_id),
                job=job,
                producer="racine-tests",
                inputs=inputs,
                outputs=[output],
            )
        )


async def test_real_openlineage_client_two_inputs_one_output(
    live_server: Any, database_url: str, admin_token: str
) -> None:
    seeded = _Runtime(database_url)
    cat = await seed_catalog(seeded, TABLES)
    await seeded.db.dispose()
    run_id = str(uuid.uuid4())
    await asyncio.to_thread(emit_with_real_client, live_server.http, admin_token, run_id)

    headers = {"authorization": f"Bearer {admin_token}"}
    async with httpx.AsyncClient(base_url=live_server.http, headers=headers, timeout=30) as http:

        async def gql(query: str, variables: dict[str, Any]) -> Any:
            body = (
                await http.post("/graphql", json={"query": query, "variables": variables})
            ).json()
            assert not body.get("errors"), body
            return body["data"]

        # GraphQL: table edges both ways, written by the job and its run
        up = (
            await gql(
                LINEAGE, {"id": cat.gid("shop.analytics.customer_orders"), "direction": "UPSTREAM"}
            )
        )["lineage"]
        assert {n["asset"]["qualifiedName"] for n in up["nodes"] if n["hop"] == 1} == {
            "shop.public.customers",
            "shop.public.orders",
        }
        assert {e["provenance"] for e in up["edges"]} == {"OPENLINEAGE"}
        down = (
            await gql(LINEAGE, {"id": cat.gid("shop.public.orders"), "direction": "DOWNSTREAM"})
        )["lineage"]
        assert {n["asset"]["qualifiedName"] for n in down["nodes"]} == {
            "shop.public.orders",
            "shop.analytics.customer_orders",
        }
        run = (await gql(RUN, {"id": down["edges"][0]["runId"]}))["node"]
        assert run["kind"] == "RUN" and run["detail"]["state"] == "COMPLETE"
        assert [s["state"] for s in run["detail"]["states"]] == ["START", "COMPLETE"]
        job = (await gql(RUN, {"id": down["edges"][0]["jobId"]}))["node"]
        assert job["kind"] == "JOB" and job["name"] == "build_customer_orders"

        # Column edges both ways; the schema facet added the unknown column
        total = (
            await gql(
                LINEAGE,
                {"id": cat.gid("shop.analytics.customer_orders.total"), "direction": "UPSTREAM"},
            )
        )["lineage"]
        assert {n["asset"]["qualifiedName"] for n in total["nodes"]} == {
            "shop.analytics.customer_orders.total",
            "shop.public.orders.amount",
        }
        assert total["edges"][0]["transformationSubtype"] == "AGGREGATION"
        email = (
            await gql(
                LINEAGE, {"id": cat.gid("shop.public.customers.email"), "direction": "DOWNSTREAM"}
            )
        )["lineage"]
        assert "shop.analytics.customer_orders.email" in {
            n["asset"]["qualifiedName"] for n in email["nodes"]
        }

        # Marquez-compatible reads
        node = f"dataset:{NS}:shop.analytics.customer_orders"
        graph = (await http.get("/api/v1/lineage", params={"nodeId": node, "depth": 5})).json()
        ids = {n["id"] for n in graph["graph"]}
        assert {
            node,
            f"dataset:{NS}:shop.public.orders",
            f"dataset:{NS}:shop.public.customers",
            "job:etl:build_customer_orders",
        } <= ids
        target = next(n for n in graph["graph"] if n["id"] == node)
        assert target["inEdges"] == [
            {"origin": "job:etl:build_customer_orders", "destination": node}
        ]
        assert "loaded_at" in {f["name"] for f in target["data"]["fields"]}
        fields = (
            await http.get(
                "/api/v1/column-lineage",
                params={"nodeId": f"datasetField:{NS}:shop.analytics.customer_orders:total"},
            )
        ).json()
        by_id = {n["id"]: n for n in fields["graph"]}
        total_node = by_id[f"datasetField:{NS}:shop.analytics.customer_orders:total"]
        assert total_node["data"]["inputFields"][0]["field"] == "amount"
        assert f"datasetField:{NS}:shop.public.orders:amount" in by_id


def _event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventType": "COMPLETE",
        "eventTime": "2026-01-02T03:04:05.000Z",
        "producer": "https://example.com/producer",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "airflow", "name": "daily"},
        "inputs": [{"namespace": "s3://bucket", "name": "raw/orders"}],
        "outputs": [{"namespace": "s3://bucket", "name": "clean/orders"}],
    }
    event.update(overrides)
    return event


async def test_intake_is_validated_idempotent_and_guarded(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    # Without a token: 401
    event = _event()
    anonymous = await client.post("/api/v1/lineage", json=event, headers={"authorization": ""})
    assert anonymous.status_code == 401 and anonymous.json()["code"] == 401

    # A valid event: 201; the same event again: 201, stored once
    first = await client.post("/api/v1/lineage", json=event)
    assert first.status_code == 201, first.text
    again = await client.post("/api/v1/lineage", json=event)
    assert again.status_code == 201 and again.json()["status"] == "duplicate"
    async with runtime.uow() as uow:
        from sqlalchemy import func, select

        from racine.persistence.tables.lineage import OpenLineageEventRow

        stored = await uow.session.scalar(select(func.count()).select_from(OpenLineageEventRow))
        assert stored == 1
        out = await uow.lineage.by_qualified_names(None, ["s3://bucket/clean/orders"])
        assert out["s3://bucket/clean/orders"].kind == "EXTERNAL"

    # DatasetEvent and JobEvent are accepted
    dataset_event = {
        k: v for k, v in _event().items() if k in ("eventTime", "producer", "schemaURL")
    }
    dataset_event["dataset"] = {"namespace": "s3://bucket", "name": "ref/countries"}
    assert (await client.post("/api/v1/lineage", json=dataset_event)).status_code == 201
    job_event = {k: v for k, v in _event().items() if k not in ("run", "eventType")}
    assert (await client.post("/api/v1/lineage", json=job_event)).status_code == 201

    # Missing required fields: 400 with the path at fault, nothing stored
    broken = _event(job={"namespace": "airflow"})
    bad = await client.post("/api/v1/lineage", json=broken)
    assert bad.status_code == 400 and bad.json()["field"] == "job.name"
    missing_time = _event()
    del missing_time["eventTime"]
    assert (await client.post("/api/v1/lineage", json=missing_time)).json()["field"] == "eventTime"
    assert (await client.post("/api/v1/lineage", content=b"{not json")).status_code == 400
    # A NUL character anywhere in its text (here deep in a facet): 400, nothing stored
    nul = _event(job={"namespace": "airflow", "name": "nightly", "facets": {"x": ["a\x00b"]}})
    refused_nul = await client.post("/api/v1/lineage", json=nul)
    assert refused_nul.status_code == 400, refused_nul.text
    assert refused_nul.json()["field"] == "body" and "NUL" in refused_nul.json()["message"]
    async with runtime.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(OpenLineageEventRow)) == 3

    # Gzip works; a gzip bomb and an oversized event are refused with a reason
    zipped = gzip.compress(json.dumps(_event()).encode())
    ok = await client.post(
        "/api/v1/lineage",
        content=zipped,
        headers={"content-encoding": "gzip", "content-type": "application/json"},
    )
    assert ok.status_code == 201, ok.text
    bomb = gzip.compress(b"[" + b" " * (200 * 1024 * 1024) + b"]", compresslevel=9)
    assert len(bomb) < 1024 * 1024
    refused = await client.post(
        "/api/v1/lineage", content=bomb, headers={"content-encoding": "gzip"}
    )
    assert refused.status_code == 400 and "20 MB" in refused.json()["message"]
    big = _event(
        job={
            "namespace": "airflow",
            "name": "big",
            "facets": {"junk": {"x": "y" * (21 * 1024 * 1024)}},
        }
    )
    large = await client.post("/api/v1/lineage", content=json.dumps(big).encode())
    assert large.status_code == 400 and "20 MB" in large.json()["message"]
    garbage = await client.post(
        "/api/v1/lineage", content=b"\x1f\x8bnot gzip", headers={"content-encoding": "gzip"}
    )
    assert garbage.status_code == 400
    # The server keeps serving
    assert (await client.get("/healthz")).status_code == 200
    assert (
        await client.get("/api/v1/lineage", params={"nodeId": "dataset:s3://bucket:clean/orders"})
    ).status_code == 200
    assert (
        await client.get("/api/v1/lineage", params={"nodeId": "dataset:nope:none"})
    ).status_code == 404
