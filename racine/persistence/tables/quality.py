"""Data-quality assertions and the history of their results."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from racine.persistence.tables.base import Base, Json, UtcDateTime

__all__ = ["AssertionResultRow", "AssertionRow"]


class AssertionRow(Base):
    __tablename__ = "quality_assertions"
    __table_args__ = (Index("ix_quality_assertions_next_run", "enabled", "next_run_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    asset_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("assets.id", ondelete="CASCADE"), index=True
    )
    table_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    source_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict[str, Any]] = mapped_column(Json)
    severity: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    schedule: Mapped[str | None] = mapped_column(String(100))
    next_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_status: Mapped[str | None] = mapped_column(String(8))
    last_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AssertionResultRow(Base):
    __tablename__ = "quality_results"
    __table_args__ = (Index("ix_quality_results_assertion_run", "assertion_id", "run_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    assertion_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("quality_assertions.id", ondelete="CASCADE")
    )
    asset_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    status: Mapped[str] = mapped_column(String(8))
    observed: Mapped[dict[str, Any]] = mapped_column(Json)
    message: Mapped[str | None] = mapped_column(Text)
    statement: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float] = mapped_column(Float)
    run_at: Mapped[datetime] = mapped_column(UtcDateTime)
