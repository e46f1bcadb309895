"""Domain events: live signals published on the event bus AFTER commit.

Events are best-effort: clients re-read state after reconnecting. A ``gap`` event
tells a subscriber that events may have been lost (bus reconnect, slow consumer).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["GAP", "Channels", "Event"]

GAP = "gap"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Event:
    """One live signal.

    ``channel`` routes it (see :class:`Channels`), ``type`` says what happened
    (``ASSET_ADDED``, ``SCAN_PROGRESS``, ``gap``...), ``payload`` is JSON-safe and
    never holds a secret.
    """

    channel: str
    type: str
    payload: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    occurred_at: datetime = field(default_factory=_now)

    def to_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "type": self.type,
            "payload": self.payload,
            "id": self.id,
            "occurred_at": self.occurred_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        return cls(
            channel=str(data["channel"]),
            type=str(data["type"]),
            payload=dict(data.get("payload") or {}),
            id=str(data.get("id") or uuid.uuid4().hex),
            occurred_at=datetime.fromisoformat(data["occurred_at"])
            if data.get("occurred_at")
            else _now(),
        )

    @classmethod
    def gap(cls, channel: str, reason: str) -> Event:
        return cls(channel=channel, type=GAP, payload={"reason": reason})


class Channels:
    """Channel names. Public: other processes (and Redis) see them."""

    AUDIT = "audit"
    ACCESS = "access"  # token revocations end live subscriptions
    CATALOG = "catalog"
    ALERTS = "alerts"

    @staticmethod
    def scan(scan_id: str) -> str:
        return f"scan:{scan_id}"

    @staticmethod
    def job(run_id: str) -> str:
        return f"job:{run_id}"

    @staticmethod
    def document(document_id: str) -> str:
        return f"document:{document_id}"

    @staticmethod
    def presence(document_id: str) -> str:
        return f"presence:{document_id}"

    @staticmethod
    def workspace(workspace_id: str) -> str:
        return f"workspace:{workspace_id}"

    @staticmethod
    def notifications(user_id: object) -> str:
        """Per-user notifications (mentions, invitations)."""
        return f"notifications:{user_id}"
