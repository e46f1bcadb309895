"""Lineage traversal benchmark.

Builds a layered column graph (``--edges`` edges, each column feeding
``--fanout`` random columns of the next layer) in a fresh database, then times
3-, 5- and 10-hop DOWNSTREAM traversals from random first-layer columns:

* ``graphql``: the ``lineage`` query through the in-process app (HTTP + auth +
  GraphQL + use case + repository, one indexed query per hop, caps on), selecting
  ``nodes { hop asset { id } } edges { sourceId targetId }`` (one object per node/edge);
* ``compact``: the same query selecting the same facts as parallel arrays
  (``compact { nodeIds hops edgeSources edgeTargets }``);
* ``repository``: the same use case called directly (no HTTP/GraphQL), reading
  what the two queries above read (summary assets, edge ids and ends, no edge
  details; on PostgreSQL: the root read and one walk statement);
* ``memory``: BFS over a Python adjacency dict of the same edges (the floor);
* ``cte``: a naive unbounded ``WITH RECURSIVE`` over ``lineage_edges``.

    python -m bench.lineage --edges 1000000 --dialect both
    python -m bench.lineage --edges 1000000 --dialect postgresql --keep   # prints a URL
    python -m bench.lineage --edges 1000000 --database-url URL            # reuses it
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import os
import random
import secrets
import statistics
import tempfile
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.scratch import drop_postgres, fresh_postgres, postgres_url

HOPS = (3, 5, 10)
QUERY = """query($id: ID!, $depth: Int!) {
  lineage(assetId: $id, direction: DOWNSTREAM, depth: $depth, level: COLUMN) {
    truncated nodes { hop asset { id } } edges { sourceId targetId } } }"""
COMPACT = """query($id: ID!, $depth: Int!) {
  lineage(assetId: $id, direction: DOWNSTREAM, depth: $depth, level: COLUMN) {
    truncated compact { nodeIds hops edgeSources edgeTargets } } }"""
CTE = """WITH RECURSIVE reach(id, hop) AS (
  SELECT CAST(:start AS {uuid}), 0
  UNION
  SELECT e.target_id, reach.hop + 1 FROM lineage_edges e JOIN reach ON e.source_id = reach.id
  WHERE reach.hop < :depth)
SELECT COUNT(DISTINCT id) FROM reach"""


def build_graph(
    edges: int, fanout: int, layers: int, seed: int = 7
) -> tuple[list[list[uuid.UUID]], list[tuple[uuid.UUID, uuid.UUID]]]:
    rng = random.Random(seed)
    width = max(1, edges // (fanout * (layers - 1)))
    grid = [
        [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(width)]
        for _ in range(layers)
    ]
    pairs: list[tuple[uuid.UUID, uuid.UUID]] = []
    for layer in range(layers - 1):
        nxt = grid[layer + 1]
        for node in grid[layer]:
            for target in {rng.randrange(width) for _ in range(fanout)}:
                pairs.append((node, nxt[target]))
    return grid, pairs


async def load(
    url: str, grid: list[list[uuid.UUID]], pairs: list[tuple[uuid.UUID, uuid.UUID]]
) -> float:
    started = time.perf_counter()
    now = datetime.now(UTC)
    assets = [
        (i, "COLUMN", "c", f"l{n}.{i.hex}", None, None, 0, None, "{}", "{}", None, now, now, None)
        for n, layer in enumerate(grid)
        for i in layer
    ]
    edges = [
        (
            uuid.uuid4(),
            s,
            t,
            "COLUMN",
            "SQL",
            "DIRECT",
            "IDENTITY",
            False,
            None,
            False,
            "",
            None,
            None,
            now,
            now,
        )
        for s, t in pairs
    ]
    asset_cols = [
        "id",
        "kind",
        "name",
        "qualified_name",
        "source_id",
        "parent_id",
        "position",
        "description",
        "properties",
        "detail",
        "profile",
        "created_at",
        "updated_at",
        "deleted_at",
    ]
    edge_cols = [
        "id",
        "source_id",
        "target_id",
        "level",
        "provenance",
        "transformation_type",
        "transformation_subtype",
        "masking",
        "description",
        "blocked",
        "job_key",
        "job_id",
        "run_id",
        "created_at",
        "updated_at",
    ]
    if url.startswith("postgresql"):
        import asyncpg

        conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        await conn.copy_records_to_table("assets", records=assets, columns=asset_cols)
        await conn.copy_records_to_table("lineage_edges", records=edges, columns=edge_cols)
        # VACUUM, not only ANALYZE: it sets the visibility map, without which the
        # covering edge indexes' index-only scans fetch every edge row from the heap
        # (23,878 heap fetches in a 10-hop walk). A live table has it from
        # autovacuum; this server runs with autovacuum off and the table is fresh.
        await conn.execute("VACUUM (ANALYZE) assets")
        await conn.execute("VACUUM (ANALYZE) lineage_edges")
        await conn.close()
    else:
        import sqlite3

        path = url.split("///", 1)[1]
        with sqlite3.connect(path) as conn:

            def row(values: tuple[Any, ...]) -> tuple[Any, ...]:
                return tuple(
                    v.hex
                    if isinstance(v, uuid.UUID)
                    else v.replace(tzinfo=None).isoformat(" ")
                    if isinstance(v, datetime)
                    else v
                    for v in values
                )

            conn.executemany(
                f"INSERT INTO assets ({','.join(asset_cols)}) VALUES "
                f"({','.join('?' * len(asset_cols))})",
                map(row, assets),
            )
            conn.executemany(
                f"INSERT INTO lineage_edges ({','.join(edge_cols)}) VALUES "
                f"({','.join('?' * len(edge_cols))})",
                map(row, edges),
            )
            conn.execute("ANALYZE")
    return time.perf_counter() - started


async def stored_edges(url: str) -> int:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        count = (await conn.execute(text("SELECT COUNT(*) FROM lineage_edges"))).scalar_one()
    await engine.dispose()
    return int(count)


def load_average() -> str:
    """``uptime``'s three load averages: the machine is shared, numbers need them."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def bfs(
    adjacency: dict[uuid.UUID, list[uuid.UUID]], start: uuid.UUID, depth: int, cap: int = 10_000
) -> int:
    seen = {start}
    frontier = deque([(start, 0)])
    while frontier:
        node, hop = frontier.popleft()
        if hop == depth:
            continue
        for nxt in adjacency.get(node, ()):
            if nxt not in seen:
                if len(seen) >= cap:
                    return len(seen)
                seen.add(nxt)
                frontier.append((nxt, hop + 1))
    return len(seen)


