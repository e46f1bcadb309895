"""Incidents, live alerts, webhooks and notification preferences."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Self, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from racine.domain.incidents import model
from racine.schema.compliance import Severity
from racine.schema.errors import UserError
from racine.schema.relay import Connection, encode_id

__all__ = [
    "AlertKind",
    "AlertSignal",
    "AssignIncidentInput",
    "CreateWebhookInput",
    "DeleteWebhookInput",
    "Incident",
    "IncidentPayload",
    "IncidentStage",
    "MoveIncidentInput",
    "NotificationPreference",
    "SetNotificationPreferenceInput",
    "UpdateWebhookInput",
    "Webhook",
    "WebhookDelivery",
    "WebhookPayload",
]

PAGE = "Page size, 0-100 (default 20)."
AFTER = "Cursor from `pageInfo.endCursor` of the previous page."


@strawberry.enum(description="TRIAGE ⇄ INVESTIGATING → FIXED.")
class IncidentStage(Enum):
    TRIAGE = "TRIAGE"
    INVESTIGATING = "INVESTIGATING"
    FIXED = "FIXED"


@strawberry.enum(description="Kinds of alerts.")
class AlertKind(Enum):
    FINDING_NEW = "FINDING_NEW"
    ASSERTION_FAILED = "ASSERTION_FAILED"
    INCIDENT_OPENED = "INCIDENT_OPENED"
    INCIDENT_RESOLVED = "INCIDENT_RESOLVED"


@strawberry.type(
    description="Something to fix, opened by a failing assertion or a CRITICAL "
    "finding; one open incident per cause."
)
class Incident(relay.Node):
    id: relay.NodeID[str]
    title: str = strawberry.field(description="What is wrong.")
    cause_kind: str = strawberry.field(description="FINDING or ASSERTION.")
    cause_id: strawberry.ID = strawberry.field(
        description="Global id of the ComplianceFinding or QualityAssertion."
    )
    severity: Severity = strawberry.field(description="Severity of the cause.")
    priority: str = strawberry.field(description="P1 (CRITICAL) … P4 (LOW).")
    stage: IncidentStage = strawberry.field(description="Where it stands.")
    assignee_id: strawberry.ID | None = strawberry.field(description="Assigned User.")
    asset_ids: list[strawberry.ID] = strawberry.field(description="Linked Assets.")
    occurrences: int = strawberry.field(description="Times the cause recurred while open.")
    resolution: str | None = strawberry.field(description="How it was fixed.")
    opened_at: datetime = strawberry.field(description="Opened (UTC).")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")
    fixed_at: datetime | None = strawberry.field(description="Fixed (UTC).")

    @classmethod
    def from_domain(cls, i: model.Incident) -> Self:
        cause_type = (
            "ComplianceFinding" if i.cause_kind is model.CauseKind.FINDING else "QualityAssertion"
        )
        return cls(
            id=str(i.id),
            title=i.title,
            cause_kind=i.cause_kind.value,
            cause_id=encode_id(cause_type, i.cause_id),
            severity=Severity(i.severity),
            priority=i.priority.value,
            stage=IncidentStage(i.stage.value),
            assignee_id=None if i.assignee_id is None else encode_id("User", i.assignee_id),
            asset_ids=[encode_id("Asset", a) for a in i.asset_ids],
            occurrences=i.occurrences,
            resolution=i.resolution,
            opened_at=i.opened_at,
            updated_at=i.updated_at,
            fixed_at=i.fixed_at,
        )


@strawberry.type(
    description="A live alert. `gap` true means alerts may have been missed: "
    "re-read `incidents` and `complianceReport`."
)
class AlertSignal:
    gap: bool = strawberry.field(description="Alerts may have been lost before this one.")
    gap_reason: str | None = strawberry.field(description="Why (reconnected, slow_consumer).")
    kind: AlertKind | None = strawberry.field(description="What happened (null on a gap).")
    severity: Severity | None = strawberry.field(description="How bad.")
    title: str | None = strawberry.field(description="Human-readable summary.")
    subject_id: strawberry.ID | None = strawberry.field(
        description="Global id of the ComplianceFinding, QualityAssertion or Incident."
    )
    asset_ids: list[strawberry.ID] = strawberry.field(description="Assets concerned.")
    details: JSON = strawberry.field(description="Kind-specific details.")
    occurred_at: datetime | None = strawberry.field(description="When (UTC).")


@strawberry.type(
    description="A webhook endpoint. Deliveries are POSTed as JSON with header "
    "`X-Racine-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + '.' + body)>`."
)
class Webhook(relay.Node):
    id: relay.NodeID[str]
    url: str = strawberry.field(description="Endpoint.")
    events: list[AlertKind] = strawberry.field(description="Alert kinds sent (empty: all).")
    min_severity: Severity = strawberry.field(description="Lowest severity sent.")
    active: bool = strawberry.field(description="Whether alerts are sent to it.")
    created_at: datetime = strawberry.field(description="Created (UTC).")

    @strawberry.field(description="Its delivery log, newest first; ≤ 100 per page.")
    async def deliveries(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[WebhookDelivery]:
        from racine.resolvers.incidents import webhook_deliveries

        return await webhook_deliveries(info, str(self.id), first, after)

    @classmethod
    def from_domain(cls, w: model.Webhook) -> Self:
        return cls(
            id=str(w.id),
            url=w.url,
            events=[AlertKind(e) for e in w.events],
            min_severity=Severity(w.min_severity),
            active=w.active,
            created_at=w.created_at,
        )


@strawberry.type(description="One alert sent (or being sent) to one webhook.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="Delivery id (`X-Racine-Delivery`).")
    webhook_id: strawberry.ID = strawberry.field(description="Global id of the Webhook.")
    event: AlertKind = strawberry.field(description="Alert kind.")
    state: str = strawberry.field(description="PENDING, DELIVERED or FAILED (gave up).")
    attempts: int = strawberry.field(description="Attempts so far.")
    last_status: int | None = strawberry.field(description="HTTP status of the last attempt.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed.")
    last_duration_ms: float | None = strawberry.field(description="Its duration (ms).")
    next_attempt_at: datetime = strawberry.field(description="Next attempt (UTC) if PENDING.")
    created_at: datetime = strawberry.field(description="Queued (UTC).")
    delivered_at: datetime | None = strawberry.field(description="Delivered (UTC).")

    @classmethod
    def from_domain(cls, d: model.Delivery) -> Self:
        return cls(
            id=strawberry.ID(str(d.id)),
            webhook_id=encode_id("Webhook", d.webhook_id),
            event=AlertKind(d.event),
            state=d.state.value,
            attempts=d.attempts,
            last_status=d.last_status,
            last_error=d.last_error,
            last_duration_ms=d.last_duration_ms,
            next_attempt_at=d.next_attempt_at,
            created_at=d.created_at,
            delivered_at=d.delivered_at,
        )


@strawberry.type(description="Which alerts reach the caller's `alerts` subscription.")
class NotificationPreference:
    kinds: list[AlertKind] = strawberry.field(description="Alert kinds (empty: all).")
    min_severity: Severity = strawberry.field(description="Lowest severity.")

    @classmethod
    def from_domain(cls, p: model.NotificationPreference) -> Self:
        return cls(kinds=[AlertKind(k) for k in p.kinds], min_severity=Severity(p.min_severity))


@strawberry.input(description="Move an incident. EDITOR+.")
class MoveIncidentInput:
    id: strawberry.ID = strawberry.field(description="Incident id.")
    stage: IncidentStage = strawberry.field(description="Target stage.")
    note: str | None = strawberry.field(default=None, description="Why (audited).")


@strawberry.input(description="Assign an incident. EDITOR+.")
class AssignIncidentInput:
    id: strawberry.ID = strawberry.field(description="Incident id.")
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None, description="User id; null unassigns."
    )


@strawberry.type(description="Result of `moveIncident` / `assignIncident`.")
class IncidentPayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    incident: Incident | None = strawberry.field(default=None, description="The incident.")


@strawberry.input(description="Register a webhook. ADMIN only.")
class CreateWebhookInput:
    url: str = strawberry.field(
        description=(
            "http(s) URL (≤ 2000 characters, no credentials). Its host must resolve to public "
            "addresses only: loopback, private, link-local (e.g. 169.254.169.254), "
            "carrier-grade NAT, multicast, reserved and unspecified addresses are refused "
            "(INVALID on `url`) unless in RACINE_WEBHOOK_ALLOWED_NETWORKS; checked again at "
            "every delivery attempt."
        )
    )
    events: list[AlertKind] = strawberry.field(
        default_factory=list, description="Alert kinds to send (empty: all)."
    )
    secret: str = strawberry.field(
        description="Signing secret, 16-256 characters. Input only: never returned."
    )
    min_severity: Severity = strawberry.field(
        default=Severity.LOW, description="Lowest severity sent."
    )


@strawberry.type(description="Result of `createWebhook`.")
class CreateWebhookPayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    webhook: Webhook | None = strawberry.field(default=None, description="The webhook.")


@strawberry.input(description="Change a webhook; omitted fields stay as they are. ADMIN only.")
class UpdateWebhookInput:
    id: strawberry.ID = strawberry.field(description="The Webhook.")
    url: str | None = strawberry.field(
        default=None, description="New endpoint, checked as in `createWebhook`."
    )
    events: list[AlertKind] | None = strawberry.field(
        default=None, description="Alert kinds to send (empty: all)."
    )
    secret: str | None = strawberry.field(
        default=None,
        description="New signing secret, 16-256 characters, used from the next"
        " attempt on. Input only: never returned.",
    )
    min_severity: Severity | None = strawberry.field(
        default=None, description="Lowest severity sent."
    )
    active: bool | None = strawberry.field(
        default=None,
        description="false: no new deliveries, and pending ones fail at their"
        " next attempt; true: alerts are sent again.",
    )


@strawberry.input(description="Delete a webhook with its delivery log. ADMIN only.")
class DeleteWebhookInput:
    id: strawberry.ID = strawberry.field(description="The Webhook.")


@strawberry.type(description="Result of `updateWebhook` / `deleteWebhook`.")
class WebhookPayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    webhook: Webhook | None = strawberry.field(
        default=None, description="The webhook after the change (as it was, once deleted)."
    )


@strawberry.input(description="Set the caller's alert preference.")
class SetNotificationPreferenceInput:
    kinds: list[AlertKind] = strawberry.field(
        default_factory=list, description="Alert kinds (empty: all)."
    )
    min_severity: Severity = strawberry.field(default=Severity.LOW, description="Lowest severity.")


@strawberry.type(description="Result of `setNotificationPreference`.")
class SetNotificationPreferencePayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    preference: NotificationPreference | None = strawberry.field(
        default=None, description="The saved preference."
    )


def signal(payload: dict[str, object]) -> AlertSignal:
    """An AlertSignal from an ``Alert.to_json()`` event payload."""
    kind = model.AlertKind(str(payload["kind"]))
    subject = {
        model.AlertKind.FINDING_NEW: "ComplianceFinding",
        model.AlertKind.ASSERTION_FAILED: "QualityAssertion",
    }.get(kind, "Incident")
    assets = payload.get("assetIds") or []
    return AlertSignal(
        gap=False,
        gap_reason=None,
        kind=AlertKind(kind.value),
        severity=Severity(str(payload["severity"])),
        title=str(payload["title"]),
        subject_id=encode_id(subject, payload["subjectId"]),
        asset_ids=[encode_id("Asset", a) for a in cast(list[str], assets)],
        details=cast(JSON, payload.get("details") or {}),
        occurred_at=datetime.fromisoformat(str(payload["occurredAt"])),
    )
