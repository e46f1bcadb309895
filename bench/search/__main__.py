"""Search benchmark: a search with its facets, as the ``search`` query runs it, against
the database's own full-text match alone.

Builds a catalog of one source with ``--tables`` tables of 20 columns (21 assets each,
plus the source, its database and schema) in a fresh metadata database, indexes it
for search as a scan does, refreshes the planner's statistics as a scan that adds
that many tables does, then times, for queries matching every asset, about half,
one in 21, one table and its columns, and none:

* ``search``: ``CatalogRepository.search`` (first 20 hits, ranked, with highlights)
  and ``facets`` in one unit of work, what the ``search`` resolver calls;
* ``match``: the baseline, a bare ``count(*)`` of the full-text matches
  (PostgreSQL: ``document @@ to_tsquery``; SQLite: ``asset_fts MATCH``), the floor
  any search with a total count pays;
* ``name filter``: ``assets(filter: {kinds: [COLUMN], name: "EMAIL"})`` (one column
  per table, matched in any case), a page of 20 with its total count.

    python -m bench.search --tables 1000 --dialect both
    python -m bench.search --tables 5000 --dialect postgresql

PostgreSQL: ``RACINE_BENCH_POSTGRES_URL`` (or ``RACINE_TEST_POSTGRES_URL``); the
database is created on that server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.scratch import drop_postgres, fresh_postgres, postgres_url


def _queries(tables: int) -> dict[str, str]:
    return {
        "all": "shop",  # the source's name: in every qualified name
        "half": "c1",  # c1, c10-c19 of every table, and the tables listing them
        "one in 21": "email",  # one column per table
        "one table": f"t{tables // 2:04d}",  # a table and its columns
        "none": "nothing_here",
    }


WORDS = ["orders", "customer", "invoice", "payment", "ledger", "region", "product", "stock"]


def _assets(tables: int) -> list[Any]:
    from racine.domain.catalog.model import Asset, AssetKind

    source = uuid.uuid4()
    root = Asset(kind=AssetKind.DATA_SOURCE, name="shop", qualified_name="shop", source_id=source)
    database = Asset(
        kind=AssetKind.DATABASE,
        name="shop",
        qualified_name="shop.shop",
        source_id=source,
        parent_id=root.id,
    )
    schema = Asset(
        kind=AssetKind.SCHEMA,
        name="public",
        qualified_name="shop.shop.public",
        source_id=source,
        parent_id=database.id,
    )
    out = [root, database, schema]
    for t in range(tables):
        name = f"t{t:04d}"
        table = Asset(
            kind=AssetKind.TABLE,
            name=name,
            qualified_name=f"{schema.qualified_name}.{name}",
            source_id=source,
            parent_id=schema.id,
            description=f"{WORDS[t % len(WORDS)]} records of {WORDS[(t // 8) % len(WORDS)]}",
        )
        out.append(table)
        for position, column in enumerate(["email", *(f"c{i}" for i in range(1, 20))], 1):
            out.append(
                Asset(
                    kind=AssetKind.COLUMN,
                    name=column,
                    qualified_name=f"{table.qualified_name}.{column}",
                    source_id=source,
                    parent_id=table.id,
                    position=position,
                    detail={"dataType": "TEXT"},
                )
            )
    return out


async def _build(url: str, tables: int) -> None:
    from racine.persistence.database import Database
    from racine.persistence.migrate import upgrade
    from racine.persistence.unit_of_work import SqlUnitOfWork
    from racine.realtime import build_bus

    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    bus = build_bus(None)
    try:
        assets = _assets(tables)
        for first in range(0, len(assets), 2000):
            async with SqlUnitOfWork(db, bus) as uow:
                batch = assets[first : first + 2000]
                await uow.catalog.save_many(batch, [])
                await uow.commit()
        for first in range(0, len(assets), 2000):
            async with SqlUnitOfWork(db, bus) as uow:
                await uow.catalog.reindex([a.id for a in assets[first : first + 2000]])
                await uow.commit()
        async with SqlUnitOfWork(db, bus) as uow:
            await uow.catalog.refresh_statistics()
            await uow.commit()
    finally:
        await db.dispose()


async def _time(url: str, tables: int, repeat: int) -> dict[str, dict[str, Any]]:
    from sqlalchemy import text

    from racine.domain.catalog.search import SearchQuery
    from racine.domain.paging import PageRequest
    from racine.persistence.database import Database
    from racine.persistence.unit_of_work import SqlUnitOfWork
    from racine.realtime import build_bus

    db = Database(url)
    bus = build_bus(None)
    postgres = url.startswith("postgresql")
    match = (
        "SELECT count(*) FROM asset_search WHERE document @@ to_tsquery('simple', :q)"
        if postgres
        else "SELECT count(*) FROM asset_fts WHERE asset_fts MATCH :q"
    )
    out: dict[str, dict[str, Any]] = {}
    try:
        for label, word in _queries(tables).items():
            q = SearchQuery(word)
            pattern = f"'{word}':*" if postgres else f'"{word}"*'
            searches, matches, total = [], [], 0
            for _ in range(repeat + 1):  # the first warms the caches, and is dropped
                async with SqlUnitOfWork(db, bus) as uow:
                    started = time.perf_counter()
                    page = await uow.catalog.search(q, PageRequest(first=20))
                    await uow.catalog.facets(q)
                    searches.append(time.perf_counter() - started)
                    total = page.total_count
                    started = time.perf_counter()
                    await uow.session.execute(text(match), {"q": pattern})
                    matches.append(time.perf_counter() - started)
            search_ms = statistics.median(searches[1:]) * 1000
            match_ms = statistics.median(matches[1:]) * 1000
            out[label] = {
                "query": word,
                "matches": total,
                "search_ms": round(search_ms, 1),
                "match_ms": round(match_ms, 1),
                "ratio": round(search_ms / max(match_ms, 0.01), 1),
            }
        # ``assets(filter: {kinds: [COLUMN], name:})``: one column per table, by name
        # in any case (migration 0020's index), a page of 20 and the total count.
        from racine.domain.catalog.model import AssetFilter, AssetKind

        wanted = AssetFilter(kinds=(AssetKind.COLUMN,), name="EMAIL")
        filters = []
        for _ in range(repeat + 1):
            async with SqlUnitOfWork(db, bus) as uow:
                started = time.perf_counter()
                listed = await uow.catalog.page(wanted, PageRequest(first=20))
                filters.append(time.perf_counter() - started)
        out["name filter"] = {
            "query": "assets(filter: {kinds: [COLUMN], name: EMAIL})",
            "matches": listed.total_count,
            "list_ms": round(statistics.median(filters[1:]) * 1000, 1),
        }
    finally:
        await db.dispose()
    return out


async def _run(dialect: str, tables: int, repeat: int) -> dict[str, Any]:
    started = time.perf_counter()
    if dialect == "sqlite":
        folder = Path(tempfile.mkdtemp())
        try:
            url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
            await _build(url, tables)
            built = time.perf_counter() - started
            return {"build_s": round(built, 1), "queries": await _time(url, tables, repeat)}
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    server = postgres_url()
    url = await fresh_postgres(server)
    try:
        await _build(url, tables)
        built = time.perf_counter() - started
        return {"build_s": round(built, 1), "queries": await _time(url, tables, repeat)}
    finally:
        await drop_postgres(server, url)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search")
    parser.add_argument("--tables", type=int, default=1000, help="tables of 20 columns")
    parser.add_argument("--dialect", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per query")
    args = parser.parse_args()
    dialects = ["sqlite", "postgresql"] if args.dialect == "both" else [args.dialect]
    if "postgresql" in dialects and not postgres_url():
        parser.error("set RACINE_BENCH_POSTGRES_URL (postgresql+asyncpg://…) or --dialect sqlite")
    report: dict[str, Any] = {"tables": args.tables, "assets": args.tables * 21 + 3}
    for dialect in dialects:
        report[dialect] = asyncio.run(_run(dialect, args.tables, args.repeat))
    report["load_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=2), flush=True)


if __name__ == "__main__":
    main()
