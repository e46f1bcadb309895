"""Benchmark: all five frameworks over a synthetic catalog on PostgreSQL.

    python -m bench.compliance [--columns 100000] [--url postgresql+asyncpg://...]

Creates a scratch database, migrates it, writes a catalog of ``--columns``
columns (20 per table, 5 sources, ~16% classified, lineage between tables),
then measures in the same run:

* baseline — one pass that only reads the same metadata the evaluator reads
  (the six SELECTs of ``load_facts``, rows fetched, no domain objects built);
* load — ``ComplianceRepository.load_facts`` (the facts snapshot);
* evaluate — every check of the five packs over that snapshot, in memory;
* first / steady — ``run_evaluation`` end to end (load, evaluate, reconcile,
  write findings, tallies, scores, incidents, alerts, commit), on an empty
  findings table and again on an unchanged catalog.

``--repeat N`` measures every phase N times on the same catalog (findings,
incidents, tallies, deliveries and evaluations are emptied between rounds, so
each round's "first" is a real first run), each round against its own
baseline, with the load average printed for each round: the machine is shared.
``--keep NAME`` keeps the scratch database (and reuses it when it exists) for
profiling the phases on the same catalog.

Statements are counted with a SQLAlchemy ``before_cursor_execute`` listener,
plus each COPY (sent through the asyncpg connection, which that listener does
not see) as one. The scratch database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from racine.domain.compliance.evaluation import evaluate_snapshot, run_evaluation
from racine.domain.compliance.model import EvaluationRun
from racine.domain.compliance.packs import shipped_packs
from racine.persistence.database import Database
from racine.persistence.migrate import upgrade
from racine.persistence.tables.access import UserRow
from racine.persistence.tables.catalog import (
    AssetOwnerRow,
    AssetRow,
    AssetTagRow,
    ColumnClassificationRow,
)
from racine.persistence.tables.lineage import LineageEdgeRow
from racine.persistence.tables.sources import DataSourceRow
from racine.persistence.unit_of_work import SqlUnitOfWork
from racine.realtime import build_bus

FRAMEWORKS = ["GDPR", "CCPA", "HIPAA", "PCI_DSS", "SOC2"]
TYPES = [
    "EMAIL",
    "PHONE",
    "PERSON_NAME",
    "STREET_ADDRESS",
    "DATE_OF_BIRTH",
    "US_SSN",
    "CREDIT_CARD",
    "IBAN",
    "SALARY",
    "ICD10_CODE",
    "PASSWORD_HASH",
    "IP_ADDRESS",
]
READS = [
    "SELECT id, kind, name, qualified_name, source_id, parent_id, properties FROM assets "
    "WHERE deleted_at IS NULL AND kind IN ('DATA_SOURCE','DATABASE','SCHEMA','TABLE','VIEW',"
    "'COLUMN')",
    "SELECT asset_id, tag FROM asset_tags",
    "SELECT asset_id, user_id FROM asset_owners",
    "SELECT asset_id, type_key FROM column_classifications WHERE state != 'REJECTED'",
    "SELECT source_id, target_id FROM lineage_edges WHERE blocked IS false",
    "SELECT id, name FROM data_sources",
]


def now() -> datetime:
    return datetime.now(UTC)


def catalog(columns: int, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    t0 = now()
    rows: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("users", "sources", "assets", "tags", "owners", "labels", "edges")
    }
    owner = uuid.uuid4()
    rows["users"].append(
        {
            "id": owner,
            "name": "owner",
            "role": "STEWARD",
            "display_name": None,
            "email": None,
            "disabled": False,
            "created_at": t0,
        }
    )
    per_table, n_sources = 20, 5
    tables_total = max(1, columns // per_table)
    table_ids: list[uuid.UUID] = []
    column_ids: list[uuid.UUID] = []

    def asset(
        kind: str,
        name: str,
        qn: str,
        source: uuid.UUID,
        parent: uuid.UUID | None,
        props: dict[str, Any] | None = None,
        ident: uuid.UUID | None = None,
        position: int = 0,
    ) -> uuid.UUID:
        i = ident or uuid.uuid4()
        rows["assets"].append(
            {
                "id": i,
                "kind": kind,
                "name": name,
                "qualified_name": qn,
                "source_id": source,
                "parent_id": parent,
                "position": position,
                "description": None,
                "properties": props or {},
                "detail": {},
                "profile": None,
                "created_at": t0,
                "updated_at": t0,
                "deleted_at": None,
            }
        )
        return i

    for s in range(n_sources):
        sid = uuid.uuid4()
        name = f"src{s}"
        props = {"hipaa_covered": True} if s == 0 else {}
        rows["sources"].append(
            {
                "id": sid,
                "name": name,
                "engine": "postgresql",
                "display_url": "postgresql://x",
                "secret": "-",
                "has_credentials": False,
                "description": None,
                "rule_set_id": None,
                "schedule": None,
                "next_scan_at": None,
                "created_by": None,
                "created_at": t0,
                "updated_at": t0,
            }
        )
        asset("DATA_SOURCE", name, name, sid, None, props, ident=sid)
        if s % 2 == 0:
            rows["owners"].append({"asset_id": sid, "user_id": owner})
        schema = asset("SCHEMA", "public", f"{name}.public", sid, sid)
        for t in range(tables_total // n_sources):
            props = {}
            if rng.random() < 0.6:
                props = {
                    "purpose": "analytics",
                    "retention_days": 365,
                    "allowed_roles": ["clinician"],
                    "last_access_review": (t0 - timedelta(days=rng.randint(1, 180)))
                    .date()
                    .isoformat(),
                }
            table = asset("TABLE", f"t{t}", f"{name}.public.t{t}", sid, schema, props)
            table_ids.append(table)
            if rng.random() < 0.5:
                rows["owners"].append({"asset_id": table, "user_id": owner})
            for c in range(per_table):
                col = asset("COLUMN", f"c{c}", f"{name}.public.t{t}.c{c}", sid, table, position=c)
                column_ids.append(col)
                if rng.random() < 0.16:
                    rows["labels"].append(
                        {
                            "asset_id": col,
                            "type_key": rng.choice(TYPES),
                            "state": "CONFIRMED",
                            "source": "RULE",
                            "confidence": 0.95,
                            "evidence": {},
                            "actor_id": None,
                            "updated_at": t0,
                        }
                    )
                    if rng.random() < 0.5:
                        rows["tags"].append(
                            {
                                "asset_id": col,
                                "tag": rng.choice(["masked", "encrypted", "hashed", "pii"]),
                            }
                        )
    for _ in range(len(table_ids) // 2):
        a, b = rng.sample(column_ids, 2)
        rows["edges"].append(
            {
                "id": uuid.uuid4(),
                "source_id": a,
                "target_id": b,
                "level": "COLUMN",
                "provenance": "SQL",
                "transformation_type": "DIRECT",
                "transformation_subtype": None,
                "masking": False,
                "description": None,
                "blocked": False,
                "job_key": str(uuid.uuid4()),
                "job_id": None,
                "run_id": None,
                "created_at": t0,
                "updated_at": t0,
            }
        )
    return rows


async def load_catalog(url: str, rows: dict[str, list[dict[str, Any]]]) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for table, key in (
            (UserRow, "users"),
            (DataSourceRow, "sources"),
            (AssetRow, "assets"),
            (AssetTagRow, "tags"),
            (AssetOwnerRow, "owners"),
            (ColumnClassificationRow, "labels"),
            (LineageEdgeRow, "edges"),
        ):
            items = rows[key]
            for i in range(0, len(items), 5000):
                await conn.execute(insert(table), items[i : i + 5000])
        await conn.execute(text("ANALYZE"))
    await engine.dispose()


async def baseline(url: str) -> tuple[float, int]:
    """The raw reads: same six statements, rows fetched by asyncpg, nothing built."""
    import asyncpg

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(plain)
    try:
        started = time.perf_counter()
        count = 0
        for sql in READS:
            count += len(await conn.fetch(sql))
        return time.perf_counter() - started, count
    finally:
        await conn.close()


class Counter:
    def __init__(self, db: Database) -> None:
        import asyncpg

        self.n = 0
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._hit)
        copy = asyncpg.Connection.copy_records_to_table

        async def counted(conn: Any, *args: Any, **kwargs: Any) -> Any:
            self.n += 1
            return await copy(conn, *args, **kwargs)

        asyncpg.Connection.copy_records_to_table = counted  # type: ignore[method-assign]

    def _hit(self, *args: Any) -> None:
        self.n += 1

    def take(self) -> int:
        n, self.n = self.n, 0
        return n


async def shape_of(url: str) -> dict[str, Any]:
    """The kept catalog's shape (when reusing one)."""
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        out = {
            "columns": await conn.scalar(text("SELECT count(*) FROM assets WHERE kind = 'COLUMN'")),
            "assets": await conn.scalar(text("SELECT count(*) FROM assets")),
            "labels": await conn.scalar(text("SELECT count(*) FROM column_classifications")),
            "edges": await conn.scalar(text("SELECT count(*) FROM lineage_edges")),
            "setup_s": 0.0,
        }
    await engine.dispose()
    return out


