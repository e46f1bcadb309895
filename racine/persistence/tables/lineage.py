"""Lineage tables: edges between assets, raw OpenLineage events, propagated labels.

``lineage_edges`` is read one hop at a time (``source_id IN frontier`` or
``target_id IN frontier``), hence the two composite indexes led by those
columns. ``job_key`` is the job id as text, '' for none, so the uniqueness of
(source, target, provenance, job) holds on both databases (NULLs never collide).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from racine.persistence.tables.base import Base, Json, UtcDateTime

__all__ = ["LineageEdgeRow", "OpenLineageEventRow", "PropagatedLabelRow"]

_ASSET_FK = "assets.id"


class LineageEdgeRow(Base):
    __tablename__ = "lineage_edges"
    __table_args__ = (
        UniqueConstraint(
            "source_id", "target_id", "provenance", "job_key", name="uq_lineage_edges_identity"
        ),
        # Covering on PostgreSQL: the traversal reads (other end, id) from the index
        # alone, with no fetch of the edge row per step.
        Index(
            "ix_lineage_edges_source",
            "source_id",
            "level",
            postgresql_include=["target_id", "id"],
        ),
        Index(
            "ix_lineage_edges_target",
            "target_id",
            "level",
            postgresql_include=["source_id", "id"],
        ),
        Index("ix_lineage_edges_job", "job_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    source_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_ASSET_FK, ondelete="CASCADE"))
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_ASSET_FK, ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(8))
    provenance: Mapped[str] = mapped_column(String(16))
    transformation_type: Mapped[str] = mapped_column(String(16))
    transformation_subtype: Mapped[str | None] = mapped_column(String(16))
    masking: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    job_key: Mapped[str] = mapped_column(String(36), default="")
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OpenLineageEventRow(Base):
    """Each accepted event as received; ``idempotency_key`` makes retries no-ops."""

    __tablename__ = "openlineage_events"
    __table_args__ = (Index("ix_openlineage_events_run", "run_id", "event_time"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    event_type: Mapped[str | None] = mapped_column(String(16))
    event_time: Mapped[datetime] = mapped_column(UtcDateTime)
    run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    job_namespace: Mapped[str | None] = mapped_column(String(1000))
    job_name: Mapped[str | None] = mapped_column(String(1000))
    producer: Mapped[str] = mapped_column(String(1000))
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    received_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PropagatedLabelRow(Base):
    """``label`` on ``asset_id`` because it is assigned on ``source_asset_id``."""

    __tablename__ = "lineage_propagated_labels"

    asset_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(_ASSET_FK, ondelete="CASCADE"), primary_key=True
    )
    label_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    label_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    source_asset_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(_ASSET_FK, ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
