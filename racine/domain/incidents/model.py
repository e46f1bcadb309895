"""Incidents, alerts, webhooks and notification preferences."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "ALERT_KINDS",
    "Alert",
    "AlertKind",
    "CauseKind",
    "Delivery",
    "DeliveryState",
    "Incident",
    "IncidentStage",
    "NotificationPreference",
    "Priority",
    "Webhook",
    "severity_rank",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


_SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")


def severity_rank(severity: str) -> int:
    return _SEVERITIES.index(severity) if severity in _SEVERITIES else 0


class IncidentStage(StrEnum):
    TRIAGE = "TRIAGE"
    INVESTIGATING = "INVESTIGATING"
    FIXED = "FIXED"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @classmethod
    def for_severity(cls, severity: str) -> Priority:
        return {"CRITICAL": cls.P1, "HIGH": cls.P2, "MEDIUM": cls.P3}.get(severity, cls.P4)


class CauseKind(StrEnum):
    FINDING = "FINDING"
    ASSERTION = "ASSERTION"


@dataclass
class Incident:
    """Opened by its cause (a critical finding, a failing assertion); one open
    incident per cause. Resolving the cause moves it to FIXED."""

    title: str
    cause_kind: CauseKind
    cause_id: uuid.UUID
    severity: str
    priority: Priority
    asset_ids: list[uuid.UUID] = field(default_factory=list)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    stage: IncidentStage = IncidentStage.TRIAGE
    assignee_id: uuid.UUID | None = None
    occurrences: int = 1
    resolution: str | None = None
    opened_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    fixed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.stage is not IncidentStage.FIXED


class AlertKind(StrEnum):
    FINDING_NEW = "FINDING_NEW"
    ASSERTION_FAILED = "ASSERTION_FAILED"
    INCIDENT_OPENED = "INCIDENT_OPENED"
    INCIDENT_RESOLVED = "INCIDENT_RESOLVED"


ALERT_KINDS = tuple(k.value for k in AlertKind)


@dataclass(frozen=True)
class Alert:
    """A live signal worth a human's attention (also delivered to webhooks)."""

    kind: AlertKind
    severity: str
    title: str
    subject_id: uuid.UUID
    asset_ids: tuple[uuid.UUID, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=utcnow)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "kind": self.kind.value,
            "severity": self.severity,
            "title": self.title,
            "subjectId": str(self.subject_id),
            "assetIds": [str(a) for a in self.asset_ids],
            "details": self.details,
            "occurredAt": self.occurred_at.isoformat(),
        }


@dataclass
class Webhook:
    """An HTTPS (or HTTP) endpoint told about alerts of ``events`` kinds at or above
    ``min_severity``. ``secret`` signs deliveries (HMAC-SHA256); it is stored
    encrypted and never returned."""

    url: str
    events: list[str]
    secret: str
    min_severity: str = "LOW"
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    active: bool = True
    created_by: uuid.UUID | None = None
    created_at: datetime = field(default_factory=utcnow)

    def wants(self, alert: Alert) -> bool:
        return (
            self.active
            and (not self.events or alert.kind.value in self.events)
            and (severity_rank(alert.severity) >= severity_rank(self.min_severity))
        )


class DeliveryState(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


@dataclass
class Delivery:
    """One alert to one webhook, attempted until it succeeds or attempts run out."""

    webhook_id: uuid.UUID
    event: str
    payload: dict[str, Any]
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    next_attempt_at: datetime = field(default_factory=utcnow)
    last_status: int | None = None
    last_error: str | None = None
    last_duration_ms: float | None = None
    created_at: datetime = field(default_factory=utcnow)
    delivered_at: datetime | None = None


@dataclass
class NotificationPreference:
    """Which alerts a user wants on the ``alerts`` subscription (empty: all kinds)."""

    user_id: uuid.UUID
    kinds: list[str] = field(default_factory=list)
    min_severity: str = "LOW"

    def wants(self, kind: str, severity: str) -> bool:
        return (not self.kinds or kind in self.kinds) and (
            severity_rank(severity) >= severity_rank(self.min_severity)
        )
