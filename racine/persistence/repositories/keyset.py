"""Keyset pagination for the repositories' connections."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.paging import Page, PageRequest, encode_cursor

__all__ = ["after_cursor", "keyset_page", "page_of"]


def after_cursor(
    page: PageRequest, columns: tuple[Any, Any], descending: bool, kind: type = str
) -> ColumnElement[bool] | None:
    """The condition that starts a page after ``page.after`` on (sort column of
    ``kind``, id); None on the first page. A cursor that does not decode is a typed
    error (``PageRequest.after_key``)."""
    key = page.after_key(kind, uuid.UUID)
    if key is None:
        return None
    value, ident = key
    first_col, id_col = columns
    if descending:
        return or_(first_col < value, and_(first_col == value, id_col < ident))
    return or_(first_col > value, and_(first_col == value, id_col > ident))


def page_of(rows: list[Any], page: PageRequest, total: int, key: Any, convert: Any) -> Page[Any]:
    """The page of ``rows`` read with one row beyond ``page.first`` (it tells whether
    a next page exists); ``key(row)`` gives the cursor values."""
    shown = rows[: page.first]
    return Page(
        items=[convert(r) for r in shown],
        cursors=[encode_cursor(key(r)) for r in shown],
        total_count=total,
        has_next_page=len(rows) > page.first,
        has_previous_page=page.after is not None,
    )


async def keyset_page(
    session: AsyncSession,
    query: Select[Any],
    count_query: Select[Any],
    page: PageRequest,
    columns: tuple[Any, Any],
    descending: bool,
    key: Any,
    convert: Any,
    kind: type = str,
) -> Page[Any]:
    """Keyset pagination on (sort column, id); ``key(row)`` gives the cursor values."""
    total = int(await session.scalar(count_query) or 0)
    after = after_cursor(page, columns, descending, kind)
    if after is not None:
        query = query.where(after)
    first_col, id_col = columns
    order = (first_col.desc(), id_col.desc()) if descending else (first_col, id_col)
    rows = list(await session.scalars(query.order_by(*order).limit(page.first + 1)))
    return page_of(rows, page, total, key, convert)
