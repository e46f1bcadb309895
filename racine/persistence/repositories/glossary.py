"""Glossary terms (hierarchy, synonyms, related terms)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.catalog.model import GlossaryTerm
from racine.domain.paging import Page, PageRequest, encode_cursor
from racine.persistence.repositories.chunks import chunks
from racine.persistence.repositories.keyset import after_cursor
from racine.persistence.tables.catalog import GlossaryTermRow
from racine.persistence.unique_keys import UniqueKey, conflicts_on
from racine.persistence.unit_of_work import register_repository

__all__ = ["GlossaryRepository"]


def _term(row: GlossaryTermRow) -> GlossaryTerm:
    return GlossaryTerm(
        id=row.id,
        name=row.name,
        definition=row.definition,
        parent_id=row.parent_id,
        synonyms=list(row.synonyms or []),
        related_ids=[uuid.UUID(str(r)) for r in row.related_ids or []],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def name_key(name: str) -> str:
    """What makes two names one among siblings: the name in any case. Python's
    ``lower`` on both databases, as the app's SQLite ``lower()`` (see ``database``)."""
    return name.lower()


_MESSAGE = "a term with this name exists under this parent"
# Two saves of one name under one parent at once both pass the use case's check;
# the second hits one of these (see ``unique_keys``). Top-level terms have their own.
_NAME = UniqueKey.of(
    GlossaryTermRow.__table__, "parent_id", "name_key", field="name", message=_MESSAGE
)
_ROOT_NAME = UniqueKey.of(GlossaryTermRow.__table__, "name_key", field="name", message=_MESSAGE)


def _values(term: GlossaryTerm) -> dict[str, object]:
    return {
        "id": term.id,
        "name": term.name,
        "name_key": name_key(term.name),
        "definition": term.definition,
        "parent_id": term.parent_id,
        "synonyms": list(term.synonyms),
        "related_ids": [str(r) for r in term.related_ids],
        "created_at": term.created_at,
        "updated_at": term.updated_at,
    }


class GlossaryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, term: GlossaryTerm) -> None:
        """``Conflict`` on ``name`` if a sibling has the name in any case, also one
        saved since the use case's check; the transaction is then aborted."""
        self.session.add(GlossaryTermRow(**_values(term)))
        with conflicts_on(_NAME, _ROOT_NAME):
            await self.session.flush()

    async def save(self, term: GlossaryTerm) -> None:
        """As :meth:`add`, for a rename or a move."""
        row = await self.session.get(GlossaryTermRow, term.id)
        assert row is not None
        for key, value in _values(term).items():
            setattr(row, key, value)
        with conflicts_on(_NAME, _ROOT_NAME):
            await self.session.flush()

    async def get(self, term_id: uuid.UUID) -> GlossaryTerm | None:
        row = await self.session.get(GlossaryTermRow, term_id, populate_existing=True)
        return None if row is None else _term(row)

    async def get_many(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, GlossaryTerm]:
        if not ids:
            return {}
        rows = await self.session.scalars(
            select(GlossaryTermRow).where(GlossaryTermRow.id.in_(list(ids)))
        )
        return {r.id: _term(r) for r in rows}

    async def get_by_name(self, name: str, parent_id: uuid.UUID | None) -> GlossaryTerm | None:
        t = GlossaryTermRow
        parent = t.parent_id.is_(None) if parent_id is None else t.parent_id == parent_id
        row = await self.session.scalar(
            select(t).where(t.name_key == name_key(name), parent).limit(1)
        )
        return None if row is None else _term(row)

    async def has_children(self, term_id: uuid.UUID) -> bool:
        return (
            await self.session.scalar(
                select(GlossaryTermRow.id).where(GlossaryTermRow.parent_id == term_id).limit(1)
            )
        ) is not None

    async def child_ids(self, parent_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        """Ids of the direct children of ``parent_ids``."""
        out: list[uuid.UUID] = []
        for chunk in chunks(parent_ids):
            out += await self.session.scalars(
                select(GlossaryTermRow.id).where(GlossaryTermRow.parent_id.in_(chunk))
            )
        return out

    async def delete(self, term_id: uuid.UUID) -> None:
        await self.session.execute(delete(GlossaryTermRow).where(GlossaryTermRow.id == term_id))

    async def page(
        self,
        page: PageRequest,
        *,
        parent_id: uuid.UUID | None = None,
        roots_only: bool = False,
        name_prefix: str | None = None,
    ) -> Page[GlossaryTerm]:
        t = GlossaryTermRow
        query = select(t)
        if parent_id is not None:
            query = query.where(t.parent_id == parent_id)
        elif roots_only:
            query = query.where(t.parent_id.is_(None))
        if name_prefix:
            query = query.where(func.lower(t.name).startswith(name_prefix.lower(), autoescape=True))
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        after = after_cursor(page, (t.name, t.id), False)
        if after is not None:
            query = query.where(after)
        rows = list(await self.session.scalars(query.order_by(t.name, t.id).limit(page.first + 1)))
        items = [_term(r) for r in rows[: page.first]]
        return Page(
            items=items,
            cursors=[encode_cursor([x.name, str(x.id)]) for x in items],
            total_count=int(total or 0),
            has_next_page=len(rows) > page.first,
            has_previous_page=page.after is not None,
        )


register_repository("glossary", GlossaryRepository)
