"""``scanProgress`` of a scan that has not counted its tables yet says 0 %, not 100 %.

The only job slot is held by a scan blocked on a locked PostgreSQL table, so a second
scan stays QUEUED while a client subscribes to it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from test_active_scan_guards import (
    HeldSource,
    _finish,
    _rule_set,
    _source,
    _start,
    _state,
    held,
)
from test_catalog_mutations import CREATE_SOURCE

__all__ = ["held"]  # the fixture, imported for this module's tests

PROGRESS = """
subscription($id: ID!) {
  scanProgress(scanId: $id) { type state tablesTotal tablesDone percent }
}
"""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"job_workers": 1}


async def test_a_queued_scan_reports_no_progress(
    gql: Any, subscribe: Any, held: HeldSource, shop_sqlite: Path
) -> None:
    # Given the one job slot taken by a scan held on a locked table (its rules read
    # only that table's schema, not every schema of the test database)
    blocker = await _start(gql, await _source(gql, held, await _rule_set(gql, held.schema)))
    # and a second source whose scan therefore waits
    created = (
        await gql.ok(
            CREATE_SOURCE, {"input": {"name": "waiting", "url": f"sqlite:///{shop_sqlite}"}}
        )
    )["createDataSource"]
    waiting = await _start(gql, created["dataSource"]["id"])
    assert (await _state(gql, waiting))["state"] == "QUEUED"

    # When a client subscribes to the waiting scan
    async with subscribe() as sub:
        op = await sub.start(PROGRESS, {"id": waiting})
        first = (await sub.collect(op, until=lambda _: True))[0]["scanProgress"]

    # Then its snapshot is QUEUED at 0 %, not "complete"
    assert first == {
        "type": "SNAPSHOT", "state": "QUEUED", "tablesTotal": 0, "tablesDone": 0, "percent": 0.0,
    }  # fmt: skip
    # ...and both scans finish once the lock goes
    assert (await _finish(gql, held, blocker))["state"] == "SUCCEEDED"
    for _ in range(300):
        if (await _state(gql, waiting))["state"] not in ("QUEUED", "RUNNING"):
            break
        await asyncio.sleep(0.1)
    assert (await _state(gql, waiting))["state"] == "SUCCEEDED"
