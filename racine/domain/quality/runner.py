"""Run one assertion against its source (or, for SCHEMA, against the catalog).

Statements go through the connector's read-only connection (PostgreSQL
``default_transaction_read_only``, MySQL ``READ ONLY`` sessions, SQLite
``mode=ro`` + ``query_only``), each capped by the connector's statement timeout
plus an ``asyncio.timeout`` backstop here. Any failure is a result with status
ERROR and a safe message: a broken assertion never fails the job running it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from racine.domain.errors import RacineError
from racine.domain.moments import as_utc
from racine.domain.quality.guard import checked_select
from racine.domain.quality.model import (
    PARAMS,
    Assertion,
    AssertionResult,
    CustomSql,
    Freshness,
    RegexParams,
    ResultStatus,
    RowCount,
    SchemaParams,
)
from racine.domain.quality.pyregex import RegexTimeout, match_sample
from racine.domain.quality.sql import build_statement

__all__ = ["Location", "QuerySource", "execute_assertion"]

BACKSTOP_S = 120.0


class QuerySource(Protocol):
    """What a run needs from a connector (``racine.connectors.SqlConnector`` fits):
    a read-only connection whose ``exec_driver_sql`` runs one statement."""

    def connection(self) -> AbstractAsyncContextManager[Any]: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class Location:
    """Where an assertion's data lives: names inside the source, the source's
    dialect (postgresql | mysql | sqlite) and the table's catalog columns."""

    dialect: str
    schema: str | None
    table: str
    column: str | None
    catalog_columns: tuple[tuple[str, str | None], ...] = ()


async def _fetch(
    source: QuerySource, sql: str, limit: int, backstop_s: float
) -> list[Sequence[Any]]:
    async with asyncio.timeout(backstop_s), source.connection() as conn:
        result = await conn.exec_driver_sql(sql)
        return list(result.fetchmany(limit))


def _as_datetime(value: Any) -> datetime | None:
    """Also epoch seconds (freshness columns may hold them)."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    return as_utc(value)


def _schema_issues(params: SchemaParams, columns: Sequence[tuple[str, str | None]]) -> list[str]:
    actual = {name.lower(): (kind or "") for name, kind in columns}
    issues = []
    expected = {c.name.lower() for c in params.columns}
    for col in params.columns:
        found = actual.get(col.name.lower())
        if found is None:
            issues.append(f"missing column {col.name}")
        elif col.type and not found.upper().startswith(col.type.upper()):
            issues.append(f"{col.name}: expected type {col.type}, found {found}")
    if not params.allow_extra:
        issues += [f"unexpected column {n}" for n in actual if n not in expected]
    return issues


async def execute_assertion(
    assertion: Assertion,
    where: Location,
    source: QuerySource | None,
    *,
    now: datetime | None = None,
    backstop_s: float = BACKSTOP_S,
) -> AssertionResult:
    """Evaluate ``assertion``; ``source`` may be None only for SCHEMA."""
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    result = AssertionResult(assertion.id, assertion.asset_id, ResultStatus.ERROR, run_at=now)
    try:
        await _evaluate(assertion, where, source, result, now, backstop_s)
    except RacineError as exc:
        result.status, result.message = ResultStatus.ERROR, exc.message
    except RegexTimeout as exc:
        result.status, result.message = ResultStatus.ERROR, str(exc)
    except TimeoutError:
        result.status = ResultStatus.ERROR
        result.message = f"the source did not answer within {backstop_s:g}s"
    result.duration_ms = round((time.perf_counter() - started) * 1000, 2)
    return result


def _verdict(result: AssertionResult, violations: int, allowed: int) -> None:
    result.status = ResultStatus.PASS if violations <= allowed else ResultStatus.FAIL
    if result.status is ResultStatus.FAIL:
        result.message = f"{violations} violating row(s) (allowed {allowed})"


async def _evaluate(
    assertion: Assertion,
    where: Location,
    source: QuerySource | None,
    result: AssertionResult,
    now: datetime,
    backstop_s: float,
) -> None:
    kind = assertion.kind
    params = PARAMS[kind].model_validate(assertion.params)
    if isinstance(params, SchemaParams):
        issues = _schema_issues(params, where.catalog_columns)
        result.observed = {
            "violations": len(issues),
            "issues": issues[:50],
            "columns": len(where.catalog_columns),
        }
        _verdict(result, len(issues), 0)
        if issues:
            result.message = "; ".join(issues[:5])
        return
    if source is None:
        raise ValueError("a source is required")
    if isinstance(params, CustomSql):
        sql = checked_select(params.sql, where.dialect)
        result.statement = sql
        rows = await _fetch(source, sql, 1, backstop_s)
        value = rows[0][0] if rows and len(rows[0]) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            result.message = "custom SQL must return a violation count in its first column"
            return
        result.observed = {"violations": int(value)}
        _verdict(result, int(value), params.max_violations)
        return
    statement = build_statement(
        kind, params, where.dialect, where.schema, where.table, where.column
    )
    result.statement = statement.sql
    if statement.shape == "sample":
        assert isinstance(params, RegexParams)
        rows = await _fetch(source, statement.sql, params.sample_size, backstop_s)
        outcome = await asyncio.to_thread(match_sample, params.pattern, [r[0] for r in rows])
        result.observed = {
            "total": outcome.total,
            "violations": outcome.violations,
            "sampled": True,
        }
        _verdict(result, outcome.violations, params.max_violations)
        return
    rows = await _fetch(source, statement.sql, 1, backstop_s)
    row = rows[0] if rows else (None, None)
    if isinstance(params, RowCount):
        count = int(row[0] or 0)
        result.observed = {"rowCount": count}
        low = params.min is not None and count < params.min
        high = params.max is not None and count > params.max
        result.status = ResultStatus.FAIL if low or high else ResultStatus.PASS
        if result.status is ResultStatus.FAIL:
            result.message = f"{count} rows, expected [{params.min}, {params.max}]"
        return
    if isinstance(params, Freshness):
        newest = _as_datetime(row[0])
        if newest is None:
            result.status, result.message = ResultStatus.FAIL, "no timestamp found"
            result.observed = {"newest": None}
            return
        age = (now - newest).total_seconds()
        result.observed = {"newest": newest.isoformat(), "ageSeconds": round(age, 1)}
        result.status = ResultStatus.PASS if age <= params.max_age_seconds else ResultStatus.FAIL
        if result.status is ResultStatus.FAIL:
            result.message = f"newest value is {age:.0f}s old (max {params.max_age_seconds}s)"
        return
    total, violations = int(row[0] or 0), int(row[1] or 0)
    result.observed = {"total": total, "violations": violations}
    _verdict(result, violations, getattr(params, "max_violations", 0))