async def measure(url: str, columns: int, repeat: int, fresh: bool = True) -> dict[str, Any]:
    if fresh:
        rows = catalog(columns)
        started = time.perf_counter()
        await load_catalog(url, rows)
        setup_s = time.perf_counter() - started
        shape = {
            "columns": sum(1 for a in rows["assets"] if a["kind"] == "COLUMN"),
            "assets": len(rows["assets"]),
            "labels": len(rows["labels"]),
            "edges": len(rows["edges"]),
            "setup_s": setup_s,
        }
        del rows
    else:
        shape = await shape_of(url)
    gc.collect()  # measure in a process that no longer holds the generated catalog
    db = Database(url)
    bus = build_bus(None)
    counter = Counter(db)

    def uow() -> Any:
        return SqlUnitOfWork(db, bus)

    out: dict[str, Any] = dict(shape)
    out["rounds"] = []
    await baseline(url)  # warm the server's caches for both sides alike
    for _ in range(repeat):
        r: dict[str, Any] = {"load_before": os.getloadavg()[0]}
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "TRUNCATE compliance_findings, incidents, compliance_tallies, "
                    "webhook_deliveries, compliance_evaluations"
                )
            )
        timings = [await baseline(url) for _ in range(3)]
        r["baseline_s"], r["baseline_rows"] = min(timings)
        counter.take()
        started = time.perf_counter()
        async with uow() as u:
            facts = await u.compliance.load_facts()
        r["load_s"] = time.perf_counter() - started
        r["load_queries"] = counter.take()
        packs = shipped_packs(FRAMEWORKS)
        started = time.perf_counter()
        result = evaluate_snapshot(facts, packs, None)
        r["evaluate_s"] = time.perf_counter() - started
        out["checks_evaluated"] = sum(t.evaluated for t in result.tallies.values())
        out["violations"] = len(result.violations)
        del facts, result
        for label in ("first", "steady"):
            run = EvaluationRun(frameworks=FRAMEWORKS, source_ids=None)
            async with uow() as u:
                await u.compliance.add_run(run)
                await u.commit()
            counter.take()
            started = time.perf_counter()
            outcome = await run_evaluation(uow, run.id)
            r[f"{label}_s"] = time.perf_counter() - started
            r[f"{label}_queries"] = counter.take()
            r[f"{label}_counts"] = outcome.run.counts
        r["load_after"] = os.getloadavg()[0]
        out["rounds"].append(r)
    await db.dispose()
    return out


