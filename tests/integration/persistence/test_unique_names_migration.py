"""Migration 0015 gives glossary term names (per parent, any case) and custom rule
keys a unique key, renaming the duplicates stored before it, on SQLite and PostgreSQL.

The test's database is at head: it goes down to 0014, gets duplicates, and comes
back up (so the downgrade runs too, and the database is at head again after)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from racine.persistence.migrate import alembic_config, upgrade
from racine.persistence.tables.catalog import GlossaryTermRow
from racine.persistence.tables.compliance import ComplianceRuleRow

TERMS = GlossaryTermRow.__table__
RULES = ComplianceRuleRow.__table__
T0 = datetime(2026, 1, 1, tzinfo=UTC)
DEFINITION = {"scope": {"kinds": ["COLUMN"]}, "conditions": [{"op": "has_tag", "any_of": ["x"]}]}


def _term(name: str, minute: int, parent: uuid.UUID | None = None) -> dict[str, Any]:
    stamp = T0 + timedelta(minutes=minute)
    return {
        "id": uuid.uuid4(),
        "name": name,
        "parent_id": parent,
        "definition": "",
        "synonyms": [],
        "related_ids": [],
        "created_at": stamp,
        "updated_at": stamp,
    }


def _rule(key: str, minute: int, rule_id: uuid.UUID, version: int = 1) -> dict[str, Any]:
    return {
        "rule_id": rule_id,
        "version": version,
        "key": key,
        "title": "t",
        "severity": "MEDIUM",
        "requirement": "custom",
        "description": "",
        "definition": DEFINITION,
        "created_by": None,
        "created_at": T0 + timedelta(minutes=minute),
    }


async def _insert(engine: AsyncEngine, table: Any, rows: list[dict[str, Any]]) -> None:
    async with engine.begin() as conn:
        for row in rows:  # one at a time: parents before children
            await conn.execute(insert(table).values(**row))


async def test_duplicates_are_renamed_and_then_refused(database_url: str) -> None:
    engine = create_async_engine(database_url)
    config = alembic_config(database_url)
    try:
        # Given a database at 0014 with duplicate names among siblings (any case; at the
        # top level, where the parent is NULL; "revenue (2)" already taken) and a rule
        # key stored for two rules
        await asyncio.to_thread(command.downgrade, config, "0014")
        revenue, upper, taken, other = (
            _term("Revenue", 1),
            _term("REVENUE", 3),
            _term("revenue (2)", 2),
            _term("Other", 4),
        )
        margin, margin_again = _term("Margin", 5, revenue["id"]), _term("margin", 6, revenue["id"])
        elsewhere = _term("Margin", 7, other["id"])  # another parent: not a duplicate
        terms = [revenue, upper, taken, other, margin, margin_again, elsewhere]
        await _insert(engine, TERMS, terms)
        first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await _insert(
            engine,
            RULES,
            [
                _rule("masked", 1, first),
                _rule("masked", 9, first, version=2),
                _rule("masked", 2, second),
                _rule("masked", 3, second, version=2),
                _rule("masked-2", 4, third),
            ],
        )

        # When it is upgraded to head
        await asyncio.to_thread(upgrade, database_url)

        # Then the oldest keeps its name, the others get the first free suffix
        async with engine.connect() as conn:
            found = {r.id: (r.name, r.name_key) for r in await conn.execute(select(TERMS))}
            keys = {r.rule_id: r.key for r in await conn.execute(select(RULES))}
        names = [found[t["id"]][0] for t in terms]
        assert names == [
            "Revenue",
            "REVENUE (3)",
            "revenue (2)",
            "Other",
            "Margin",
            "margin (2)",
            "Margin",
        ]
        assert all(key == name.lower() for name, key in found.values())
        assert keys == {first: "masked", second: "masked-3", third: "masked-2"}

        # And a duplicate written past the use cases' checks is refused by the database
        duplicates: list[tuple[Any, dict[str, Any]]] = [
            (TERMS, {**_term("Revenue", 10), "name_key": "revenue"}),
            (TERMS, {**_term("MARGIN", 10, revenue["id"]), "name_key": "margin"}),
            (RULES, _rule("masked-2", 10, uuid.uuid4())),
        ]
        for table, row in duplicates:
            with pytest.raises(IntegrityError):
                await _insert(engine, table, [row])
    finally:
        await engine.dispose()
        await asyncio.to_thread(upgrade, database_url)
