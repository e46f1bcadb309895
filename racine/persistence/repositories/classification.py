"""Custom classification types and rules, and the stored sensitivity of assets."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.catalog.model import ColumnClassification, utcnow
from racine.domain.classification.custom import StoredRule, StoredType
from racine.domain.classification.types import Category, Sensitivity
from racine.persistence.repositories.chunks import chunks
from racine.persistence.tables.catalog import AssetRow, ColumnClassificationRow
from racine.persistence.tables.classification import (
    AssetSensitivityRow,
    ClassificationRuleRow,
    ClassificationTypeRow,
)
from racine.persistence.unique_keys import UniqueKey, conflicts_on
from racine.persistence.unit_of_work import register_repository

__all__ = ["ClassificationRepository"]

_TYPE_KEY = UniqueKey.of(
    ClassificationTypeRow.__table__, "key", field="key", message="a type with this key exists"
)


def _type(row: ClassificationTypeRow) -> StoredType:
    return StoredType(
        key=row.key, name=row.name, description=row.description or "",
        category=Category(row.category), sensitivity=Sensitivity(row.sensitivity),
        created_by=row.created_by, created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


def _type_values(t: StoredType) -> dict[str, Any]:
    return {"key": t.key, "name": t.name, "description": t.description,
            "category": t.category.value, "sensitivity": int(t.sensitivity),
            "created_by": t.created_by, "created_at": t.created_at,
            "updated_at": t.updated_at}  # fmt: skip


def _rule(row: ClassificationRuleRow) -> StoredRule:
    return StoredRule(
        id=row.id, type_key=row.type_key, rule_set_id=row.rule_set_id,
        description=row.description or "", name_pattern=row.name_pattern,
        value_pattern=row.value_pattern,
        dictionary=None if row.dictionary is None else [str(w) for w in row.dictionary],
        min_match_ratio=row.min_match_ratio, confidence=row.confidence,
        case_sensitive=row.case_sensitive, created_by=row.created_by,
        created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


def _rule_values(r: StoredRule) -> dict[str, Any]:
    return {"id": r.id, "type_key": r.type_key, "rule_set_id": r.rule_set_id,
            "description": r.description, "name_pattern": r.name_pattern,
            "value_pattern": r.value_pattern, "dictionary": r.dictionary,
            "min_match_ratio": r.min_match_ratio, "confidence": r.confidence,
            "case_sensitive": r.case_sensitive, "created_by": r.created_by,
            "created_at": r.created_at, "updated_at": r.updated_at}  # fmt: skip


class ClassificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- custom types ----------------------------------------------------------------

    async def types(self) -> list[StoredType]:
        rows = await self.session.scalars(
            select(ClassificationTypeRow).order_by(ClassificationTypeRow.key)
        )
        return [_type(r) for r in rows]

    async def get_type(self, key: str) -> StoredType | None:
        row = await self.session.get(ClassificationTypeRow, key, populate_existing=True)
        return None if row is None else _type(row)

    async def get_types(self, keys: Sequence[str]) -> dict[str, StoredType]:
        out: dict[str, StoredType] = {}
        for chunk in chunks(keys):
            rows = await self.session.scalars(
                select(ClassificationTypeRow).where(ClassificationTypeRow.key.in_(chunk))
            )
            out.update({r.key: _type(r) for r in rows})
        return out

    async def add_type(self, t: StoredType) -> None:
        """A key taken, also since the caller's check, is ``Conflict`` on ``key``."""
        with conflicts_on(_TYPE_KEY):
            await self.session.execute(insert(ClassificationTypeRow), [_type_values(t)])

    async def save_type(self, t: StoredType) -> None:
        await self.session.execute(update(ClassificationTypeRow), [_type_values(t)])

    async def delete_type(self, key: str) -> None:
        await self.session.execute(
            delete(ClassificationTypeRow).where(ClassificationTypeRow.key == key)
        )

    async def columns_with_type(self, key: str) -> list[uuid.UUID]:
        c = ColumnClassificationRow
        return list(await self.session.scalars(select(c.asset_id).where(c.type_key == key)))

    async def delete_labels(self, key: str) -> None:
        c = ColumnClassificationRow
        await self.session.execute(delete(c).where(c.type_key == key))

    # -- custom rules ----------------------------------------------------------------

    async def rules_for(self, rule_set_id: uuid.UUID | None) -> list[StoredRule]:
        """Global rules plus those of ``rule_set_id``, oldest first."""
        r = ClassificationRuleRow
        where = (
            r.rule_set_id.is_(None)
            if rule_set_id is None
            else or_(r.rule_set_id.is_(None), r.rule_set_id == rule_set_id)
        )
        rows = await self.session.scalars(select(r).where(where).order_by(r.created_at, r.id))
        return [_rule(x) for x in rows]

    async def rules_page(
        self, rule_set_id: uuid.UUID | None, type_key: str | None, offset: int, limit: int
    ) -> tuple[list[StoredRule], int]:
        r = ClassificationRuleRow
        query = select(r)
        if rule_set_id is not None:
            query = query.where(r.rule_set_id == rule_set_id)
        if type_key is not None:
            query = query.where(r.type_key == type_key)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.order_by(r.created_at, r.id).offset(offset).limit(limit)
        )
        return [_rule(x) for x in rows], int(total or 0)

    async def get_rule(self, rule_id: uuid.UUID) -> StoredRule | None:
        row = await self.session.get(ClassificationRuleRow, rule_id, populate_existing=True)
        return None if row is None else _rule(row)

    async def count_rules(self) -> int:
        return int(
            await self.session.scalar(select(func.count()).select_from(ClassificationRuleRow)) or 0
        )

    async def rules_using(self, key: str) -> int:
        r = ClassificationRuleRow
        return int(await self.session.scalar(select(func.count()).where(r.type_key == key)) or 0)

    async def add_rule(self, rule: StoredRule) -> None:
        await self.session.execute(insert(ClassificationRuleRow), [_rule_values(rule)])

    async def save_rule(self, rule: StoredRule) -> None:
        await self.session.execute(update(ClassificationRuleRow), [_rule_values(rule)])

    async def delete_rule(self, rule_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(ClassificationRuleRow).where(ClassificationRuleRow.id == rule_id)
        )

    # -- stored sensitivity ----------------------------------------------------------

    async def levels_for(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        s = AssetSensitivityRow
        out: dict[uuid.UUID, int] = {}
        for chunk in chunks(ids):
            rows = await self.session.execute(select(s.asset_id, s.level).where(
                s.asset_id.in_(chunk)))  # fmt: skip
            out.update({a: int(level) for a, level in rows})
        return out

    async def set_levels(self, levels: Mapping[uuid.UUID, int | None]) -> None:
        """Replace the stored level of each key (``None`` removes it)."""
        s = AssetSensitivityRow
        for chunk in chunks(list(levels)):
            await self.session.execute(delete(s).where(s.asset_id.in_(chunk)))
        await self._insert_levels(levels)

    async def replace_source_levels(
        self, source_id: uuid.UUID, levels: Mapping[uuid.UUID, int | None]
    ) -> None:
        """Replace every stored level of one source's assets with ``levels`` (the
        source's own asset included): one DELETE for the source, not one per asset."""
        s, a = AssetSensitivityRow, AssetRow
        owned = select(a.id).where(or_(a.source_id == source_id, a.id == source_id))
        await self.session.execute(delete(s).where(s.asset_id.in_(owned)))
        await self._insert_levels(levels)

    async def _insert_levels(self, levels: Mapping[uuid.UUID, int | None]) -> None:
        now = utcnow()
        rows = [{"asset_id": k, "level": int(level), "updated_at": now}
                for k, level in levels.items() if level is not None]  # fmt: skip
        for i in range(0, len(rows), 1000):
            await self.session.execute(insert(AssetSensitivityRow), rows[i : i + 1000])

    async def live_labels_of_source(
        self, source_id: uuid.UUID
    ) -> dict[uuid.UUID, list[ColumnClassification]]:
        """The labels of every live column of one source, in one query, without their
        evidence (left empty): what a sensitivity level is computed from."""
        c, a = ColumnClassificationRow, AssetRow
        rows = await self.session.execute(
            select(c.asset_id, c.type_key, c.state, c.source, c.confidence, c.actor_id,
                   c.updated_at)
            .join(a, a.id == c.asset_id)
            .where(a.source_id == source_id, a.deleted_at.is_(None))
            .order_by(c.asset_id, c.confidence.desc())
        )  # fmt: skip
        out: dict[uuid.UUID, list[ColumnClassification]] = {}
        for r in rows:
            out.setdefault(r.asset_id, []).append(
                ColumnClassification(r.asset_id, r.type_key, r.state, r.source, r.confidence,
                                     {}, r.actor_id, r.updated_at)
            )  # fmt: skip
        return out

    async def child_levels(self, parent_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        """Highest stored level among the live children of each parent."""
        s, a = AssetSensitivityRow, AssetRow
        out: dict[uuid.UUID, int] = {}
        for chunk in chunks(parent_ids):
            rows = await self.session.execute(
                select(a.parent_id, func.max(s.level))
                .join(s, s.asset_id == a.id)
                .where(a.parent_id.in_(chunk), a.deleted_at.is_(None))
                .group_by(a.parent_id)
            )
            out.update({p: int(level) for p, level in rows if p is not None})
        return out


register_repository("classification", ClassificationRepository)
