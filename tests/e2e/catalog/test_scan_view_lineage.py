"""A scan derives each view's lineage once every table of the scan is stored, so a
view read long before the table it selects from points at that table, never at an
EXTERNAL placeholder (which used to happen when the two landed in different write
batches, e.g. on a loaded machine)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path
from typing import Any

CREATE_SOURCE = """
mutation($input: CreateDataSourceInput!) {
  createDataSource(input: $input) { errors { code message } dataSource { id } }
}
"""
ASSETS = """
query($filter: AssetFilter) {
  assets(filter: $filter, first: 100) { edges { node { id kind qualifiedName } } }
}
"""
UPSTREAM = """
query($id: ID!) {
  lineage(assetId: $id, direction: UPSTREAM, depth: 1, level: TABLE) {
    nodes { hop asset { qualifiedName kind } }
  }
}
"""


def _source(path: Path) -> Path:
    """``a_view`` sorts first and selects from ``zz_orders``, which sorts after 40 fillers:
    the scan reads (and batches) the view long before the table."""
    conn = sqlite3.connect(path)
    fillers = "".join(f"CREATE TABLE m_{i:02} (id INTEGER PRIMARY KEY);" for i in range(40))
    conn.executescript(
        "CREATE TABLE zz_orders (id INTEGER PRIMARY KEY, total REAL);"
        + fillers
        + "CREATE VIEW a_view AS SELECT id, total FROM zz_orders WHERE total > 100;"
        + "INSERT INTO zz_orders VALUES (1, 150.0), (2, 50.0);"
    )
    conn.commit()
    conn.close()
    return path


async def test_a_view_scanned_before_its_table_points_at_the_table(
    gql: Any, scan_and_wait: Any, tmp_path: Path
) -> None:
    # Given a source whose view is read before the table it selects from
    url = f"sqlite:///{_source(tmp_path / 'views.db')}"
    created = await gql.ok(CREATE_SOURCE, {"input": {"name": "vw", "url": url}})
    source = created["createDataSource"]["dataSource"]
    # When it is scanned
    assert (await scan_and_wait(source["id"]))["state"] == "SUCCEEDED"
    # Then the view's upstream is the scanned table, and no placeholder was made
    found = await gql.ok(ASSETS, {"filter": {"kinds": ["VIEW", "TABLE", "EXTERNAL"]}})
    assets = {e["node"]["qualifiedName"]: e["node"] for e in found["assets"]["edges"]}
    assert [n for n, a in assets.items() if a["kind"] == "EXTERNAL"] == []
    view = assets["vw.views.main.a_view"]
    graph = (await gql.ok(UPSTREAM, {"id": view["id"]}))["lineage"]
    upstream = {(n["asset"]["qualifiedName"], n["asset"]["kind"]) for n in graph["nodes"]}
    assert ("vw.views.main.zz_orders", "TABLE") in upstream


COLUMN_UPSTREAM = """
query($id: ID!) {
  lineage(assetId: $id, direction: UPSTREAM, depth: 1, level: COLUMN) {
    edges { id provenance blocked }
  }
}
"""
BLOCK = """
mutation($id: ID!) {
  setLineageEdgePropagation(input: {edgeId: $id, blocked: true}) {
    errors { code message } edge { id blocked }
  }
}
"""
CHANGES = """
subscription($id: ID) { catalogChanges(dataSourceId: $id) { type qualifiedName } }
"""


async def test_a_rescan_keeps_an_unchanged_views_edges_and_their_block(
    gql: Any, subscribe: Any, scan_and_wait: Any, tmp_path: Path
) -> None:
    # Given a scanned view whose column edge a steward blocked for propagation
    path = tmp_path / "kept.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL);"
        "CREATE VIEW big AS SELECT id, total FROM orders WHERE total > 100;"
    )
    conn.close()
    created = await gql.ok(CREATE_SOURCE, {"input": {"name": "kept", "url": f"sqlite:///{path}"}})
    source = created["createDataSource"]["dataSource"]
    assert (await scan_and_wait(source["id"]))["state"] == "SUCCEEDED"
    found = await gql.ok(ASSETS, {"filter": {"kinds": ["COLUMN"]}})
    total = next(
        e["node"]["id"]
        for e in found["assets"]["edges"]
        if e["node"]["qualifiedName"] == "kept.kept.main.big.total"
    )
    [edge] = (await gql.ok(COLUMN_UPSTREAM, {"id": total}))["lineage"]["edges"]
    assert edge["provenance"] == "VIEW"
    blocked = (await gql.ok(BLOCK, {"id": edge["id"]}))["setLineageEdgePropagation"]
    assert blocked["errors"] == [] and blocked["edge"]["blocked"] is True

    # When the unchanged source is scanned again, with catalogChanges open
    async with subscribe() as sub:
        op = await sub.start(CHANGES, {"id": source["id"]})
        await asyncio.sleep(0.3)  # the subscription is live before the scan starts
        assert (await scan_and_wait(source["id"]))["state"] == "SUCCEEDED"
        changes: list[dict[str, Any]] = []
        with contextlib.suppress(TimeoutError):
            while True:
                message = await sub.receive(timeout=1.0)
                if message.get("id") == op and message["type"] == "next":
                    changes.append(message["payload"]["data"]["catalogChanges"])

    # Then the edge is the same one, still blocked, and nothing changed was announced
    after = (await gql.ok(COLUMN_UPSTREAM, {"id": total}))["lineage"]["edges"]
    assert after == [{"id": edge["id"], "provenance": "VIEW", "blocked": True}]
    assert changes == []
