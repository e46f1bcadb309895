"""A scan of a server that accepts the TCP connection and never answers fails as
TIMEOUT within the bound of ``testDataSourceConnection``
(``RACINE_SOURCE_CONNECT_TIMEOUT_S``, 10 s by default; 3 s here), not after the
connector's backstop of over a minute (MySQL/MariaDB: the driver's connect timeout
does not cover the handshake; PostgreSQL's did, with a vaguer message)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from test_catalog_mutations import CREATE_SOURCE
from test_catalog_scan_sqlite import SCAN_PROGRESS

PASSWORD = "Sup3r-Secret_pw"
START_SCAN = """
mutation($id: ID!) {
  startScan(input: {dataSourceId: $id}) { errors { code field message } scan { id } }
}
"""
TEST_CONNECTION = """
mutation($id: ID!) {
  testDataSourceConnection(input: {id: $id}) { ok failureReason errors { code message } }
}
"""
BOUND_S = 3.0


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"source_connect_timeout_s": BOUND_S}


def _terminal(d: dict[str, Any]) -> bool:
    return d["scanProgress"]["state"] in ("SUCCEEDED", "FAILED", "CANCELLED")


@pytest.mark.parametrize("scheme", ["mysql", "postgresql"])
async def test_a_scan_of_a_silent_server_fails_as_timeout_within_the_bound(
    scheme: str, gql: Any, subscribe: Any, silent_port: int
) -> None:
    # Given a source (with a password) on a server that accepts and never answers
    url = f"{scheme}://reader:{PASSWORD}@127.0.0.1:{silent_port}/shop"
    created = (await gql.ok(CREATE_SOURCE, {"input": {"name": "silent", "url": url}}))[
        "createDataSource"
    ]
    assert created["errors"] == [], created
    source_id = created["dataSource"]["id"]

    # When it is scanned (its connection is tested alongside, as a client would)
    async with subscribe() as sub:
        started_at = time.perf_counter()
        started = (await gql.ok(START_SCAN, {"id": source_id}))["startScan"]
        assert started["errors"] == [], started
        op = await sub.start(SCAN_PROGRESS, {"id": started["scan"]["id"]})
        tested = (await gql.ok(TEST_CONNECTION, {"id": source_id}))["testDataSourceConnection"]
        steps = [s["scanProgress"] for s in await sub.collect(op, _terminal, timeout=40)]
        elapsed = time.perf_counter() - started_at

    # Then the scan FAILS with a TIMEOUT reason naming host:port/database only,
    # about when the connection test gives up with TIMEOUT too
    last = steps[-1]
    assert last["type"] == "STATE" and last["state"] == "FAILED", steps
    assert f"TIMEOUT: the source did not answer within {BOUND_S:g} s" in last["reason"], last
    assert f"127.0.0.1:{silent_port}/shop" in last["reason"], last
    assert PASSWORD not in last["reason"] and "reader" not in last["reason"], last
    assert BOUND_S <= elapsed < BOUND_S + 5, elapsed
    assert tested["ok"] is False and tested["failureReason"] == "TIMEOUT", tested
    # ...and the server answers requests meanwhile and after
    assert (await asyncio.wait_for(gql.ok("{ viewer { id } }"), 5))["viewer"]["id"]
