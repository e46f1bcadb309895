"""The scan pipeline on both metadata databases: concurrent tables stored in batches,
a stable re-scan that keeps a steward's label, undecodable bytes, bounded sampling of
a large table, and cron schedules fired by an injected clock."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from catalog_scan_env import scan_environment
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from racine.connectors import connector_for
from racine.domain.catalog.model import AssetFilter, AssetKind
from racine.domain.catalog.search import SearchQuery
from racine.domain.classification.labels import LabelState
from racine.domain.classification.use_cases import (
    SetColumnClassification,
    set_column_classification,
)
from racine.domain.paging import PageRequest
from racine.domain.runs.model import RunState
from racine.domain.scanning.jobs import fire_due_scans
from racine.domain.scanning.pipeline import BATCH_TABLES, CONCURRENCY, REFLECT_TABLES
from racine.jobs.cpu import shut_down_parked

POSTGRES = os.environ.get("RACINE_TEST_POSTGRES_URL")
# two reflection chunks and several stored batches, the last ones partial
TABLES = REFLECT_TABLES + BATCH_TABLES + 7
BIG_ROWS = 1_000_000


@pytest.fixture
def many_tables(tmp_path: Path) -> Path:
    path = tmp_path / "many.db"
    conn = sqlite3.connect(path)
    for t in range(TABLES):
        conn.execute(
            f"CREATE TABLE t{t:03d} (id INTEGER PRIMARY KEY, contact_email TEXT,"
            " amount REAL, note TEXT)"
        )
        conn.executemany(
            f"INSERT INTO t{t:03d} VALUES (?, ?, ?, ?)",
            [(i, f"person{i}@example.org", i * 1.5, f"note {i % 7}") for i in range(1, 41)],
        )
    conn.commit()
    conn.close()
    return path


async def _assets(env: Any, source_id: uuid.UUID, kind: AssetKind) -> list[Any]:
    async with env.uow_factory() as uow:
        page = await uow.catalog.page(
            AssetFilter(kinds=(kind,), source_ids=(source_id,)), PageRequest(first=100)
        )
        items = list(page.items)
        while page.has_next_page:
            page = await uow.catalog.page(
                AssetFilter(kinds=(kind,), source_ids=(source_id,)),
                PageRequest(first=100, after=page.cursors[-1]),
            )
            items += page.items
    return items


async def test_many_tables_are_stored_in_batches_and_a_rescan_changes_nothing(
    scan_env: Any, many_tables: Path
) -> None:
    # Given a source with more tables than one write batch
    source = await scan_env.add_source(f"sqlite:///{many_tables}", sample_size=100)

    # When it is scanned
    scan = await scan_env.scan(source)

    # Then every table and column is in the catalog, classified, profiled and searchable.
    assert scan.state is RunState.SUCCEEDED, scan.reason
    assert (scan.tables_total, scan.tables_done, scan.errors) == (TABLES, TABLES, [])
    assert scan.columns_done == TABLES * 4 and scan.added == TABLES
    tables = await _assets(scan_env, source, AssetKind.TABLE)
    columns = await _assets(scan_env, source, AssetKind.COLUMN)
    assert sorted(t.name for t in tables) == [f"t{t:03d}" for t in range(TABLES)]
    assert len(columns) == TABLES * 4
    emails = [c for c in columns if c.name == "contact_email"]
    async with scan_env.uow_factory() as uow:
        labels = await uow.catalog.classifications_for([c.id for c in emails])
        hits = await uow.catalog.search(
            SearchQuery(text="t056 contact_email"), PageRequest(first=10)
        )
    assert len(labels) == TABLES and all(
        any(r.type_key == "EMAIL" for r in rows) for rows in labels.values()
    )
    found = {h.asset.qualified_name.split(".", 3)[-1] for h in hits.items}
    assert {"t056", "t056.contact_email"} <= found, found  # the table through its columns
    amount = next(c for c in columns if c.name == "amount")
    assert amount.profile is not None and amount.profile["count"] == 40

    # Given a steward confirms a label the classifier would not give
    note = next(c for c in columns if c.name == "note" and c.qualified_name.endswith("t000.note"))
    await set_column_classification(
        scan_env.uow_factory(),
        scan_env.actor,
        SetColumnClassification(note.id, "PERSON_NAME", LabelState.CONFIRMED),
    )

    # When the unchanged source is scanned again
    again = await scan_env.scan(source)

    # Then nothing was added or changed, and the steward's word stands, with a profile
    # that keeps no raw values of the now sensitive column.
    assert again.state is RunState.SUCCEEDED, again.reason
    assert (again.added, again.changed, again.removed, again.errors) == (0, 0, 0, [])
    assert len(await _assets(scan_env, source, AssetKind.COLUMN)) == TABLES * 4
    async with scan_env.uow_factory() as uow:
        kept = (await uow.catalog.classifications_for([note.id]))[note.id]
        stored = await uow.catalog.get(note.id)
    assert [(r.type_key, r.source, r.state) for r in kept] == [
        ("PERSON_NAME", "MANUAL", "CONFIRMED")
    ]
    assert stored.profile["top_values"] == [] and stored.profile.get("min") is None


@pytest.mark.parametrize(
    ("profiling", "classification"), [(False, True), (True, False), (False, False)]
)
async def test_a_rule_set_turns_profiling_and_classification_off_without_losing_results(
    scan_env: Any, tmp_path: Path, profiling: bool, classification: bool
) -> None:
    # Given a source whose rule set turns profiling, classification or both off
    path = tmp_path / "switches.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, contact_email TEXT)")
    conn.executemany(
        "INSERT INTO people VALUES (?, ?)", [(i, f"p{i}@example.org") for i in range(1, 41)]
    )
    conn.commit()
    conn.close()
    source = await scan_env.add_source(
        f"sqlite:///{path}", profiling=profiling, classification=classification
    )

    async def columns_and_labels() -> tuple[dict[str, Any], list[str]]:
        columns = {c.name: c for c in await _assets(scan_env, source, AssetKind.COLUMN)}
        async with scan_env.uow_factory() as uow:
            rows = await uow.catalog.classifications_for([c.id for c in columns.values()])
        return columns, sorted(r.type_key for rs in rows.values() for r in rs)

    # When it is scanned
    scan = await scan_env.scan(source)

    # Then every column is catalogued, with a profile and labels only where they are on
    assert scan.state is RunState.SUCCEEDED, scan.reason
    assert (scan.tables_done, scan.columns_done, scan.errors) == (1, 2, [])
    columns, labels = await columns_and_labels()
    assert sorted(columns) == ["contact_email", "id"]
    assert [c.profile is not None for c in columns.values()] == [profiling, profiling]
    assert labels == (["EMAIL"] if classification else [])

    # Given a scan with everything on (a rule set for this scan only)
    full = await scan_env.add_rule_set()
    assert (await scan_env.scan(source, rule_set_id=full)).state is RunState.SUCCEEDED
    columns, labels = await columns_and_labels()
    profiles = {name: c.profile for name, c in columns.items()}
    assert all(profiles.values()) and labels == ["EMAIL"]

    # When the source is scanned again with its own rule set
    again = await scan_env.scan(source)

    # Then what the switched-off steps found before is kept, not dropped as stale
    assert again.state is RunState.SUCCEEDED, again.reason
    assert (again.added, again.changed, again.removed, again.errors) == (0, 0, 0, [])
    columns, labels = await columns_and_labels()
    assert {name: c.profile for name, c in columns.items()} == profiles
    assert labels == ["EMAIL"]


async def test_a_scan_for_some_label_types_keeps_the_labels_of_the_others(
    scan_env: Any, many_tables: Path
) -> None:
    # Given a scanned source whose e-mail columns are labelled
    source = await scan_env.add_source(f"sqlite:///{many_tables}", sample_size=40)
    assert (await scan_env.scan(source)).state is RunState.SUCCEEDED
    columns = await _assets(scan_env, source, AssetKind.COLUMN)
    emails = [c.id for c in columns if c.name == "contact_email"]

    async def email_labels() -> list[str]:
        async with scan_env.uow_factory() as uow:
            rows = await uow.catalog.classifications_for(emails)
        return sorted({r.type_key for column in rows.values() for r in column})

    assert await email_labels() == ["EMAIL"]

    # When it is scanned with a rule set that looks for phone numbers only
    phones = await scan_env.add_rule_set(sample_size=40, enabled_types=("PHONE",))
    scan = await scan_env.scan(source, rule_set_id=phones)

    # Then the e-mail labels stand (that scan had no view of them), and the e-mail
    # columns, sensitive still, were profiled without raw values
    assert scan.state is RunState.SUCCEEDED, scan.reason
    assert await email_labels() == ["EMAIL"]
    async with scan_env.uow_factory() as uow:
        profiles = [(await uow.catalog.get(i)).profile for i in emails]
    assert all(p["top_values"] == [] and p.get("min") is None for p in profiles)


async def test_sqlite_date_columns_are_profiled_as_dates(scan_env: Any, tmp_path: Path) -> None:
    # Given a SQLite source whose DATE, TIMESTAMP and TIME columns hold ISO texts (SQLite has
    # no date storage), next to a TEXT column holding the same texts
    path = tmp_path / "dates.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, day DATE, at TIMESTAMP, note TEXT,"
        " opens TIME)"
    )
    conn.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
        [
            (
                i,
                f"2024-01-{i:02d}",
                f"2024-01-{i:02d} 10:{i:02d}:00",
                f"2024-01-{i:02d}",
                f"{i % 12 + 8:02d}:30",
            )
            for i in range(1, 29)
        ],
    )
    conn.commit()
    conn.close()
    source = await scan_env.add_source(f"sqlite:///{path}")

    # When it is scanned
    scan = await scan_env.scan(source)

    # Then the declared dates are profiled as dates, with their range and histogram;
    # the TEXT column stays text
    assert scan.state is RunState.SUCCEEDED, scan.reason
    profiles = {c.name: c.profile for c in await _assets(scan_env, source, AssetKind.COLUMN)}
    day, at, note = profiles["day"], profiles["at"], profiles["note"]
    assert (day["kind"], day["min"], day["max"]) == ("DATE", "2024-01-01", "2024-01-28")
    assert at["kind"] == "DATETIME" and at["min"].startswith("2024-01-01T10:01")
    assert sum(b["count"] for b in day["histogram"]) == 28 and day["p50"] is not None
    assert note["kind"] == "STRING" and note["histogram"] == []
    opens = profiles["opens"]
    assert (opens["kind"], opens["min"], opens["max"]) == ("TIME", "08:30:00", "19:30:00")


_WORKER_SCAN = """
import asyncio, sqlite3, sys
from pathlib import Path

