"""The compliance facts snapshot: the whole live catalog in six statements (assets,
tags, owners, live labels, lineage edges, source names), decoded here; checks then
run in memory. Mixed into :class:`~racine.persistence.repositories.compliance.ComplianceRepository`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.compliance.facts import AssetFact, Facts, gc_paused
from racine.persistence.tables.sources import DataSourceRow

__all__ = ["FactsMixin"]

_CATALOG_KINDS = ("DATA_SOURCE", "DATABASE", "SCHEMA", "TABLE", "VIEW", "COLUMN")


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    return None if value is None else _uuid(value)


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if not value or value == "{}":
        return {}
    loaded = json.loads(value)
    return loaded if isinstance(loaded, dict) else {}


class FactsMixin:
    session: AsyncSession

    # -- facts ------------------------------------------------------------------------

    async def load_facts(self, source_ids: Sequence[uuid.UUID] | None = None) -> Facts:
        """The whole live catalog (lineage may cross sources; the evaluator narrows
        what it evaluates to ``source_ids``).

        Plain-text statements, decoded here: SQLAlchemy's per-value result
        processors (UUID, JSON) cost more than the reads themselves at 100,000s of
        rows. PostgreSQL hands back UUID objects and JSON text; SQLite hex text.
        """
        del source_ids
        with gc_paused():
            return await self._load_facts()

    async def _load_facts(self) -> Facts:
        run = self._reader()
        assets: dict[uuid.UUID, AssetFact] = {}
        kinds = ", ".join(f"'{k}'" for k in _CATALOG_KINDS)
        rows = await run(
            "SELECT id, kind, name, qualified_name, source_id, parent_id, "
            "NULLIF(CAST(properties AS TEXT), '{}') "  # text: decode only non-empty ones
            f"FROM assets WHERE deleted_at IS NULL AND kind IN ({kinds})"
        )
        if self.session.get_bind().dialect.name == "postgresql":
            # asyncpg already gives UUID objects: no conversion call per value
            # (three per asset, 100,000s of assets).
            for ident, kind, name, qualified, source, parent, props in rows:
                assets[ident] = AssetFact(
                    ident, kind, name, qualified, source, parent, _json(props) if props else {}
                )
        else:
            for r in rows:
                ident = _uuid(r[0])
                assets[ident] = AssetFact(
                    ident, r[1], r[2], r[3], _uuid_or_none(r[4]), _uuid_or_none(r[5]), _json(r[6])
                )
        tags: dict[uuid.UUID, set[str]] = {}
        for asset_id, tag in await run("SELECT asset_id, tag FROM asset_tags"):
            tags.setdefault(_uuid(asset_id), set()).add(tag)
        owners: dict[uuid.UUID, list[uuid.UUID]] = {}
        for asset_id, user_id in await run("SELECT asset_id, user_id FROM asset_owners"):
            owners.setdefault(_uuid(asset_id), []).append(_uuid(user_id))
        labels: dict[uuid.UUID, list[str]] = {}
        for asset_id, key in await run(
            "SELECT asset_id, type_key FROM column_classifications WHERE state != 'REJECTED'"
        ):
            labels.setdefault(_uuid(asset_id), []).append(key)
        edges = [
            (_uuid(a), _uuid(b))
            for a, b in await run(
                "SELECT source_id, target_id FROM lineage_edges WHERE NOT blocked"
            )
        ]
        names = {_uuid(i): n for i, n in await run("SELECT id, name FROM data_sources")}
        return Facts(
            assets=assets,
            tags={k: frozenset(v) for k, v in tags.items()},
            owners={k: tuple(v) for k, v in owners.items()},
            labels={k: tuple(v) for k, v in labels.items()},
            edges=edges,
            source_names=names,
        )

    def _reader(self) -> Callable[[str], Awaitable[Sequence[Sequence[Any]]]]:
        async def fetch(sql: str) -> Sequence[Sequence[Any]]:
            # Both async drivers' cursors hold the whole result once executed; take
            # the driver's rows as they are (no Row per row: the statements are
            # untyped text, so SQLAlchemy would pass the values through anyway).
            result = await self.session.execute(text(sql))
            cursor = getattr(result, "cursor", None)
            if cursor is None:  # pragma: no cover - not a cursor result
                return list(result)
            rows: Sequence[Sequence[Any]] = cursor.fetchall()
            result.close()
            return rows

        return fetch

    async def source_names(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        rows = await self.session.execute(
            select(DataSourceRow.id, DataSourceRow.name).where(DataSourceRow.id.in_(list(ids)))
        )
        return {i: n for i, n in rows}
