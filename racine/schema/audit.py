"""Audit area: the trail of every change."""

from __future__ import annotations

from datetime import datetime
from typing import Self, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from racine.domain.audit import model

__all__ = ["AuditEvent", "AuditEventFilter", "AuditSignal"]


@strawberry.type(description="One recorded change: who did what to which object, and the outcome.")
class AuditEvent(relay.Node):
    id: relay.NodeID[str]
    occurred_at: datetime = strawberry.field(description="When (UTC).")
    actor_name: str = strawberry.field(description="Login name of the actor.")
    actor_id: strawberry.ID = strawberry.field(description="Global id of the acting User.")
    action: str = strawberry.field(description="Dotted action name, e.g. `token.revoke`.")
    target_type: str = strawberry.field(description="GraphQL type name of the target.")
    target_id: str | None = strawberry.field(description="Raw id of the target object.")
    outcome: str = strawberry.field(
        description="SUCCESS, or FAILURE for a mutation refused as FORBIDDEN (`access.denied`; "
        "a caller refused again and again is paced, and `diff.unrecorded` counts the refusals "
        "since the previous recorded one that were not recorded)."
    )
    request_id: str | None = strawberry.field(description="Request that made the change.")
    diff: JSON = strawberry.field(description="What changed; secrets are redacted as `***`.")

    @classmethod
    def from_domain(cls, event: model.AuditEvent) -> Self:
        from racine.schema.relay import encode_id

        return cls(
            id=str(event.id),
            occurred_at=event.occurred_at,
            actor_name=event.actor_name,
            actor_id=encode_id("User", event.actor_id),
            action=event.action,
            target_type=event.target_type,
            target_id=event.target_id,
            outcome=event.outcome,
            request_id=event.request_id,
            diff=cast(JSON, event.diff),
        )


@strawberry.input(description="Narrow the audit trail. All given criteria must hold.")
class AuditEventFilter:
    actor_id: strawberry.ID | None = strawberry.field(default=None, description="Acting User.")
    action_prefix: str | None = strawberry.field(
        default=None, description="Actions starting with this, e.g. `token.`."
    )
    target_type: str | None = strawberry.field(default=None, description="Target type name.")
    target_id: str | None = strawberry.field(default=None, description="Raw target id.")
    since: datetime | None = strawberry.field(default=None, description="At or after (UTC).")
    until: datetime | None = strawberry.field(default=None, description="Before (UTC).")


@strawberry.type(
    description="A live audit signal. `gap` true means events may have been missed: re-read "
    "`auditEvents`."
)
class AuditSignal:
    gap: bool = strawberry.field(description="Events may have been lost before this one.")
    gap_reason: str | None = strawberry.field(description="Why (reconnected, slow_consumer).")
    event: AuditEvent | None = strawberry.field(description="The new event (null on a gap).")
