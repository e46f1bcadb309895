"""Write an audit event inside the caller's unit of work, secrets redacted."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from racine.domain.audit.model import AuditEvent
from racine.domain.events import Channels, Event

if TYPE_CHECKING:
    from racine.domain.access.model import Principal
    from racine.domain.ports import UnitOfWork

__all__ = ["SECRET_KEYS", "current_request_id", "record", "record_many", "scrub"]

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


async def record_many(
    uow: UnitOfWork,
    actor: Principal,
    action: str,
    target_type: str,
    entries: Iterable[tuple[object, dict[str, Any]]],
    *,
    at: datetime | None = None,
) -> int:
    """One ``action`` event per ``(target_id, diff)`` entry, written in one batched
    insert, for work that records thousands at once (a scan removing a dropped
    schema's tables and columns). Unlike :func:`record`, the entries are not each
    signalled on the audit channel: a publish per entry would cost a bus round trip
    each. Returns how many were written."""
    request_id = current_request_id.get()
    when = at or datetime.now(UTC)
    events = [
        AuditEvent(
            actor_id=actor.user_id,
            actor_name=actor.name,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            diff=scrub(diff),
            request_id=request_id,
            occurred_at=when,
        )
        for target_id, diff in entries
    ]
    if events:
        await uow.audit.add_many(events)
    return len(events)
