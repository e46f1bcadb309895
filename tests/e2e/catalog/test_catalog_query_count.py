"""No N+1: a page of 100 tables with columns, tags, owners and classifications costs a
constant number of SQL statements, whatever the page size."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

PAGE = """
query($first: Int!) {
  assets(filter: {kinds: [TABLE]}, first: $first) {
    totalCount
    edges { node { id name tags owners { name } dataSource { name }
      columns { name dataType tags classifications { typeKey state } glossaryTerms { name } } } }
  }
}
"""


async def _seed(app: Any, tables: int) -> None:
    """100 tables × 5 columns with tags, an owner and a classification, written directly."""
    from racine.persistence.tables.access import UserRow
    from racine.persistence.tables.catalog import (
        AssetOwnerRow,
        AssetRow,
        AssetTagRow,
        ColumnClassificationRow,
    )

    now = datetime.now(UTC)
    runtime = app.state.runtime
    async with runtime.db.sessions.begin() as session:
        owner = await session.scalar(UserRow.__table__.select().with_only_columns(UserRow.id))
        source = uuid.uuid4()

        def asset(kind: str, name: str, parent: uuid.UUID | None, q: str) -> dict[str, Any]:
            return {
                "id": uuid.uuid4(),
                "kind": kind,
                "name": name,
                "qualified_name": q,
                "source_id": source,
                "parent_id": parent,
                "position": 0,
                "description": None,
                "properties": {},
                "detail": {"dataType": "TEXT"},
                "profile": None,
                "created_at": now,
                "updated_at": now,
                "deleted_at": None,
            }

        rows, tags, owners, labels = [], [], [], []
        for t in range(tables):
            table = asset("TABLE", f"t{t:03d}", None, f"s.t{t:03d}")
            rows.append(table)
            tags.append({"asset_id": table["id"], "tag": "gold"})
            owners.append({"asset_id": table["id"], "user_id": owner})
            for c in range(5):
                col = asset("COLUMN", f"c{c}", table["id"], f"s.t{t:03d}.c{c}")
                rows.append(col)
                labels.append(
                    {
                        "asset_id": col["id"],
                        "type_key": "EMAIL",
                        "state": "SUGGESTED",
                        "source": "RULE",
                        "confidence": 0.7,
                        "evidence": {},
                        "actor_id": None,
                        "updated_at": now,
                    }
                )
        await session.execute(insert(AssetRow), rows)
        await session.execute(insert(AssetTagRow), tags)
        await session.execute(insert(AssetOwnerRow), owners)
        await session.execute(insert(ColumnClassificationRow), labels)


async def _count(request_statements: Any, gql: Any, first: int) -> tuple[int, dict[str, Any]]:
    with request_statements() as statements:
        data = await gql.ok(PAGE, {"first": first})
    return len(statements), data


async def test_a_page_of_tables_costs_constant_queries(
    app: Any, gql: Any, request_statements: Any
) -> None:
    await _seed(app, 100)
    # The token's first use this minute also records last_used_at.
    await _count(request_statements, gql, 1)
    small, _ = await _count(request_statements, gql, 5)
    large, data = await _count(request_statements, gql, 100)
    edges = data["assets"]["edges"]
    assert len(edges) == 100 and data["assets"]["totalCount"] == 100
    first = edges[0]["node"]
    assert first["tags"] == ["gold"] and first["owners"] == [{"name": "admin"}]
    assert len(first["columns"]) == 5
    assert first["columns"][0]["classifications"] == [{"typeKey": "EMAIL", "state": "SUGGESTED"}]
    # Authentication + count + page + one batch per loader (columns, tags ×2 levels,
    # owners, users, classifications, terms, data source): the same for 5 or 100 tables.
    assert large == small, (small, large)
    assert 8 <= large <= 16, large  # counting works, and stays small
