"""The catalog's bulk writes (``catalog_writes``) on both databases: what
``save_many``, ``replace_classifications_many`` and ``index_assets`` store reads
back through the repository unchanged, value for value."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text

import racine.persistence.repositories  # noqa: F401 - registers every repository
from racine.domain.catalog.model import Asset, AssetKind, ColumnClassification, JsonText
from racine.domain.catalog.search import SearchQuery
from racine.domain.paging import PageRequest
from racine.persistence.database import Database
from racine.persistence.unit_of_work import SqlUnitOfWork
from racine.realtime import build_bus

NOW = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
PARIS = timezone(timedelta(hours=1))


def uow(db: Database) -> Any:
    return SqlUnitOfWork(db, build_bus(None))


def _tree(source: uuid.UUID) -> list[Asset]:
    table = Asset(
        kind=AssetKind.TABLE,
        name="orders",
        qualified_name="shop.main.orders",
        source_id=source,
        detail={"rowCount": 10, "primaryKey": ["id"], "viewSql": None},
        created_at=NOW,
        updated_at=NOW,
    )
    columns = [
        Asset(
            kind=AssetKind.COLUMN,
            name=name,
            qualified_name=f"shop.main.orders.{name}",
            source_id=source,
            parent_id=table.id,
            position=i + 1,
            description=description,
            detail={"dataType": "TEXT", "nullable": True},
            profile=profile,
            # the same instant in another zone, and a later one: stored as UTC
            created_at=NOW.astimezone(PARIS),
            updated_at=NOW + timedelta(seconds=i),
        )
        for i, (name, description, profile) in enumerate(
            [
                ("id", None, {"count": 3, "mean": 2.5, "top_values": [{"value": 1, "count": 1}]}),
                ("email", "contact address", None),
                ("note", "café ✓", {"kind": "STRING", "sensitive": False, "min": None}),
            ]
        )
    ]
    return [table, *columns]


async def test_saved_assets_read_back_unchanged(db: Database) -> None:
    # Given a table and columns with and without descriptions and profiles
    source = uuid.uuid4()
    assets = _tree(source)
    # When they are inserted, then some are changed (one soft-deleted) and saved
    async with uow(db) as work:
        await work.catalog.save_many(assets, [])
        await work.commit()
    async with uow(db) as work:
        stored = await work.catalog.get_many([a.id for a in assets])
    assert [stored[a.id] for a in assets] == assets
    _, first, second, third = assets
    first.description, first.profile = "key", None
    second.deleted_at, second.updated_at = NOW + timedelta(hours=1), NOW + timedelta(hours=1)
    third.detail, third.position = {"dataType": "VARCHAR(40)", "nullable": False}, 7
    async with uow(db) as work:
        await work.catalog.save_many([], [first, second, third])
        await work.commit()
    # Then every field reads back as it was given, timestamps as UTC
    async with uow(db) as work:
        stored = await work.catalog.get_many([a.id for a in assets])
        raw = await work.session.execute(
            text("SELECT profile IS NULL FROM assets WHERE qualified_name = :q"),
            {"q": "shop.main.orders"},
        )
        sql_null = raw.scalar_one()
    assert [stored[a.id] for a in assets] == assets
    assert stored[first.id].created_at.tzinfo is UTC
    # a missing profile is JSON null, as the ORM always wrote it, not SQL NULL
    assert not sql_null


async def test_labels_and_documents_of_new_and_known_assets(db: Database) -> None:
    # Given stored assets with labels, and a new column in the same batch
    source = uuid.uuid4()
    table, *columns = _tree(source)
    fresh = Asset(
        kind=AssetKind.COLUMN,
        name="phone",
        qualified_name="shop.main.orders.phone",
        source_id=source,
        parent_id=table.id,
        position=9,
    )
    old = ColumnClassification(columns[1].id, "EMAIL", "SUGGESTED", "RULE", 0.5, {"r": 1})
    async with uow(db) as work:
        await work.catalog.save_many([table, *columns], [])
        await work.catalog.replace_classifications_many({columns[1].id: [old]})
        await work.catalog.index_assets([table, *columns], {table.id: ["id", "email"]}, ())
        await work.commit()
    # When the batch rewrites the labels and documents of known and new columns
    email = ColumnClassification(
        columns[1].id, "EMAIL", "CONFIRMED", "RULE", 0.97, {"rules": ["email"], "ratio": 0.9}
    )
    phone = ColumnClassification(fresh.id, "PHONE", "SUGGESTED", "ML", 0.61, {}, None, NOW)
    async with uow(db) as work:
        await work.catalog.save_many([fresh], [])
        await work.catalog.replace_classifications_many(
            {columns[1].id: [email], fresh.id: [phone]}, {fresh.id}
        )
        await work.catalog.index_assets(
            [table, *columns, fresh], {table.id: ["id", "email", "phone"]}, {fresh.id}
        )
        await work.commit()
    # Then the labels read back as written (the old one gone) and search finds
    # each asset once, by its new document
    async with uow(db) as work:
        labels = await work.catalog.classifications_for([c.id for c in [*columns, fresh]])
        hits = await work.catalog.search(SearchQuery("phone"), PageRequest(first=10))
        cafe = await work.catalog.search(SearchQuery("café"), PageRequest(first=10))
    assert labels == {columns[1].id: [email], fresh.id: [phone]}
    assert sorted(h.asset.qualified_name for h in hits.items) == [
        "shop.main.orders",
        "shop.main.orders.phone",
    ]
    assert hits.total_count == 2
    assert [h.asset.id for h in cafe.items] == [columns[2].id]


async def test_a_scans_profile_reads_back_as_the_text_it_wrote(db: Database) -> None:
    # Given columns stored as a scan stores them: profiles encoded by the pool
    source = uuid.uuid4()
    table, *columns = _tree(source)
    for column in columns:
        if column.profile is not None:
            column.profile = JsonText(json.dumps(column.profile))  # type: ignore[assignment]
    async with uow(db) as work:
        await work.catalog.save_many([table, *columns], [])
        await work.commit()

    # When a scan reads them back to compare, profiles as text
    async with uow(db) as work:
        found = await work.catalog.children_of([table.id], profiles_as_text=True)
        decoded = await work.catalog.children_of([table.id])
    read = {c.name: c.profile for c in found[table.id]}

    # Then each profile is text (none where there is none): the very text written, on
    # both databases, so an unchanged one is a string comparison
    assert read["email"] is None
    for column in columns:
        if column.profile is not None:
            stored = read[column.name]
            assert type(stored) is JsonText
            assert stored == column.profile
    # ...and the rest of each asset as a plain read gives it
    assert [(c.id, c.detail) for c in found[table.id]] == [
        (c.id, c.detail) for c in decoded[table.id]
    ]
