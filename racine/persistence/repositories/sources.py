"""Data sources, scan rule sets and scans (scan state joined from ``job_runs``)."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.paging import Page, PageRequest, encode_cursor
from racine.domain.runs.model import RunState
from racine.domain.scanning.model import DataSource, Scan, ScanRuleSet
from racine.persistence.repositories.keyset import after_cursor
from racine.persistence.tables.runs import JobRunRow
from racine.persistence.tables.sources import DataSourceRow, ScanRow, ScanRuleSetRow
from racine.persistence.unique_keys import UniqueKey, conflicts_on
from racine.persistence.unit_of_work import register_repository

__all__ = ["SourceRepository"]

_SOURCE_FIELDS = [f.name for f in fields(DataSource)]
_RULE_FIELDS = [f.name for f in fields(ScanRuleSet)]
_ACTIVE = (RunState.QUEUED.value, RunState.RUNNING.value)


def _source(row: DataSourceRow) -> DataSource:
    return DataSource(**{name: getattr(row, name) for name in _SOURCE_FIELDS})


def _rules(row: ScanRuleSetRow) -> ScanRuleSet:
    return ScanRuleSet(**{name: getattr(row, name) for name in _RULE_FIELDS})


def _scan(row: ScanRow, run: JobRunRow | None) -> Scan:
    return Scan(
        id=row.id,
        source_id=row.source_id,
        rule_set_id=row.rule_set_id,
        created_by=row.created_by,
        created_at=row.created_at,
        state=RunState(run.state) if run is not None else RunState.QUEUED,
        reason=run.reason if run is not None else None,
        started_at=run.started_at if run is not None else None,
        finished_at=run.finished_at if run is not None else None,
        tables_total=row.tables_total,
        tables_done=row.tables_done,
        columns_done=row.columns_done,
        added=row.added,
        removed=row.removed,
        changed=row.changed,
        errors=list(row.errors or []),
    )


_SOURCE_NAME = UniqueKey.of(
    DataSourceRow.__table__, "name", field="name", message="a data source with this name exists"
)
_RULE_SET_NAME = UniqueKey.of(
    ScanRuleSetRow.__table__, "name", field="name", message="a rule set with this name exists"
)


def _scan_query() -> Any:
    return select(ScanRow, JobRunRow).outerjoin(JobRunRow, JobRunRow.id == ScanRow.id)


class SourceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- data sources -----------------------------------------------------------------

    async def add(self, source: DataSource) -> None:
        """Raises ``Conflict`` on ``name`` if another source has the name, also one
        saved since the use case's name check (see ``unique_keys``); the transaction
        is then aborted."""
        self.session.add(DataSourceRow(**{n: getattr(source, n) for n in _SOURCE_FIELDS}))
        with conflicts_on(_SOURCE_NAME):
            await self.session.flush()

    async def save(self, source: DataSource) -> None:
        """As :meth:`add`, a rename to a taken name is a ``Conflict`` on ``name``."""
        with conflicts_on(_SOURCE_NAME):
            await self.session.execute(
                update(DataSourceRow), [{n: getattr(source, n) for n in _SOURCE_FIELDS}]
            )

    async def get(self, source_id: uuid.UUID) -> DataSource | None:
        row = await self.session.get(DataSourceRow, source_id, populate_existing=True)
        return None if row is None else _source(row)

    async def get_many(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, DataSource]:
        if not ids:
            return {}
        rows = await self.session.scalars(select(DataSourceRow).where(DataSourceRow.id.in_(ids)))
        return {r.id: _source(r) for r in rows}

    async def lock(self, source_id: uuid.UUID) -> None:
        """Serialise writers of one source until this transaction ends: a no-op update
        takes the row's lock on PostgreSQL and the write lock on SQLite (taken before
        any read, so a second writer waits instead of deciding on a stale snapshot)."""
        await self.session.execute(
            update(DataSourceRow).where(DataSourceRow.id == source_id).values(id=source_id)
        )

    async def get_by_name(self, name: str) -> DataSource | None:
        row = await self.session.scalar(select(DataSourceRow).where(DataSourceRow.name == name))
        return None if row is None else _source(row)

    async def delete(self, source_id: uuid.UUID) -> None:
        await self.session.execute(delete(ScanRow).where(ScanRow.source_id == source_id))
        await self.session.execute(delete(DataSourceRow).where(DataSourceRow.id == source_id))

    async def page(self, page: PageRequest) -> Page[DataSource]:
        t = DataSourceRow
        total = await self.session.scalar(select(func.count()).select_from(t))
        query = select(t).order_by(t.name)
        key = page.after_key(str)
        if key is not None:
            query = query.where(t.name > key[0])
        rows = list(await self.session.scalars(query.limit(page.first + 1)))
        items = [_source(r) for r in rows[: page.first]]
        return Page(
            items=items,
            cursors=[encode_cursor([s.name]) for s in items],
            total_count=int(total or 0),
            has_next_page=len(rows) > page.first,
            has_previous_page=page.after is not None,
        )

    async def due_for_scan(self, now: datetime) -> list[DataSource]:
        rows = await self.session.scalars(
            select(DataSourceRow).where(
                DataSourceRow.schedule.is_not(None), DataSourceRow.next_scan_at <= now
            )
        )
        return [_source(r) for r in rows]

    # -- rule sets --------------------------------------------------------------------

    async def add_rule_set(self, rules: ScanRuleSet) -> None:
        """As :meth:`add`: a name taken, even since the check, is ``Conflict`` on ``name``."""
        self.session.add(ScanRuleSetRow(**{n: getattr(rules, n) for n in _RULE_FIELDS}))
        with conflicts_on(_RULE_SET_NAME):
            await self.session.flush()

    async def save_rule_set(self, rules: ScanRuleSet) -> None:
        """As :meth:`save`: a rename to a taken name is ``Conflict`` on ``name``."""
        with conflicts_on(_RULE_SET_NAME):
            await self.session.execute(
                update(ScanRuleSetRow), [{n: getattr(rules, n) for n in _RULE_FIELDS}]
            )

    async def lock_rule_set(self, rule_set_id: uuid.UUID, *, exclusive: bool = False) -> None:
        """Serialise the users of one rule set with its deletion until this transaction
        ends (``startScan``, and a source created or updated with a ``ruleSetId``,
        against ``deleteScanRuleSet``, which passes ``exclusive``). On PostgreSQL the
        users take ``SELECT ... FOR SHARE``, which waits for a deletion's ``FOR
        UPDATE`` (and it for them) but not for other users: scans of different sources
        sharing a rule set start side by side. On SQLite, which has no row locks and
        runs reads outside a transaction until the first write, a no-op update takes
        the write lock before any read (as :meth:`lock` does), for users and deletion
        alike. A missing rule set locks nothing."""
        t = ScanRuleSetRow
        if self.session.bind.dialect.name == "sqlite":  # type: ignore[union-attr]
            await self.session.execute(update(t).where(t.id == rule_set_id).values(id=rule_set_id))
        else:
            query = select(t.id).where(t.id == rule_set_id)
            await self.session.execute(query.with_for_update(read=not exclusive))

    async def get_rule_set(self, rule_set_id: uuid.UUID) -> ScanRuleSet | None:
        row = await self.session.get(ScanRuleSetRow, rule_set_id, populate_existing=True)
        return None if row is None else _rules(row)

    async def get_rule_set_by_name(self, name: str) -> ScanRuleSet | None:
        row = await self.session.scalar(select(ScanRuleSetRow).where(ScanRuleSetRow.name == name))
        return None if row is None else _rules(row)

    async def list_rule_sets(self, limit: int = 100) -> list[ScanRuleSet]:
        rows = await self.session.scalars(
            select(ScanRuleSetRow).order_by(ScanRuleSetRow.name).limit(limit)
        )
        return [_rules(r) for r in rows]

    async def rule_set_in_use(self, rule_set_id: uuid.UUID) -> bool:
        return (
            await self.session.scalar(
                select(DataSourceRow.id).where(DataSourceRow.rule_set_id == rule_set_id).limit(1)
            )
        ) is not None

    async def delete_rule_set(self, rule_set_id: uuid.UUID) -> None:
        await self.session.execute(delete(ScanRuleSetRow).where(ScanRuleSetRow.id == rule_set_id))

    # -- scans ------------------------------------------------------------------------

    async def add_scan(self, scan: Scan) -> None:
        self.session.add(
            ScanRow(
                id=scan.id,
                source_id=scan.source_id,
                rule_set_id=scan.rule_set_id,
                created_by=scan.created_by,
                created_at=scan.created_at,
                errors=[],
            )
        )
        await self.session.flush()

    async def get_scan(self, scan_id: uuid.UUID) -> Scan | None:
        found = (
            await self.session.execute(
                _scan_query().where(ScanRow.id == scan_id).execution_options(populate_existing=True)
            )
        ).first()
        return None if found is None else _scan(found[0], found[1])

    async def get_scans(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, Scan]:
        rows = await self.session.execute(_scan_query().where(ScanRow.id.in_(ids)))
        return {s.id: _scan(s, r) for s, r in rows}

    async def latest_scans(self, source_ids: list[uuid.UUID]) -> dict[uuid.UUID, Scan]:
        """The newest scan of each of ``source_ids`` that has one, in one query (the
        ``(source_id, created_at)`` index serves the ranking)."""
        if not source_ids:
            return {}
        ranked = (
            select(
                ScanRow.id,
                func.row_number()
                .over(
                    partition_by=ScanRow.source_id,
                    order_by=(ScanRow.created_at.desc(), ScanRow.id.desc()),
                )
                .label("n"),
            )
            .where(ScanRow.source_id.in_(source_ids))
            .subquery()
        )
        newest = select(ranked.c.id).where(ranked.c.n == 1)
        rows = await self.session.execute(_scan_query().where(ScanRow.id.in_(newest)))
        return {s.source_id: _scan(s, r) for s, r in rows}

    async def update_scan_counters(self, scan_id: uuid.UUID, counters: dict[str, Any]) -> None:
        await self.session.execute(update(ScanRow).where(ScanRow.id == scan_id).values(**counters))

    async def rule_set_has_active_scan(self, rule_set_id: uuid.UUID) -> bool:
        """A QUEUED or RUNNING scan reads this rule set (``startScan(ruleSetId:)`` or
        its source's); it loads the rules when it starts running."""
        return await self._any_active_scan(ScanRow.rule_set_id == rule_set_id)

    async def has_active_scan(self, source_id: uuid.UUID) -> bool:
        return await self._any_active_scan(ScanRow.source_id == source_id)

    async def _any_active_scan(self, condition: Any) -> bool:
        found = await self.session.scalar(
            select(ScanRow.id)
            .join(JobRunRow, JobRunRow.id == ScanRow.id)
            .where(condition, JobRunRow.state.in_(_ACTIVE))
            .limit(1)
        )
        return found is not None

    async def scan_page(self, source_id: uuid.UUID | None, page: PageRequest) -> Page[Scan]:
        """Newest first."""
        s = ScanRow
        where = [] if source_id is None else [s.source_id == source_id]
        total = await self.session.scalar(select(func.count()).select_from(s).where(*where))
        query = _scan_query().where(*where).order_by(s.created_at.desc(), s.id.desc())
        after = after_cursor(page, (s.created_at, s.id), True, datetime)
        if after is not None:
            query = query.where(after)
        rows = list(await self.session.execute(query.limit(page.first + 1)))
        items = [_scan(r[0], r[1]) for r in rows[: page.first]]
        return Page(
            items=items,
            cursors=[encode_cursor([x.created_at.isoformat(), str(x.id)]) for x in items],
            total_count=int(total or 0),
            has_next_page=len(rows) > page.first,
            has_previous_page=page.after is not None,
        )


register_repository("sources", SourceRepository)