def pct(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms"


async def run(url: str, label: str, args: argparse.Namespace) -> None:
    from racine.app import create_app
    from racine.config import Settings
    from racine.domain.access.model import Principal, Role
    from racine.domain.lineage.graph import Direction
    from racine.domain.lineage.use_cases import LineageQuery, read_lineage
    from racine.persistence.migrate import upgrade
    from racine.schema.relay import encode_id

    await asyncio.to_thread(upgrade, url)
    grid, pairs = build_graph(args.edges, args.fanout, args.layers)
    if await stored_edges(url) == len(pairs):  # --database-url of an earlier --keep run
        loaded = "reused"
    else:
        loaded = f"loaded in {await load(url, grid, pairs):.1f} s"
    print(
        f"\n== {label}: {len(pairs):,} column edges, {sum(map(len, grid)):,} columns "
        f"(fanout {args.fanout}, {args.layers} layers), {loaded}; load average "
        f"{load_average()}"
    )
    adjacency: dict[uuid.UUID, list[uuid.UUID]] = {}
    for s, t in pairs:
        adjacency.setdefault(s, []).append(t)
    # The generated graph and the BFS floor's dict are millions of Python objects
    # that a server would not hold: frozen, the collector stops rescanning them at
    # every full collection (which otherwise added hundreds of ms to any request
    # allocating ~30,000 objects, the 10-hop ones).
    gc.collect()
    gc.freeze()
    rng = random.Random(11)
    starts = [rng.choice(grid[0]) for _ in range(args.runs)]
    # what both GraphQL queries need: summary assets, edge ids and ends only (older
    # trees, run for a same-run baseline, have no edge_details flag)
    bare = (
        {"edge_details": False}
        if "edge_details" in {f.name for f in dataclasses.fields(LineageQuery)}
        else {}
    )
    token = "rcn_" + secrets.token_urlsafe(32)
    settings = Settings(
        database_url=url,
        bootstrap_token=token,
        data_dir=tempfile.mkdtemp(),
        secret_key="bench-secret-key-0123456789",
        log_json=False,
        graphiql=False,
    )
    app = create_app(settings)
    engine = create_async_engine(url)
    uuid_type = "uuid" if url.startswith("postgresql") else "CHAR(32)"
    async with LifespanManager(app, startup_timeout=120):
        gc.freeze()  # the app's start-up heap too, whether or not the app froze it itself
        runtime = app.state.runtime
        if runtime.bootstrap_secret is None:  # a reused database: its admin exists
            token = await reader_token(runtime)
        actor = Principal(uuid.uuid4(), "bench", Role.VIEWER)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench",
            timeout=120,
            headers={"authorization": f"Bearer {token}"},
        ) as http:
            for depth in HOPS:
                timings: dict[str, list[float]] = {
                    "graphql": [],
                    "compact": [],
                    "repository": [],
                    "memory": [],
                    "cte": [],
                }
                reached: list[int] = []
                truncated = 0
                for start in starts:
                    t0 = time.perf_counter()
                    body = (
                        await http.post(
                            "/graphql",
                            json={
                                "query": QUERY,
                                "variables": {"id": encode_id("Asset", start), "depth": depth},
                            },
                        )
                    ).json()
                    timings["graphql"].append(time.perf_counter() - t0)
                    assert not body.get("errors"), body
                    reached.append(len(body["data"]["lineage"]["nodes"]))
                    truncated += body["data"]["lineage"]["truncated"]
                    t0 = time.perf_counter()
                    packed = (
                        await http.post(
                            "/graphql",
                            json={
                                "query": COMPACT,
                                "variables": {"id": encode_id("Asset", start), "depth": depth},
                            },
                        )
                    ).json()
                    timings["compact"].append(time.perf_counter() - t0)
                    assert not packed.get("errors"), packed
                    graph = packed["data"]["lineage"]["compact"]
                    assert len(graph["nodeIds"]) == reached[-1], (len(graph["nodeIds"]), reached)
                    assert len(graph["edgeSources"]) == len(body["data"]["lineage"]["edges"])
                    t0 = time.perf_counter()
                    await read_lineage(
                        runtime.uow(),
                        actor,
                        LineageQuery(start, Direction.DOWNSTREAM, depth, summary=True, **bare),
                    )
                    timings["repository"].append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    bfs(adjacency, start, depth)
                    timings["memory"].append(time.perf_counter() - t0)
                    if depth <= args.cte_max_depth:
                        t0 = time.perf_counter()
                        async with engine.connect() as conn:
                            await conn.execute(
                                text(CTE.format(uuid=uuid_type)),
                                {
                                    "start": start if url.startswith("postgresql") else start.hex,
                                    "depth": depth,
                                },
                            )
                        timings["cte"].append(time.perf_counter() - t0)
                print(
                    f"{depth:2d} hops: nodes reached median {statistics.median(reached):,.0f} "
                    f"max {max(reached):,} (truncated {truncated}/{len(starts)})"
                )
                for name, values in timings.items():
                    if values:
                        print(f"   {name:10s} {pct(values)}")
            if args.profile:
                await profile(
                    http,
                    starts,
                    args.profile,
                    encode_id,
                    COMPACT if args.profile_compact else QUERY,
                )
    await engine.dispose()