from catalog_scan_env import scan_environment
from racine.persistence.migrate import upgrade_async


async def main(tmp: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp / 'meta.db'}"
    await upgrade_async(url)
    conn = sqlite3.connect(tmp / "shop.db")
    conn.executescript(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);"
        "INSERT INTO t VALUES (1, 'a'), (2, 'b');"
        "CREATE VIEW v AS SELECT id, name FROM t;"
    )
    conn.close()
    async with scan_environment(url, tmp) as env:
        scan = await env.scan(await env.add_source(f"sqlite:///{tmp / 'shop.db'}"))
    print(scan.state.value, scan.reason)


asyncio.run(main(Path(sys.argv[1])))
"""


def test_a_scan_in_a_process_without_the_http_app_stores_view_lineage(tmp_path: Path) -> None:
    # Given a fresh process that runs jobs as `racine worker` does, without importing the
    # HTTP app (which used to be what registered the lineage repository)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path])}

    # When it scans a source with a view (whose lineage the scan stores)
    done = subprocess.run(
        [sys.executable, "-c", _WORKER_SCAN, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # Then the scan succeeds
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["SUCCEEDED", "None"], (done.stdout, done.stderr[-2000:])


async def test_a_pool_worker_killed_mid_scan_fails_only_the_tables_in_flight(
    scan_env: Any, many_tables: Path
) -> None:
    # Given a scan under way, whose process-pool workers have started (a cold pool, not
    # one an earlier test's runner left warm: its workers are killed as they start)
    source = await scan_env.add_source(f"sqlite:///{many_tables}", sample_size=100)
    shut_down_parked()
    before = set(multiprocessing.active_children())
    started = await scan_env.start(source)
    deadline = time.monotonic() + 60
    while not (workers := set(multiprocessing.active_children()) - before):
        assert time.monotonic() < deadline, "no pool worker started"
        await asyncio.sleep(0.01)

    # When they are killed (as the kernel's OOM killer would)
    for worker in workers:
        os.kill(worker.pid, signal.SIGKILL)  # type: ignore[arg-type]
    scan = await scan_env.wait(started.id)

    # Then the tables they held fail as UNAVAILABLE and the scan carries on with a new pool
    assert scan.state is RunState.SUCCEEDED, scan.reason
    reasons = [e["reason"] for e in scan.errors]
    assert reasons and set(reasons) == {"UNAVAILABLE"}, scan.errors
    assert len(reasons) <= 2 * CONCURRENCY  # those in flight, not the rest of the scan
    assert scan.tables_done + len(reasons) == TABLES

    # And the next scan stores every table
    again = await scan_env.scan(source)
    assert again.state is RunState.SUCCEEDED, again.reason
    assert (again.tables_done, again.errors) == (TABLES, [])


async def test_the_labelled_outline_of_a_scanned_source_is_its_structure_and_labelled_columns(
    scan_env: Any, many_tables: Path
) -> None:
    # Given a scanned source (profiles stored on every column, labels on the e-mails)
    source = await scan_env.add_source(f"sqlite:///{many_tables}", sample_size=20)
    scan = await scan_env.scan(source)
    assert scan.state is RunState.SUCCEEDED, scan.reason

    # When its labelled outline is read (what the scan's closing sensitivity refresh walks)
    async with scan_env.uow_factory() as uow:
        outline = await uow.catalog.labelled_outline_of(source)
        full = await uow.catalog.by_source(source)
        columns = [a.id for a in full if a.kind is AssetKind.COLUMN]
        labelled = set(await uow.catalog.classifications_for(columns))

    # Then it is every container and every labelled column with its place in the tree,
    # no other column, and no name, profile or detail
    def place(a: Any) -> tuple[Any, ...]:
        return (a.id, a.kind, a.source_id, a.parent_id, a.deleted_at)

    wanted = [a for a in full if a.kind is not AssetKind.COLUMN or a.id in labelled]
    assert sorted(map(place, outline), key=str) == sorted(map(place, wanted), key=str)
    assert 0 < len(labelled) < len(columns)  # the e-mails, not the ids, amounts or notes
    assert len(outline) == 2 + TABLES + len(labelled)  # database, schema, tables, labelled
    assert all(a.profile is None and a.detail == {} and a.name == "" for a in outline)
    assert any(a.profile is not None for a in full)


async def test_undecodable_text_and_blobs_do_not_stop_a_scan(scan_env: Any, tmp_path: Path) -> None:
    # Given a SQLite source whose TEXT column holds invalid UTF-8 and whose BLOBs are
    # arbitrary bytes, next to an ordinary table
    path = tmp_path / "bytes.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE raw (id INTEGER PRIMARY KEY, label TEXT, payload BLOB);
        CREATE TABLE fine (id INTEGER PRIMARY KEY, name TEXT);
        INSERT INTO fine VALUES (1, 'a'), (2, 'b');
        """
    )
    conn.executemany(
        "INSERT INTO raw VALUES (?, CAST(? AS TEXT), ?)",
        [(i, b"caf\xe9 \xff\xfe" + bytes([i]), b"\x00\x80\xff" * i) for i in range(1, 30)],
    )
    conn.commit()
    conn.close()
    source = await scan_env.add_source(f"sqlite:///{path}")

    # When it is scanned
    scan = await scan_env.scan(source)

    # Then the scan succeeds with both tables stored: undecodable cells are profiled
    # as binary, not a crash.
    assert scan.state is RunState.SUCCEEDED, scan.reason
    assert scan.tables_done == 2 and scan.errors == []
    columns = {c.name: c for c in await _assets(scan_env, source, AssetKind.COLUMN)}
    assert columns["label"].profile is not None and columns["label"].profile["count"] == 29
    assert columns["payload"].profile is not None


