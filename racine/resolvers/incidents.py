"""Resolvers of incidents, live alerts, webhooks and notification preferences."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Any, cast

from strawberry.scalars import JSON
from strawberry.types import Info

from racine.domain.access.model import Role
from racine.domain.events import GAP, Channels
from racine.domain.incidents import use_cases as cases
from racine.domain.incidents import webhooks as hooks
from racine.domain.incidents.destinations import DestinationPolicy
from racine.domain.incidents.model import IncidentStage, NotificationPreference
from racine.domain.incidents.ports import IncidentsUnitOfWork
from racine.domain.paging import PageRequest
from racine.domain.scanning.credentials import CredentialCipher
from racine.resolvers.live import live_events
from racine.schema import incidents as gql
from racine.schema.errors import run_mutation
from racine.schema.relay import Connection, connection_from_page, decode_id

__all__ = [
    "alerts",
    "assign_incident",
    "create_webhook",
    "delete_webhook",
    "incidents",
    "move_incident",
    "notification_preference",
    "resolve_incident",
    "resolve_webhook",
    "set_notification_preference",
    "update_webhook",
    "webhook_deliveries",
    "webhooks",
]


def _uow(info: Info) -> IncidentsUnitOfWork:
    return cast(IncidentsUnitOfWork, info.context.uow())


async def incidents(
    info: Info,
    stages: list[gql.IncidentStage] | None,
    asset_id: str | None,
    first: int,
    after: str | None,
) -> Connection[gql.Incident]:
    info.context.actor.require(Role.VIEWER)
    request = PageRequest(first=first, after=after)
    asset = None if asset_id is None else decode_id(asset_id, "Asset", field="assetId")
    async with _uow(info) as uow:
        page = await uow.incidents.page([s.value for s in stages or []], request, asset)
    return connection_from_page(page, gql.Incident.from_domain)


async def resolve_incident(info: Info, raw_id: str) -> gql.Incident | None:
    info.context.actor.require(Role.VIEWER)
    async with _uow(info) as uow:
        found = await uow.incidents.get(uuid.UUID(raw_id))
    return None if found is None else gql.Incident.from_domain(found)


async def move_incident(info: Info, input: gql.MoveIncidentInput) -> gql.IncidentPayload:
    async def action() -> dict[str, Any]:
        incident = await cases.move_incident(
            _uow(info),
            info.context.actor,
            decode_id(input.id, "Incident"),
            IncidentStage(input.stage.value),
            input.note,
        )
        return {"incident": gql.Incident.from_domain(incident)}

    return await run_mutation(info, gql.IncidentPayload, action)


async def assign_incident(info: Info, input: gql.AssignIncidentInput) -> gql.IncidentPayload:
    async def action() -> dict[str, Any]:
        assignee = (
            None
            if input.assignee_id is None
            else decode_id(input.assignee_id, "User", field="assigneeId")
        )
        incident = await cases.assign_incident(
            _uow(info), info.context.actor, decode_id(input.id, "Incident"), assignee
        )
        return {"incident": gql.Incident.from_domain(incident)}

    return await run_mutation(info, gql.IncidentPayload, action)


async def webhooks(info: Info) -> list[gql.Webhook]:
    info.context.actor.require(Role.ADMIN)
    async with _uow(info) as uow:
        found = await uow.notifications.list_webhooks(100)
    return [gql.Webhook.from_domain(w) for w in found]


async def resolve_webhook(info: Info, raw_id: str) -> gql.Webhook | None:
    info.context.actor.require(Role.ADMIN)
    async with _uow(info) as uow:
        found = await uow.notifications.get_webhook(uuid.UUID(raw_id))
    return None if found is None else gql.Webhook.from_domain(found)


async def webhook_deliveries(
    info: Info, raw_id: str | None, first: int, after: str | None
) -> Connection[gql.WebhookDelivery]:
    info.context.actor.require(Role.ADMIN)
    request = PageRequest(first=first, after=after)
    async with _uow(info) as uow:
        page = await uow.notifications.deliveries_page(
            None if raw_id is None else uuid.UUID(raw_id), request
        )
    return connection_from_page(page, gql.WebhookDelivery.from_domain)


async def create_webhook(info: Info, input: gql.CreateWebhookInput) -> gql.CreateWebhookPayload:
    async def action() -> dict[str, Any]:
        settings = info.context.services.settings
        cipher = CredentialCipher(settings.secret())
        hook = await hooks.create_webhook(
            _uow(info),
            info.context.actor,
            cipher,
            hooks.CreateWebhook(
                url=input.url,
                events=[e.value for e in input.events],
                secret=input.secret,
                min_severity=input.min_severity.value,
            ),
            DestinationPolicy(settings.webhook_allowed_networks),
        )
        return {"webhook": gql.Webhook.from_domain(hook)}

    return await run_mutation(info, gql.CreateWebhookPayload, action)


async def update_webhook(info: Info, input: gql.UpdateWebhookInput) -> gql.WebhookPayload:
    async def action() -> dict[str, Any]:
        settings = info.context.services.settings
        cmd = hooks.UpdateWebhook(
            webhook_id=decode_id(input.id, "Webhook"),
            url=input.url,
            events=None if input.events is None else [e.value for e in input.events],
            secret=input.secret,
            min_severity=None if input.min_severity is None else input.min_severity.value,
            active=input.active,
        )
        hook = await hooks.update_webhook(
            _uow(info),
            info.context.actor,
            CredentialCipher(settings.secret()),
            cmd,
            DestinationPolicy(settings.webhook_allowed_networks),
        )
        return {"webhook": gql.Webhook.from_domain(hook)}

    return await run_mutation(info, gql.WebhookPayload, action)


async def delete_webhook(info: Info, input: gql.DeleteWebhookInput) -> gql.WebhookPayload:
    async def action() -> dict[str, Any]:
        hook = await hooks.delete_webhook(
            _uow(info), info.context.actor, decode_id(input.id, "Webhook")
        )
        return {"webhook": gql.Webhook.from_domain(hook)}

    return await run_mutation(info, gql.WebhookPayload, action)


async def notification_preference(info: Info) -> gql.NotificationPreference:
    actor = info.context.actor
    async with _uow(info) as uow:
        found = await uow.notifications.preference(actor.user_id)
    return gql.NotificationPreference.from_domain(found or NotificationPreference(actor.user_id))


async def set_notification_preference(
    info: Info, input: gql.SetNotificationPreferenceInput
) -> gql.SetNotificationPreferencePayload:
    async def action() -> dict[str, Any]:
        pref = await hooks.set_notification_preference(
            _uow(info), info.context.actor, [k.value for k in input.kinds], input.min_severity.value
        )
        return {"preference": gql.NotificationPreference.from_domain(pref)}

    return await run_mutation(info, gql.SetNotificationPreferencePayload, action)


async def alerts(info: Info) -> AsyncGenerator[gql.AlertSignal, None]:
    """New findings, incidents and assertion failures, filtered by the caller's
    notification preference (read when the subscription starts)."""
    actor = info.context.actor
    actor.require(Role.VIEWER)
    async with _uow(info) as uow:
        pref = await uow.notifications.preference(actor.user_id)
    pref = pref or NotificationPreference(actor.user_id)
    async for event in live_events(info, [Channels.ALERTS]):
        if event.type == GAP:
            yield gql.AlertSignal(
                gap=True,
                gap_reason=event.payload.get("reason"),
                kind=None,
                severity=None,
                title=None,
                subject_id=None,
                asset_ids=[],
                details=cast(JSON, {}),
                occurred_at=None,
            )
            continue
        if pref.wants(str(event.payload.get("kind")), str(event.payload.get("severity"))):
            yield gql.signal(event.payload)
