"""Quality assertions against real sources (SQLite file; PostgreSQL when available)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import uuid
from pathlib import Path
from typing import Any

import pytest

from racine.connectors import connector_for
from racine.domain.errors import ValidationFailed
from racine.domain.events import Channels
from racine.domain.incidents.model import CauseKind, IncidentStage
from racine.domain.paging import PageRequest
from racine.domain.quality.model import AssertionKind, ResultStatus
from racine.domain.quality.sources import source_opener
from racine.domain.quality.use_cases import CreateAssertion, create_assertion, run_assertions
from racine.domain.scanning.sources import SaveDataSource, create_data_source

pytestmark = pytest.mark.usefixtures("dialect")


def opener(env: Any) -> Any:
    return source_opener(env.uow, env.cipher, lambda url: connector_for(url, statement_timeout_s=5))


async def check(env: Any, asset: uuid.UUID, kind: AssertionKind, **params: Any) -> Any:
    a = await create_assertion(env.uow(), env.admin, CreateAssertion(asset, kind, params))
    outcome = await run_assertions(env.uow, opener(env), [a.id], env.admin)
    return a, outcome.results[0]


async def test_every_kind_runs_on_sqlite(env, shop, shop_db: Path) -> None:
    digest = hashlib.sha256(shop_db.read_bytes()).hexdigest()
    ids = shop.ids
    cases = [
        (ids["employees.email"], AssertionKind.NOT_NULL, {}, ResultStatus.FAIL, 5),
        (ids["payments.card_number"], AssertionKind.NOT_NULL, {}, ResultStatus.PASS, 0),
        (ids["payments.card_number"], AssertionKind.UNIQUE, {}, ResultStatus.PASS, 0),
        (
            ids["payments.status"],
            AssertionKind.ACCEPTED_VALUES,
            {"values": ["paid"]},
            ResultStatus.FAIL,
            8,
        ),
        (ids["payments.amount"], AssertionKind.RANGE, {"min": 0, "max": 550}, ResultStatus.FAIL, 5),
        (
            ids["payments.card_number"],
            AssertionKind.REGEX,
            {"pattern": r"^4\d{15}$"},
            ResultStatus.PASS,
            0,
        ),
        (ids["employees.code"], AssertionKind.REGEX, {"pattern": "^a+$"}, ResultStatus.FAIL, 1),
    ]
    for asset, kind, params, status, violations in cases:
        _, result = await check(env, asset, kind, **params)
        assert (kind, result.status) == (kind, status), result
        assert result.observed["violations"] == violations, (kind, result.observed)
    _, rows = await check(env, ids["payments"], AssertionKind.ROW_COUNT, min=1, max=50)
    assert rows.status is ResultStatus.FAIL and rows.observed["rowCount"] == 60
    _, fresh = await check(
        env, ids["payments.paid_at"], AssertionKind.FRESHNESS, max_age_seconds=3600
    )
    assert fresh.status is ResultStatus.PASS  # the newest value is in the future
    _, schema = await check(env, ids["payments"], AssertionKind.SCHEMA)
    assert schema.status is ResultStatus.PASS  # snapshot of the catalog's columns
    _, custom = await check(
        env,
        ids["payments"],
        AssertionKind.CUSTOM_SQL,
        sql="SELECT COUNT(*) FROM payments WHERE amount > 500",
    )
    assert custom.status is ResultStatus.FAIL and custom.observed["violations"] == 10
    # The source was only read.
    assert hashlib.sha256(shop_db.read_bytes()).hexdigest() == digest


async def test_identifiers_are_quoted(env, tmp_path: Path, catalog_builder) -> None:
    import sqlite3

    path = tmp_path / "odd.db"
    conn = sqlite3.connect(path)
    conn.execute('CREATE TABLE "order" ("select" TEXT, "e""mail" TEXT)')
    conn.executemany('INSERT INTO "order" VALUES (?, ?)', [("x", None), (None, "a"), ("y", "b")])
    conn.commit()
    conn.close()
    source = await create_data_source(
        env.uow(),
        env.admin,
        env.cipher,
        SaveDataSource(name=f"odd{secrets.token_hex(3)}", url=f"sqlite:///{path}"),
    )
    ids = await catalog_builder(
        env, source.id, source.name, {"order": {"select": ("TEXT", []), 'e"mail': ("TEXT", [])}}
    )
    _, a = await check(env, ids["order.select"], AssertionKind.NOT_NULL)
    _, b = await check(env, ids['order.e"mail'], AssertionKind.NOT_NULL)
    assert (a.observed, b.observed) == (
        {"total": 3, "violations": 1},
        {"total": 3, "violations": 1},
    )
    assert '"order"' in (a.statement or "") and '"e""mail"' in (b.statement or "")


async def test_writing_custom_sql_is_refused(env, shop) -> None:
    for sql in (
        "DELETE FROM payments",
        "SELECT 1; DROP TABLE payments",
        "UPDATE payments SET amount = 0",
        "CREATE TABLE x (a INT)",
        "WITH d AS (DELETE FROM payments RETURNING *) SELECT COUNT(*) FROM d",
        "SELECT * FROM payments FOR UPDATE",
    ):
        with pytest.raises(ValidationFailed) as err:
            await create_assertion(
                env.uow(),
                env.admin,
                CreateAssertion(shop.ids["payments"], AssertionKind.CUSTOM_SQL, {"sql": sql}),
            )
        assert err.value.field == "params.sql"


async def test_bad_params_are_typed_errors(env, shop) -> None:
    with pytest.raises(ValidationFailed, match="Extra inputs"):
        await create_assertion(
            env.uow(),
            env.admin,
            CreateAssertion(
                shop.ids["payments.amount"], AssertionKind.RANGE, {"min": 0, "maxx": 3}
            ),
        )
    with pytest.raises(ValidationFailed, match="regular expression"):
        await create_assertion(
            env.uow(),
            env.admin,
            CreateAssertion(
                shop.ids["payments.status"], AssertionKind.REGEX, {"pattern": "(unclosed"}
            ),
        )
    with pytest.raises(ValidationFailed, match="applies to a column"):
        await create_assertion(
            env.uow(), env.admin, CreateAssertion(shop.ids["payments"], AssertionKind.NOT_NULL, {})
        )


async def test_a_backtracking_regex_errors_without_blocking(env, shop, no_loop_block) -> None:
    a = await create_assertion(
        env.uow(),
        env.admin,
        CreateAssertion(shop.ids["employees.code"], AssertionKind.REGEX, {"pattern": "^(a|a)*$"}),
    )
    outcome, stall = await no_loop_block(run_assertions(env.uow, opener(env), [a.id], env.admin))
    result = outcome.results[0]
    assert result.status is ResultStatus.ERROR
    assert "backtracking" in (result.message or "")
    assert stall < 0.5


async def test_failing_assertion_opens_one_incident_and_passing_fixes_it(env, shop) -> None:
    a = await create_assertion(
        env.uow(),
        env.admin,
        CreateAssertion(shop.ids["employees.email"], AssertionKind.NOT_NULL, {}),
    )
    for _ in range(2):
        await run_assertions(env.uow, opener(env), [a.id], env.admin)
    async with env.uow() as uow:
        open_ = await uow.incidents.open_for_causes(CauseKind.ASSERTION, [a.id])
        page = await uow.quality.results_page(a.id, PageRequest(first=10))
    incident = open_[a.id]
    assert incident.occurrences == 2 and incident.stage is IncidentStage.TRIAGE
    assert shop.ids["employees.email"] in incident.asset_ids
    assert page.total_count == 2
    alerts = [e.type for e in env.bus.events if e.channel == Channels.ALERTS]
    assert alerts.count("INCIDENT_OPENED") == 1 and alerts.count("ASSERTION_FAILED") == 2
    # When the threshold is relaxed to tolerate the nulls, the next run passes
    async with env.uow() as uow:
        from sqlalchemy import update

        from racine.persistence.tables.quality import AssertionRow

        await uow.session.execute(
            update(AssertionRow)
            .where(AssertionRow.id == a.id)
            .values(params={"max_violations": 10})
        )
        await uow.commit()
    outcome = await run_assertions(env.uow, opener(env), [a.id], env.admin)
    assert outcome.results[0].status is ResultStatus.PASS
    async with env.uow() as uow:
        fixed = await uow.incidents.get(incident.id)
    assert fixed.stage is IncidentStage.FIXED and fixed.resolution == "assertion passes"


@pytest.fixture
async def pg_source(env, dialect: str) -> Any:
    url = os.environ.get("RACINE_TEST_POSTGRES_URL")
    if not url or dialect != "postgresql":
        pytest.skip("PostgreSQL source variant runs once, with the postgresql dialect")
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    schema = f"src_{secrets.token_hex(3)}"
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.execute(text(f'CREATE TABLE "{schema}".people (id int, email text)'))
        await conn.execute(
            text(f"INSERT INTO \"{schema}\".people VALUES (1, 'a@x.org'), (2, NULL), (3, 'bad')")
        )
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    source = await create_data_source(
        env.uow(),
        env.admin,
        env.cipher,
        SaveDataSource(name=f"pg{secrets.token_hex(3)}", url=plain),
    )
    from racine.domain.catalog.model import Asset, AssetKind

    sch = Asset(AssetKind.SCHEMA, schema, f"{source.name}.{schema}", source.id, parent_id=source.id)
    table = Asset(
        AssetKind.TABLE, "people", f"{sch.qualified_name}.people", source.id, parent_id=sch.id
    )
    email = Asset(
        AssetKind.COLUMN,
        "email",
        f"{table.qualified_name}.email",
        source.id,
        parent_id=table.id,
        detail={"dataType": "TEXT"},
    )
    async with env.uow() as uow:
        await uow.catalog.save_many([sch, table, email], [])
        await uow.commit()
    yield {"table": table.id, "email": email.id, "schema": schema, "engine": engine}
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()


async def test_postgresql_source_regex_and_custom_sql(env, pg_source) -> None:
    _, nulls = await check(env, pg_source["email"], AssertionKind.NOT_NULL)
    assert nulls.status is ResultStatus.FAIL and nulls.observed["violations"] == 1
    _, rx = await check(env, pg_source["email"], AssertionKind.REGEX, pattern="^[^@]+@[^@]+$")
    assert "~" in rx.statement and rx.observed["violations"] == 1
    _, custom = await check(
        env,
        pg_source["table"],
        AssertionKind.CUSTOM_SQL,
        sql=f'SELECT COUNT(*) FROM "{pg_source["schema"]}".people WHERE id > 1',
    )
    assert custom.status is ResultStatus.FAIL and custom.observed["violations"] == 2
    # A statement that slips past the guard still cannot write: the session is read-only.
    connector = connector_for(
        os.environ["RACINE_TEST_POSTGRES_URL"].replace("+asyncpg", ""), statement_timeout_s=5
    )
    with pytest.raises(Exception):  # noqa: B017 - the driver's read-only error, mapped
        async with connector.connection() as conn:
            await conn.exec_driver_sql(f'DELETE FROM "{pg_source["schema"]}".people')
    await connector.close()
    await asyncio.sleep(0)