async def main(url: str, columns: int, repeat: int, keep: str | None = None) -> None:
    base = make_url(url)
    name = keep or f"racine_bench_{secrets.token_hex(3)}"
    admin = create_async_engine(
        base.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as conn:
        exists = keep is not None and bool(
            await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        )
        if not exists:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    scratch = base.set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(upgrade, scratch)
        out = await measure(scratch, columns, repeat, fresh=not exists)
    finally:
        if keep is None:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()
    print(
        f"catalog: {out['columns']} columns, {out['assets']} assets, {out['labels']} labels, "
        f"{out['edges']} lineage edges (written in {out['setup_s']:.1f}s)"
    )
    print(f"checks evaluated: {out['checks_evaluated']}, violations: {out['violations']}")
    for i, r in enumerate(out["rounds"], 1):
        b = r["baseline_s"]
        print(f"\nround {i} (load average {r['load_before']:.2f} -> {r['load_after']:.2f})")
        print(f"{'phase':<44}{'seconds':>9}{'x baseline':>12}{'queries':>9}")
        lines = [
            ("baseline: raw reads of the same metadata", b, 6),
            ("load_facts (facts snapshot)", r["load_s"], r["load_queries"]),
            ("load_facts + evaluate five packs", r["load_s"] + r["evaluate_s"], r["load_queries"]),
            ("run_evaluation, first (writes findings)", r["first_s"], r["first_queries"]),
            ("run_evaluation, steady state", r["steady_s"], r["steady_queries"]),
        ]
        for label, seconds, queries in lines:
            print(f"{label:<44}{seconds:>9.2f}{seconds / b:>12.2f}{queries:>9}")
        print(f"first run counts: {r['first_counts']}")
        print(f"steady run counts: {r['steady_counts']}")
    if len(out["rounds"]) > 1:
        print("\nover all rounds (x baseline of the same round): min / median / max")
        for key in ("load", "first", "steady"):
            ratios = sorted(r[f"{key}_s"] / r["baseline_s"] for r in out["rounds"])
            print(f"  {key:<8}{ratios[0]:>6.2f}{ratios[len(ratios) // 2]:>8.2f}{ratios[-1]:>8.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=100_000)
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds on the same catalog, each against its own baseline",
    )
    parser.add_argument(
        "--url",
        default=os.environ.get(
            "RACINE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument(
        "--keep",
        metavar="NAME",
        help=(
            "keep the scratch database under this name (reused, catalog and all, when it "
            "exists; --columns is then ignored); dropped otherwise"
        ),
    )
    args = parser.parse_args()
    asyncio.run(main(args.url, args.columns, args.repeat, args.keep))
