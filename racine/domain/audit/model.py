"""The audit event: an append-only record written in the mutation's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["AuditEvent", "AuditFilter"]


@dataclass
class AuditEvent:
    actor_id: uuid.UUID
    actor_name: str
    action: str  # "datasource.create", "token.revoke", ...
    target_type: str
    target_id: str | None
    diff: dict[str, Any]
    outcome: str = "SUCCESS"
    request_id: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class AuditFilter:
    actor_id: uuid.UUID | None = None
    action_prefix: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