async def reader_token(runtime: Any) -> str:
    """A fresh VIEWER token (the bootstrap token works on an empty database only)."""
    from racine.domain.access.model import Principal, Role, User
    from racine.domain.access.use_cases import CreateToken, create_token

    async with runtime.uow() as uow:
        user = User(name=f"bench-{secrets.token_hex(4)}", role=Role.VIEWER)
        await uow.users.add(user)
        await uow.commit()
    issued = await create_token(
        runtime.uow(), Principal.system(), CreateToken(name="bench", user_id=user.id)
    )
    return str(issued.secret)


async def profile(
    http: httpx.AsyncClient, starts: list[uuid.UUID], depth: int, encode_id: Any, query: str
) -> None:
    """Profile the GraphQL path at one depth by CPU time (cProfile with a process-time
    clock: on a shared, loaded machine wall-clock samples mostly measure waiting)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time)
    started = time.process_time()
    profiler.enable()
    for start in starts:
        await http.post(
            "/graphql",
            json={"query": query, "variables": {"id": encode_id("Asset", start), "depth": depth}},
        )
    profiler.disable()
    print(
        f"\nprofile: {len(starts)} queries at {depth} hops, "
        f"{(time.process_time() - started) * 1000 / len(starts):.1f} ms CPU each (profiled)"
    )
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--fanout", type=int, default=3)
    parser.add_argument("--layers", type=int, default=25)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--cte-max-depth",
        type=int,
        default=10,
        help="skip the naive CTE beyond this depth (it explodes)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="DEPTH",
        help="after timing, profile the GraphQL query at this depth",
    )
    parser.add_argument(
        "--profile-compact",
        action="store_true",
        help="profile the compact query instead of the object one",
    )
    parser.add_argument("--dialect", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument(
        "--postgres-url",
        default=postgres_url(),
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated database and print its URL"
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="run on this database (e.g. one kept by --keep); the graph is "
        "generated again in memory and loaded only if the edge count differs",
    )
    args = parser.parse_args()
    if args.database_url:  # an earlier --keep database: the graph is reused if complete
        label = "PostgreSQL" if args.database_url.startswith("postgresql") else "SQLite"
        await run(args.database_url, label, args)
        return
    if args.dialect in ("postgresql", "both"):
        if not args.postgres_url:
            raise SystemExit("set --postgres-url or RACINE_TEST_POSTGRES_URL")
        url = await fresh_postgres(args.postgres_url)
        try:
            await run(url, "PostgreSQL", args)
        finally:
            if args.keep:
                print(f"kept: --database-url {url}")
            else:
                await drop_postgres(args.postgres_url, url)
    if args.dialect in ("sqlite", "both"):
        folder = tempfile.mkdtemp() if args.keep else None
        with tempfile.TemporaryDirectory() as scratch:
            url = f"sqlite+aiosqlite:///{folder or scratch}/bench.db"
            await run(url, "SQLite", args)
            if args.keep:
                print(f"kept: --database-url {url}")


if __name__ == "__main__":
    asyncio.run(main())
