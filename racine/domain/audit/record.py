"""Write an audit event inside the caller's unit of work, secrets redacted."""

from __future__ import annotations

import contextvars
import uuid
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from racine.domain.audit.model import AuditEvent
from racine.domain.events import Channels, Event

if TYPE_CHECKING:
    from racine.domain.access.model import Principal
    from racine.domain.ports import UnitOfWork

__all__ = ["SECRET_KEYS", "current_request_id", "record", "scrub"]

# Set by the transport (HTTP request, WebSocket message, job) for the audit trail.
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "racine_audit_request_id", default=None
)

SECRET_KEYS = frozenset(
    {"password", "secret", "token", "credentials", "url_password", "api_key", "private_key"}
)


def scrub(value: Any) -> Any:
    """JSON-safe copy of ``value`` with secret-looking keys redacted."""
    if isinstance(value, dict):
        return {
            str(k): ("***" if str(k).lower() in SECRET_KEYS else scrub(v)) for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


async def record(
    uow: UnitOfWork,
    actor: Principal,
    action: str,
    target_type: str,
    target_id: object | None,
    diff: dict[str, Any] | None = None,
    *,
    outcome: str = "SUCCESS",
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_name=actor.name,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        diff=scrub(diff or {}),
        outcome=outcome,
        request_id=current_request_id.get(),
    )
    await uow.audit.add(event)
    uow.emit(
        Event(
            Channels.AUDIT,
            "AUDIT_EVENT",
            {
                "id": str(event.id),
                "action": action,
                "target_type": target_type,
                "target_id": event.target_id,
                "actor": actor.name,
                "outcome": outcome,
            },
        )
    )
    return event
