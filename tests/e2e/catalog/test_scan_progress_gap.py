"""``scanProgress`` after a GAP: a subscriber that fell behind is dropped by the bus
with a final ``gap`` event, and the stream re-reads the scan. When the scan is over
by then, the stream still ends as a live one does, with the terminal ``STATE`` step.

The overflow is made deterministic on the in-memory bus (both metadata databases):
its ``publish`` never yields to the event loop, so a burst of more events than the
subscriber's buffer holds overflows it before the stream can read one. The scan is
held RUNNING by a lock on its source's only table (``held``); its run is then ended
in the database without an event, as when a worker's terminal event is lost."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from test_active_scan_guards import (  # noqa: F401
    START_SCAN,
    HeldSource,
    _rule_set,
    _source,
    held,
)
from test_catalog_scan_sqlite import SCAN_PROGRESS

from racine.domain.runs.model import RunState
from racine.domain.scanning.progress import ScanProgress, progress_event
from racine.schema.relay import decode_id

QUEUE_SIZE = 10  # the smallest subscriber buffer the settings allow


@pytest.fixture
def redis_url() -> None:
    """The in-memory bus on both metadata databases (see the module docstring)."""
    return None


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"subscriber_queue_size": QUEUE_SIZE}


async def _start_scan(gql: Any, source: HeldSource) -> tuple[str, uuid.UUID]:
    """Start a scan of the held source; its global id and its run id. (Of the held
    schema only: other schemas of the test database would add their own steps.)"""
    source_id = await _source(gql, source, await _rule_set(gql, source.schema))
    started = (await gql.ok(START_SCAN, {"id": source_id}))["startScan"]
    assert started["errors"] == [], started
    scan_gid: str = started["scan"]["id"]
    return scan_gid, decode_id(scan_gid, "Scan")


async def _overflow(bus: Any, progress: ScanProgress, schema: str) -> None:
    """One TABLE_STARTED step more than a subscriber's buffer holds."""
    for n in range(QUEUE_SIZE + 1):
        payload = progress.payload("TABLE_STARTED", table=f"{schema}.t{n}")
        await bus.publish(progress_event(payload))


async def test_a_gap_that_finds_the_scan_over_ends_with_the_state_step(
    app: Any,
    gql: Any,
    subscribe: Any,
    held: HeldSource,  # noqa: F811
) -> None:
    runtime = app.state.runtime
    scan_gid, scan_id = await _start_scan(gql, held)

    async with subscribe() as sub:
        # Given a subscriber of a scan held RUNNING on its table's sample
        op = await sub.start(SCAN_PROGRESS, {"id": scan_gid})
        before = await sub.collect(op, lambda d: d["scanProgress"]["type"] == "TABLE_STARTED")
        assert before[0]["scanProgress"]["type"] == "SNAPSHOT", before
        # ...whose run then ends without the subscriber hearing of it
        async with runtime.uow() as uow:
            assert await uow.runs.finish(scan_id, RunState.FAILED, reason="worker lost")
            await uow.commit()

        # When a burst of progress events overflows the subscriber's buffer
        progress = ScanProgress(scan_id, total=QUEUE_SIZE + 1)
        await _overflow(runtime.bus, progress, held.schema)
        steps = [s["scanProgress"] for s in await sub.collect(op, lambda d: False, timeout=30)]

    # Then the buffered steps come, then the GAP with the re-read FAILED state, and the
    # stream ends with the closing STATE step, as one that saw the terminal event does
    assert [s["type"] for s in steps] == ["TABLE_STARTED"] * QUEUE_SIZE + ["GAP", "STATE"], steps
    assert steps[-2]["state"] == steps[-1]["state"] == "FAILED", steps[-2:]
    assert steps[-1]["reason"] == "worker lost" and steps[-1]["percent"] == 100.0


async def test_after_a_gap_a_running_scan_streams_live_steps_again(
    app: Any,
    gql: Any,
    subscribe: Any,
    held: HeldSource,  # noqa: F811
) -> None:
    runtime = app.state.runtime
    scan_gid, scan_id = await _start_scan(gql, held)
    progress = ScanProgress(scan_id, total=QUEUE_SIZE + 2)

    async with subscribe() as sub:
        # Given a subscriber of a running scan that the bus dropped for falling behind
        op = await sub.start(SCAN_PROGRESS, {"id": scan_gid})
        await sub.collect(op, lambda d: d["scanProgress"]["type"] == "TABLE_STARTED")
        await _overflow(runtime.bus, progress, held.schema)
        steps = await sub.collect(op, lambda d: d["scanProgress"]["type"] == "GAP", timeout=30)
        assert steps[-1]["scanProgress"]["state"] == "RUNNING", steps[-1]

        # When the scan goes on (published until one step arrives: the stream subscribes
        # again while it re-reads the scan after the GAP)
        async def next_live_step() -> dict[str, Any]:
            while True:
                payload = progress.payload("TABLE_FINISHED", table=f"{held.schema}.later")
                await runtime.bus.publish(progress_event(payload))
                try:
                    message = await sub.receive(timeout=0.2)
                except TimeoutError:
                    continue
                if message.get("id") == op:
                    return dict(message["payload"]["data"]["scanProgress"])

        # Then its steps come live again, not only the closing state of a poll
        live = await asyncio.wait_for(next_live_step(), 10)
        assert live["type"] == "TABLE_FINISHED" and live["table"] == f"{held.schema}.later", live

        async with runtime.uow() as uow:
            assert await uow.runs.finish(scan_id, RunState.FAILED, reason="worker lost")
            await uow.commit()
        rest = [s["scanProgress"] for s in await sub.collect(op, lambda d: False, timeout=30)]
    assert rest[-1]["type"] == "STATE" and rest[-1]["state"] == "FAILED", rest[-3:]
