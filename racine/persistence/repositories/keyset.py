"""Keyset pagination for the repositories' connections."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.errors import ValidationFailed
from racine.domain.paging import Page, PageRequest, encode_cursor

__all__ = ["keyset_page"]


async def keyset_page(
    session: AsyncSession,
    query: Select[Any],
    count_query: Select[Any],
    page: PageRequest,
    columns: tuple[Any, Any],
    descending: bool,
    key: Any,
    convert: Any,
    parse: Any = str,
) -> Page[Any]:
    """Keyset pagination on (sort column, id); ``key(row)`` gives the cursor values."""
    total = int(await session.scalar(count_query) or 0)
    first_col, id_col = columns
    position = page.position()
    if position is not None:
        try:
            value, ident = parse(position[0]), uuid.UUID(position[1])
        except (ValueError, IndexError, TypeError):
            raise ValidationFailed("malformed cursor", field="after") from None
        if descending:
            query = query.where(or_(first_col < value, and_(first_col == value, id_col < ident)))
        else:
            query = query.where(or_(first_col > value, and_(first_col == value, id_col > ident)))
    order = (first_col.desc(), id_col.desc()) if descending else (first_col, id_col)
    rows = list(await session.scalars(query.order_by(*order).limit(page.first + 1)))
    shown = rows[: page.first]
    return Page(
        items=[convert(r) for r in shown],
        cursors=[encode_cursor(key(r)) for r in shown],
        total_count=total,
        has_next_page=len(rows) > page.first,
        has_previous_page=page.after is not None,
    )
