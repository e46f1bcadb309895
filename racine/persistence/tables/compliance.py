"""Compliance, incident and notification tables.

Findings are unique per (framework, control, check, asset), kept as one
uniquely indexed ``fingerprint`` (a hash of the four): re-evaluations match on
it and update findings in place, so first/last seen and steward decisions
survive. An asset's findings are deleted with it by a trigger on ``assets``
(migration 0014), not a foreign key. ``evidence_digest`` (a hash of severity + evidence) tells a
re-evaluation whether a finding changed without reading its evidence back.
``compliance_tallies`` holds, per control and source, how many (check, asset)
pairs the latest evaluation looked at: the denominator of every score.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from racine.persistence.tables.base import Base, Json, UtcDateTime

__all__ = [
    "ComplianceRuleRow",
    "EvaluationRow",
    "FindingRow",
    "IncidentRow",
    "NotificationPreferenceRow",
    "TallyRow",
    "WebhookDeliveryRow",
    "WebhookRow",
]


class ComplianceRuleRow(Base):
    """One version of a custom rule. A rule's versions share its ``key``, and every
    rule has a version 1 (versions are never deleted): ``(key, version)`` unique is
    one rule per key."""

    __tablename__ = "compliance_rules"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_compliance_rules_key_version"),)

    rule_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(16))
    requirement: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    definition: Mapped[dict[str, Any]] = mapped_column(Json)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EvaluationRow(Base):
    __tablename__ = "compliance_evaluations"
    __table_args__ = (Index("ix_compliance_evaluations_created", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # = job_runs.id
    frameworks: Mapped[list[str]] = mapped_column(Json)
    source_ids: Mapped[list[str] | None] = mapped_column(Json)
    state: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    scores: Mapped[dict[str, Any]] = mapped_column(Json)
    counts: Mapped[dict[str, Any]] = mapped_column(Json)
    error: Mapped[str | None] = mapped_column(Text)


class FindingRow(Base):
    __tablename__ = "compliance_findings"
    __table_args__ = (
        UniqueConstraint("fingerprint", name="uq_compliance_findings_fingerprint"),
        Index("ix_compliance_findings_framework_status", "framework", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(32))
    framework: Mapped[str] = mapped_column(String(32))
    control_id: Mapped[str] = mapped_column(String(64))
    check_id: Mapped[str] = mapped_column(String(64))
    # No foreign key (it checked every new finding: migration 0014): deleting
    # assets deletes their findings through a trigger on ``assets`` (same migration).
    asset_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    source_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    asset_name: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))
    # ``json`` on PostgreSQL, not ``jsonb``: written as canonical text, read whole,
    # never queried into (migration 0014).
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    evidence_digest: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    last_run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class TallyRow(Base):
    __tablename__ = "compliance_tallies"

    framework: Mapped[str] = mapped_column(String(32), primary_key=True)
    control_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_key: Mapped[str] = mapped_column(String(36), primary_key=True)  # '' for none
    evaluated: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IncidentRow(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_cause", "cause_kind", "cause_id", "stage"),
        Index("ix_incidents_stage_opened", "stage", "opened_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    cause_kind: Mapped[str] = mapped_column(String(16))
    cause_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    severity: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(4))
    stage: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    asset_ids: Mapped[list[str]] = mapped_column(Json)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    resolution: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    fixed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WebhookRow(Base):
    __tablename__ = "webhooks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(Json)
    secret: Mapped[str] = mapped_column(Text)  # Fernet token of the signing secret
    min_severity: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebhookDeliveryRow(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_hook", "webhook_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    webhook_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("webhooks.id", ondelete="CASCADE")
    )
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_duration_ms: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class NotificationPreferenceRow(Base):
    __tablename__ = "notification_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kinds: Mapped[list[str]] = mapped_column(Json)
    min_severity: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
