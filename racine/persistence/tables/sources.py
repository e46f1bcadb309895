"""Data sources (credentials encrypted), scan rule sets and scans.

A scan's id is its job run's id: state, reason and timing are read from
``job_runs``; this table keeps the source, the rule set and the counts.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from racine.persistence.tables.base import Base, Json, UtcDateTime

__all__ = ["DataSourceRow", "ScanRow", "ScanRuleSetRow"]


class ScanRuleSetRow(Base):
    __tablename__ = "scan_rule_sets"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    include_schemas: Mapped[list[str]] = mapped_column(Json)
    exclude_schemas: Mapped[list[str]] = mapped_column(Json)
    include_tables: Mapped[list[str]] = mapped_column(Json)
    exclude_tables: Mapped[list[str]] = mapped_column(Json)
    sample_size: Mapped[int] = mapped_column(Integer)
    profiling: Mapped[bool] = mapped_column(Boolean)
    classification: Mapped[bool] = mapped_column(Boolean)
    min_match_ratio: Mapped[float] = mapped_column(Float)
    auto_confirm_threshold: Mapped[float] = mapped_column(Float)
    min_confidence: Mapped[float] = mapped_column(Float)
    enabled_types: Mapped[list[str] | None] = mapped_column(Json)
    use_ml: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DataSourceRow(Base):
    __tablename__ = "data_sources"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    engine: Mapped[str] = mapped_column(String(16))
    display_url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(Text)  # Fernet token of the full URL
    has_credentials: Mapped[bool] = mapped_column(Boolean)
    description: Mapped[str | None] = mapped_column(Text)
    rule_set_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("scan_rule_sets.id", ondelete="RESTRICT")
    )
    schedule: Mapped[str | None] = mapped_column(String(100))
    next_scan_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ScanRow(Base):
    __tablename__ = "scans"
    __table_args__ = (Index("ix_scans_source_created", "source_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # = job_runs.id
    source_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("data_sources.id", ondelete="CASCADE")
    )
    rule_set_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tables_total: Mapped[int] = mapped_column(Integer, default=0)
    tables_done: Mapped[int] = mapped_column(Integer, default=0)
    columns_done: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(Json)
