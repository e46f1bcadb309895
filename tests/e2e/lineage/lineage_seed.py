"""Seeding helpers for lineage tests: a registered data source and catalog tables, written
through the catalog's own repository (as a scan would)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from racine.domain.catalog.model import Asset, AssetKind, ColumnClassification
from racine.persistence.tables.sources import DataSourceRow
from racine.schema.relay import encode_id


@dataclass
class Catalog:
    source_id: uuid.UUID
    tables: dict[str, Asset] = field(default_factory=dict)
    columns: dict[str, Asset] = field(default_factory=dict)

    def gid(self, name: str) -> str:
        asset = self.tables.get(name) or self.columns[name]
        return str(encode_id("Asset", asset.id))

    @property
    def source_gid(self) -> str:
        return str(encode_id("DataSource", self.source_id))


async def seed_catalog(
    runtime: Any,
    tables: dict[str, list[str]],
    url: str = "postgresql://etl@db.example.com:5432/shop",
) -> Catalog:
    now = datetime.now(UTC)
    catalog = Catalog(uuid.uuid4())
    async with runtime.uow() as uow:
        await uow.session.execute(
            insert(DataSourceRow),
            [
                {
                    "id": catalog.source_id,
                    "name": f"shop-{catalog.source_id.hex[:6]}",
                    "engine": "postgresql",
                    "display_url": url,
                    "secret": "x",
                    "has_credentials": False,
                    "description": None,
                    "rule_set_id": None,
                    "schedule": None,
                    "next_scan_at": None,
                    "created_by": None,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        new: list[Asset] = []
        for name, columns in tables.items():
            table = Asset(
                kind=AssetKind.TABLE,
                name=name.rsplit(".", 1)[-1],
                qualified_name=name,
                source_id=catalog.source_id,
            )
            catalog.tables[name] = table
            new.append(table)
            for i, column in enumerate(columns):
                col = Asset(
                    kind=AssetKind.COLUMN,
                    name=column,
                    qualified_name=f"{name}.{column}",
                    source_id=catalog.source_id,
                    parent_id=table.id,
                    position=i + 1,
                    detail={"dataType": "text"},
                )
                catalog.columns[f"{name}.{column}"] = col
                new.append(col)
        await uow.catalog.save_many(new, [])
        await uow.commit()
    return catalog


async def classify(runtime: Any, asset: Asset, type_key: str, *, remove: bool = False) -> None:
    """Set (or clear) a CONFIRMED manual classification, then announce it as the
    catalog does, so the propagation listener reacts."""
    from racine.domain.events import Channels, Event

    async with runtime.uow() as uow:
        labels = [
            c
            for c in (await uow.catalog.classifications_for([asset.id])).get(asset.id, [])
            if c.type_key != type_key
        ]
        if not remove:
            labels.append(ColumnClassification(asset.id, type_key, "CONFIRMED", "MANUAL", 1.0))
        await uow.catalog.replace_classifications(asset.id, labels)
        uow.emit(
            Event(
                Channels.CATALOG,
                "CLASSIFICATION_CHANGED",
                {"assetId": str(asset.id), "typeKey": type_key},
            )
        )
        await uow.commit()
