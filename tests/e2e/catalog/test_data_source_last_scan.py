"""``DataSource.lastScan``: each source's newest scan, for a list of sources in one
query, whatever its length."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_catalog_scan_sqlite import CREATE_SOURCE, scan_to_end

SOURCES = """
query($first: Int!) {
  dataSources(first: $first) {
    edges { node { name lastScan { id state tablesDone errors { table } } } }
  }
}
"""


async def test_each_source_lists_its_newest_scan(
    gql: Any, subscribe: Any, shop_sqlite: Path, request_statements: Any
) -> None:
    # Given three sources: one scanned twice, one once, one never
    ids = {}
    for name in ("twice", "once", "never"):
        created = await gql.ok(
            CREATE_SOURCE, {"input": {"name": name, "url": f"sqlite:///{shop_sqlite}"}}
        )
        assert created["createDataSource"]["errors"] == [], created
        ids[name] = created["createDataSource"]["dataSource"]["id"]
    first = await scan_to_end(gql, subscribe, ids["twice"])
    second = await scan_to_end(gql, subscribe, ids["twice"])
    once = await scan_to_end(gql, subscribe, ids["once"])
    assert {first[-1]["state"], second[-1]["state"], once[-1]["state"]} == {"SUCCEEDED"}

    # When the sources are listed with their last scans
    await gql.ok(SOURCES, {"first": 1})  # the token's first use this minute writes too
    with request_statements() as one:
        await gql.ok(SOURCES, {"first": 1})
    with request_statements() as statements:
        listed = await gql.ok(SOURCES, {"first": 10})

    # Then each shows its newest scan (the second of two), or none
    last = {e["node"]["name"]: e["node"]["lastScan"] for e in listed["dataSources"]["edges"]}
    assert last["never"] is None
    assert last["twice"]["id"] == second[-1]["scanId"] != first[-1]["scanId"]
    assert last["once"]["id"] == once[-1]["scanId"]
    assert last["twice"]["state"] == "SUCCEEDED" and last["twice"]["tablesDone"] == 3
    # ...in as many statements for three sources as for one
    assert len(statements) == len(one), (one, statements)
