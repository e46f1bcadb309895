"""Classification tables: organisation-defined types and rules, and the stored
sensitivity of every asset.

``asset_sensitivity`` is derived data (``sensitivity_for`` on a column's labels,
``roll_up`` to tables, schemas, databases and sources). It is stored, one row per
asset that has a level, so ``assets(filter:)`` and ``search`` filter and facet on
it with one indexed join instead of aggregating labels over a whole source per
row. Levels are the ordered integers of ``Sensitivity`` (PUBLIC 0 … RESTRICTED 3);
an asset without a row has no sensitivity.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from racine.persistence.tables.base import Base, Json, UtcDateTime

__all__ = ["AssetSensitivityRow", "ClassificationRuleRow", "ClassificationTypeRow"]


class ClassificationTypeRow(Base):
    __tablename__ = "classification_types"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(16))
    sensitivity: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ClassificationRuleRow(Base):
    __tablename__ = "classification_rules"
    __table_args__ = (Index("ix_classification_rules_rule_set", "rule_set_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    type_key: Mapped[str] = mapped_column(String(64), index=True)
    rule_set_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    description: Mapped[str] = mapped_column(Text, default="")
    name_pattern: Mapped[str | None] = mapped_column(Text)
    value_pattern: Mapped[str | None] = mapped_column(Text)
    dictionary: Mapped[list[Any] | None] = mapped_column(Json)
    min_match_ratio: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    case_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AssetSensitivityRow(Base):
    __tablename__ = "asset_sensitivity"

    asset_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[int] = mapped_column(Integer, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
