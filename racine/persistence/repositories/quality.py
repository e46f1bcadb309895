"""Quality assertions, their results history, and where their data lives."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from racine.domain.catalog.model import ColumnClassification
from racine.domain.paging import Page, PageRequest, encode_cursor
from racine.domain.quality.model import Assertion, AssertionKind, AssertionResult, ResultStatus
from racine.domain.quality.runner import Location
from racine.persistence.repositories.keyset import after_cursor
from racine.persistence.tables.catalog import AssetRow, ColumnClassificationRow
from racine.persistence.tables.quality import AssertionResultRow, AssertionRow
from racine.persistence.tables.sources import DataSourceRow
from racine.persistence.unit_of_work import register_repository

__all__ = ["QualityRepository"]


def _assertion(r: AssertionRow) -> Assertion:
    return Assertion(
        id=r.id,
        asset_id=r.asset_id,
        table_id=r.table_id,
        source_id=r.source_id,
        kind=AssertionKind(r.kind),
        params=r.params or {},
        severity=r.severity,
        description=r.description,
        schedule=r.schedule,
        next_run_at=r.next_run_at,
        enabled=r.enabled,
        last_status=None if r.last_status is None else ResultStatus(r.last_status),
        last_run_at=r.last_run_at,
        created_by=r.created_by,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def _result(r: AssertionResultRow) -> AssertionResult:
    return AssertionResult(
        id=r.id,
        assertion_id=r.assertion_id,
        asset_id=r.asset_id,
        status=ResultStatus(r.status),
        observed=r.observed or {},
        message=r.message,
        statement=r.statement,
        duration_ms=r.duration_ms,
        run_at=r.run_at,
    )


class QualityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, a: Assertion) -> None:
        await self.session.execute(
            insert(AssertionRow),
            [
                {
                    "id": a.id,
                    "asset_id": a.asset_id,
                    "table_id": a.table_id,
                    "source_id": a.source_id,
                    "kind": a.kind.value,
                    "params": a.params,
                    "severity": a.severity,
                    "description": a.description,
                    "schedule": a.schedule,
                    "next_run_at": a.next_run_at,
                    "enabled": a.enabled,
                    "last_status": None,
                    "last_run_at": None,
                    "created_by": a.created_by,
                    "created_at": a.created_at,
                    "updated_at": a.updated_at,
                }
            ],
        )

    async def get(self, assertion_id: uuid.UUID) -> Assertion | None:
        row = await self.session.get(AssertionRow, assertion_id, populate_existing=True)
        return None if row is None else _assertion(row)

    async def get_many(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Assertion]:
        if not ids:
            return {}
        rows = await self.session.scalars(
            select(AssertionRow).where(AssertionRow.id.in_(list(dict.fromkeys(ids))))
        )
        return {r.id: _assertion(r) for r in rows}

    async def for_source(
        self, source_id: uuid.UUID, *, disabled_too: bool = False
    ) -> list[Assertion]:
        """The source's enabled assertions (``disabled_too``: all of them)."""
        wanted = [AssertionRow.source_id == source_id]
        if not disabled_too:
            wanted.append(AssertionRow.enabled.is_(True))
        rows = await self.session.scalars(select(AssertionRow).where(*wanted))
        return [_assertion(r) for r in rows]

    async def for_asset_tree(self, asset_id: uuid.UUID) -> list[Assertion]:
        """Assertions on the asset, and on its columns when it is a table."""
        rows = await self.session.scalars(
            select(AssertionRow).where(
                or_(AssertionRow.asset_id == asset_id, AssertionRow.table_id == asset_id)
            )
        )
        return [_assertion(r) for r in rows]

    async def page(self, asset_id: uuid.UUID | None, page: PageRequest) -> Page[Assertion]:
        a = AssertionRow
        conditions = (
            [] if asset_id is None else [or_(a.asset_id == asset_id, a.table_id == asset_id)]
        )
        total = await self.session.scalar(select(func.count()).select_from(a).where(*conditions))
        query = select(a).where(*conditions).order_by(a.created_at, a.id)
        after = after_cursor(page, (a.created_at, a.id), False, datetime)
        if after is not None:
            query = query.where(after)
        rows = list(await self.session.scalars(query.limit(page.first + 1)))
        items = [_assertion(r) for r in rows[: page.first]]
        return Page(
            items=items,
            cursors=[encode_cursor([x.created_at.isoformat(), str(x.id)]) for x in items],
            total_count=int(total or 0),
            has_next_page=len(rows) > page.first,
            has_previous_page=page.after is not None,
        )

    async def due(self, now: datetime, limit: int = 500) -> list[Assertion]:
        rows = await self.session.scalars(
            select(AssertionRow)
            .where(
                AssertionRow.enabled.is_(True),
                AssertionRow.next_run_at.is_not(None),
                AssertionRow.next_run_at <= now,
            )
            .limit(limit)
        )
        return [_assertion(r) for r in rows]

    async def set_next_run(self, assertion_id: uuid.UUID, when: datetime) -> None:
        await self.session.execute(
            update(AssertionRow).where(AssertionRow.id == assertion_id).values(next_run_at=when)
        )

    async def mark_run(self, assertion_id: uuid.UUID, status: ResultStatus, when: datetime) -> None:
        await self.session.execute(
            update(AssertionRow)
            .where(AssertionRow.id == assertion_id)
            .values(last_status=status.value, last_run_at=when)
        )

    async def add_results(self, results: Sequence[AssertionResult]) -> None:
        if results:
            await self.session.execute(
                insert(AssertionResultRow),
                [
                    {
                        "id": r.id,
                        "assertion_id": r.assertion_id,
                        "asset_id": r.asset_id,
                        "status": r.status.value,
                        "observed": r.observed,
                        "message": r.message,
                        "statement": r.statement,
                        "duration_ms": r.duration_ms,
                        "run_at": r.run_at,
                    }
                    for r in results
                ],
            )

    async def unmasked_results(
        self, assertion_ids: Sequence[uuid.UUID], limit: int
    ) -> list[AssertionResult]:
        """Up to ``limit`` stored results of ``assertion_ids`` not masked yet (no
        ``observed.masked``; SKIPPED ones hold no value), oldest first."""
        if not assertion_ids:
            return []
        r = AssertionResultRow
        masked = func.coalesce(r.observed["masked"].as_boolean(), False)
        rows = await self.session.scalars(
            select(r)
            .where(
                r.assertion_id.in_(list(assertion_ids)),
                r.status != ResultStatus.SKIPPED.value,
                masked.is_(False),
            )
            .order_by(r.run_at, r.id)
            .limit(limit)
        )
        return [_result(x) for x in rows]

    async def rewrite_results(self, results: Sequence[AssertionResult]) -> None:
        """Store what ``results`` now observe and say (their masked form): one
        executemany UPDATE by primary key."""
        if results:
            await self.session.execute(
                update(AssertionResultRow),
                [{"id": r.id, "observed": r.observed, "message": r.message} for r in results],
            )

    async def results_page(
        self, assertion_id: uuid.UUID, page: PageRequest
    ) -> Page[AssertionResult]:
        """Newest first."""
        r = AssertionResultRow
        total = await self.session.scalar(
            select(func.count()).select_from(r).where(r.assertion_id == assertion_id)
        )
        query = select(r).where(r.assertion_id == assertion_id).order_by(r.run_at.desc(), r.id)
        key = page.after_key(datetime, uuid.UUID)
        if key is not None:  # newest first, ties by id ascending
            when, ident = key
            query = query.where(or_(r.run_at < when, and_(r.run_at == when, r.id > ident)))
        rows = list(await self.session.scalars(query.limit(page.first + 1)))
        items = [_result(x) for x in rows[: page.first]]
        return Page(
            items=items,
            cursors=[encode_cursor([x.run_at.isoformat(), str(x.id)]) for x in items],
            total_count=int(total or 0),
            has_next_page=len(rows) > page.first,
            has_previous_page=page.after is not None,
        )

    async def asset_names(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(AssetRow.id, AssetRow.qualified_name).where(
                AssetRow.id.in_(list(dict.fromkeys(ids)))
            )
        )
        return {i: n for i, n in rows}

    async def labelled_columns(
        self, source_id: uuid.UUID
    ) -> list[tuple[str, str, ColumnClassification]]:
        """(table name, column name, label) of every label on a column of the source,
        removed columns too (what custom SQL may read is decided on names)."""
        col, table, c = aliased(AssetRow), aliased(AssetRow), ColumnClassificationRow
        rows = await self.session.execute(
            select(table.name, col.name, c.asset_id, c.type_key, c.state, c.source, c.confidence)
            .join(col, col.id == c.asset_id)
            .join(table, table.id == col.parent_id)
            .where(col.source_id == source_id, col.kind == "COLUMN")
        )
        return [
            (t, n, ColumnClassification(i, k, st, so, conf)) for t, n, i, k, st, so, conf in rows
        ]

    async def engine_of(self, source_id: uuid.UUID) -> str:
        """The source's dialect (postgresql | mysql | sqlite)."""
        engine = await self.session.scalar(
            select(DataSourceRow.engine).where(DataSourceRow.id == source_id)
        )
        return str(engine or "sqlite")

    async def locate(
        self, asset_id: uuid.UUID
    ) -> tuple[str, uuid.UUID, uuid.UUID | None, Location] | None:
        """(asset kind, table id, source id, location) of a live table/view/column."""
        a = AssetRow
        asset = await self.session.get(a, asset_id)
        if asset is None or asset.deleted_at is not None:
            return None
        table, column = asset, None
        if asset.kind == "COLUMN":
            if asset.parent_id is None:
                return None
            parent = await self.session.get(a, asset.parent_id)
            if parent is None:
                return None
            table, column = parent, asset.name
        schema = None
        if table.parent_id is not None:
            container = await self.session.get(a, table.parent_id)
            if container is not None and container.kind == "SCHEMA":
                schema = container.name
        engine = "sqlite"
        if table.source_id is not None:
            engine = (
                await self.session.scalar(
                    select(DataSourceRow.engine).where(DataSourceRow.id == table.source_id)
                )
                or engine
            )
        cols = await self.session.execute(
            select(a.name, a.detail)
            .where(a.parent_id == table.id, a.kind == "COLUMN", a.deleted_at.is_(None))
            .order_by(a.position, a.name)
        )
        catalog: tuple[tuple[str, Any], ...] = tuple(
            (n, (d or {}).get("dataType")) for n, d in cols
        )
        return (
            asset.kind,
            table.id,
            table.source_id,
            Location(
                dialect=engine,
                schema=schema,
                table=table.name,
                column=column,
                catalog_columns=catalog,
            ),
        )


register_repository("quality", QualityRepository)