async def test_a_sqlite_view_whose_table_was_dropped_is_kept_and_its_error_says_so(
    scan_env: Any, tmp_path: Path
) -> None:
    # Given a scanned SQLite source with a view over a table
    path = tmp_path / "views.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE base (id INTEGER PRIMARY KEY, name TEXT);
        INSERT INTO base VALUES (1, 'a');
        CREATE TABLE kept (id INTEGER PRIMARY KEY);
        CREATE VIEW names AS SELECT name FROM base;
        """
    )
    conn.close()
    source = await scan_env.add_source(f"sqlite:///{path}")
    assert (await scan_env.scan(source)).state is RunState.SUCCEEDED

    # When the table is dropped (SQLite keeps the view, broken) and the source scanned
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE base")
    conn.close()
    scan = await scan_env.scan(source)

    # Then the view's error names the cause, not a view gone, and the view stays
    assert scan.state is RunState.SUCCEEDED, scan.reason
    [error] = scan.errors
    assert (error["table"].rsplit(".", 1)[-1], error["reason"]) == ("names", "UNKNOWN"), error
    assert "no such table: main.base" in error["message"], error
    views = await _assets(scan_env, source, AssetKind.VIEW)
    assert [(v.name, v.deleted_at) for v in views] == [("names", None)]
    tables = await _assets(scan_env, source, AssetKind.TABLE)
    assert [t.name for t in tables] == ["kept"]


@pytest.fixture(scope="module")
def big_table() -> Iterator[tuple[str, str]]:
    """A PostgreSQL schema with one 1,000,000-row table, analysed (row estimates)."""
    if not POSTGRES:
        pytest.skip("RACINE_TEST_POSTGRES_URL not set")
    schema = f"rt_big_{uuid.uuid4().hex[:8]}"

    async def run(*statements: str) -> None:
        engine = create_async_engine(POSTGRES)
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
        await engine.dispose()

    asyncio.run(
        run(
            f'CREATE SCHEMA "{schema}"',
            f'CREATE TABLE "{schema}".events (id bigint, email text, amount numeric)',
            f"INSERT INTO \"{schema}\".events SELECT g, 'u' || g || '@example.org', g % 97"
            f" FROM generate_series(1, {BIG_ROWS}) g",
            f'ANALYZE "{schema}".events',
        )
    )
    plain = make_url(POSTGRES).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        yield schema, plain
    finally:
        asyncio.run(run(f'DROP SCHEMA "{schema}" CASCADE'))


statements: list[str] = []


def _observed(url: str) -> Any:
    """``connector_for`` with the SQL it sends recorded (SQLAlchemy's own event)."""
    connector = connector_for(url)
    engine = connector._engine.sync_engine

    @event.listens_for(engine, "before_cursor_execute")
    def _record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    @event.listens_for(engine, "connect")
    def _record_driver(dbapi_connection: Any, _record: Any) -> None:
        # The connector samples PostgreSQL on the asyncpg connection itself.
        driver = dbapi_connection.driver_connection
        if hasattr(driver, "add_query_logger"):
            driver.add_query_logger(lambda logged: statements.append(logged.query))

    return connector


@pytest.fixture
async def scan_env(database_url: str, tmp_path: Path) -> AsyncIterator[Any]:
    """Both metadata dialects (``database_url``), sources built by ``_observed``."""
    statements.clear()
    async with scan_environment(database_url, tmp_path, _observed) as env:
        yield env


async def test_a_large_table_costs_one_bounded_sample(
    scan_env: Any, big_table: tuple[str, str]
) -> None:
    schema, url = big_table
    source = await scan_env.add_source(url, include_schemas=(schema,), sample_size=500)

    # When the million-row table is scanned
    started = time.monotonic()
    scan = await scan_env.scan(source, timeout=90)
    elapsed = time.monotonic() - started

    # Then it is done in bounded time: the sample is one SELECT with a LIMIT, and the
    # row count is the planner's estimate (no COUNT(*) over the table).
    assert scan.state is RunState.SUCCEEDED, scan.reason
    reads = [s for s in statements if "events" in s and "FROM" in s.upper()]
    data_reads = [s for s in reads if "pg_" not in s and "information_schema" not in s]
    assert data_reads, statements
    assert all("LIMIT" in s.upper() for s in data_reads), data_reads
    assert not any("count(" in s.lower() for s in data_reads), data_reads
    [table] = await _assets(scan_env, source, AssetKind.TABLE)
    assert 0.9 * BIG_ROWS <= table.detail["rowCount"] <= 1.1 * BIG_ROWS
    [amount] = [c for c in await _assets(scan_env, source, AssetKind.COLUMN) if c.name == "amount"]
    assert amount.profile["count"] == 500
    assert elapsed < 60, elapsed


async def test_a_due_schedule_starts_a_scan_once_per_tick(scan_env: Any, many_tables: Path) -> None:
    # Given a source scanned hourly, and one without a schedule
    hourly = await scan_env.add_source(f"sqlite:///{many_tables}", schedule="0 * * * *")
    await scan_env.add_source(f"sqlite:///{many_tables}")
    async with scan_env.uow_factory() as uow:
        source = await uow.sources.get(hourly)
    first_tick = source.next_scan_at
    assert first_tick is not None

    # When the clock is before its tick, nothing starts
    before = first_tick - timedelta(seconds=1)
    assert await fire_due_scans(scan_env.uow_factory, scan_env.queue, now=before) == []

    # When the tick has come, exactly that source gets a scan, and its next tick moves on
    now = first_tick + timedelta(seconds=5)
    started = await fire_due_scans(scan_env.uow_factory, scan_env.queue, now=now)
    assert started == [source.name]
    async with scan_env.uow_factory() as uow:
        moved = await uow.sources.get(hourly)
        scans = await uow.sources.scan_page(None, PageRequest(first=10))
    assert _utc(moved.next_scan_at) == _utc(first_tick) + timedelta(hours=1)
    assert [s.source_id for s in scans.items] == [hourly]
    # The same instant again starts nothing more.
    assert await fire_due_scans(scan_env.uow_factory, scan_env.queue, now=now) == []

    # And the started scan runs to success.
    scan = await scan_env.wait(scans.items[0].id)
    assert scan.state is RunState.SUCCEEDED, scan.reason
    assert scan.tables_done == TABLES


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
