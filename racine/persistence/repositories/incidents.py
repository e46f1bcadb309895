"""Incidents: looked up by cause (dedup while open) and listed newest first."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.incidents.model import CauseKind, Incident, IncidentStage, Priority
from racine.domain.paging import Page, PageRequest, encode_cursor
from racine.persistence.repositories.compliance_bulk import insert_rows
from racine.persistence.tables.compliance import IncidentRow
from racine.persistence.unit_of_work import register_repository

__all__ = ["IncidentRepository"]

_CHUNK = 500
_INCIDENTS = cast(Table, IncidentRow.__table__)


def _incident(r: IncidentRow) -> Incident:
    return Incident(
        id=r.id,
        title=r.title,
        cause_kind=CauseKind(r.cause_kind),
        cause_id=r.cause_id,
        severity=r.severity,
        priority=Priority(r.priority),
        stage=IncidentStage(r.stage),
        assignee_id=r.assignee_id,
        asset_ids=[uuid.UUID(a) for a in r.asset_ids or []],
        occurrences=r.occurrences,
        resolution=r.resolution,
        opened_at=r.opened_at,
        updated_at=r.updated_at,
        fixed_at=r.fixed_at,
    )


def _values(i: Incident) -> dict[str, Any]:
    return {
        "id": i.id,
        "title": i.title,
        "cause_kind": i.cause_kind.value,
        "cause_id": i.cause_id,
        "severity": i.severity,
        "priority": i.priority.value,
        "stage": i.stage.value,
        "assignee_id": i.assignee_id,
        "asset_ids": [str(a) for a in i.asset_ids],
        "occurrences": i.occurrences,
        "resolution": i.resolution,
        "opened_at": i.opened_at,
        "updated_at": i.updated_at,
        "fixed_at": i.fixed_at,
    }


class IncidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, incident: Incident) -> None:
        await self.session.execute(insert(IncidentRow), [_values(incident)])

    async def save(self, incident: Incident) -> None:
        await self.session.execute(update(IncidentRow), [_values(incident)])

    async def add_many(self, incidents: Sequence[Incident]) -> None:
        """In bulk (COPY on PostgreSQL): a first evaluation may open thousands."""
        if not incidents:
            return
        columns = list(_values(incidents[0]))
        rows = []
        for x in incidents:
            values = _values(x)
            values["asset_ids"] = json.dumps(values["asset_ids"])
            rows.append(tuple(values[c] for c in columns))
        await insert_rows(self.session, _INCIDENTS, columns, rows, json_columns=("asset_ids",))

    async def save_many(self, incidents: Sequence[Incident]) -> None:
        for i in range(0, len(incidents), _CHUNK):
            await self.session.execute(
                update(IncidentRow), [_values(x) for x in incidents[i : i + _CHUNK]]
            )

    async def get(self, incident_id: uuid.UUID) -> Incident | None:
        row = await self.session.get(IncidentRow, incident_id, populate_existing=True)
        return None if row is None else _incident(row)

    async def open_for_causes(
        self, kind: CauseKind, cause_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Incident]:
        out: dict[uuid.UUID, Incident] = {}
        ids = list(dict.fromkeys(cause_ids))
        r = IncidentRow
        for i in range(0, len(ids), _CHUNK):
            rows = await self.session.scalars(
                select(r).where(
                    r.cause_kind == kind.value,
                    r.cause_id.in_(ids[i : i + _CHUNK]),
                    r.stage != IncidentStage.FIXED.value,
                )
            )
            out.update({x.cause_id: _incident(x) for x in rows})
        return out

    async def page(
        self, stages: Sequence[str], page: PageRequest, asset_id: uuid.UUID | None = None
    ) -> Page[Incident]:
        """Newest first; ``asset_id`` keeps incidents linked to that asset."""
        r = IncidentRow
        conditions: list[Any] = []
        if stages:
            conditions.append(r.stage.in_(list(stages)))
        if asset_id is not None:
            rows = await self.session.scalars(
                select(r).where(*conditions).order_by(r.opened_at.desc(), r.id).limit(1000)
            )
            hits = [x for x in rows if str(asset_id) in (x.asset_ids or [])]
            conditions.append(r.id.in_([x.id for x in hits]))
        total = await self.session.scalar(select(func.count()).select_from(r).where(*conditions))
        query = select(r).where(*conditions).order_by(r.opened_at.desc(), r.id)
        key = page.after_key(datetime, uuid.UUID)
        if key is not None:  # newest first, ties by id ascending
            when, ident = key
            query = query.where(or_(r.opened_at < when, and_(r.opened_at == when, r.id > ident)))
        rows_ = list(await self.session.scalars(query.limit(page.first + 1)))
        items = [_incident(x) for x in rows_[: page.first]]
        return Page(
            items=items,
            cursors=[encode_cursor([x.opened_at.isoformat(), str(x.id)]) for x in items],
            total_count=int(total or 0),
            has_next_page=len(rows_) > page.first,
            has_previous_page=page.after is not None,
        )


register_repository("incidents", IncidentRepository)
