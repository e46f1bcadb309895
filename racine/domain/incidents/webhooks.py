"""Webhooks (ADMIN) and per-user notification preferences (each user, their own)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.errors import NotFound, ValidationFailed
from racine.domain.incidents.destinations import DestinationPolicy
from racine.domain.incidents.model import ALERT_KINDS, NotificationPreference, Webhook
from racine.domain.incidents.ports import IncidentsUnitOfWork
from racine.domain.scanning.credentials import CredentialCipher

__all__ = [
    "CreateWebhook",
    "create_webhook",
    "deactivate_webhook",
    "set_notification_preference",
]

_SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")


@dataclass(frozen=True)
class CreateWebhook:
    url: str
    events: Sequence[str]
    secret: str
    min_severity: str = "LOW"


def _kinds(values: Sequence[str], field: str) -> list[str]:
    kinds = [v.strip().upper() for v in values]
    unknown = sorted(set(kinds) - set(ALERT_KINDS))
    if unknown:
        raise ValidationFailed(f"unknown alert kind(s): {', '.join(unknown)}; known: "
                               f"{', '.join(ALERT_KINDS)}", field=field)
    return list(dict.fromkeys(kinds))


def _severity(value: str, field: str) -> str:
    if value.upper() not in _SEVERITIES:
        raise ValidationFailed("severity must be LOW, MEDIUM, HIGH or CRITICAL", field=field)
    return value.upper()


async def create_webhook(uow: IncidentsUnitOfWork, actor: Principal, cipher: CredentialCipher,
                         cmd: CreateWebhook, destinations: DestinationPolicy) -> Webhook:
    """ADMIN only (a webhook makes the server call out). The secret (16-256
    characters) is stored encrypted and never shown again. The URL's host must
    resolve to addresses ``destinations`` lets webhooks reach (checked last,
    after the cheap checks, as it looks the host up)."""
    actor.require(Role.ADMIN)
    parts = urlsplit(cmd.url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or len(cmd.url) > 2000:
        raise ValidationFailed("url must be an http(s) URL of at most 2000 characters",
                               field="url")
    if parts.username or parts.password:
        raise ValidationFailed("url must not carry credentials: use the signing secret",
                               field="url")
    if not 16 <= len(cmd.secret) <= 256:
        raise ValidationFailed("secret must be 16-256 characters", field="secret")
    events = _kinds(cmd.events, "events")
    min_severity = _severity(cmd.min_severity, "minSeverity")
    await destinations.check_url(cmd.url.strip())
    hook = Webhook(url=cmd.url.strip(), events=events, secret=cipher.encrypt(cmd.secret),
                   min_severity=min_severity, created_by=actor.user_id)
    async with uow:
        await uow.notifications.add_webhook(hook)
        await record(uow, actor, "webhook.create", "Webhook", hook.id,
                     {"url": hook.url, "events": hook.events, "minSeverity": hook.min_severity})
        await uow.commit()
    return hook


async def deactivate_webhook(uow: IncidentsUnitOfWork, actor: Principal, hook_id: uuid.UUID
                             ) -> Webhook:
    actor.require(Role.ADMIN)
    async with uow:
        hook = await uow.notifications.get_webhook(hook_id)
        if hook is None:
            raise NotFound("Webhook", hook_id, field="id")
        await uow.notifications.set_webhook_active(hook_id, False)
        hook.active = False
        await record(uow, actor, "webhook.deactivate", "Webhook", hook_id, {})
        await uow.commit()
    return hook


async def set_notification_preference(
    uow: IncidentsUnitOfWork, actor: Principal, kinds: Sequence[str], min_severity: str
) -> NotificationPreference:
    """The caller's own preference: which alert kinds (empty: all) at or above
    which severity reach their ``alerts`` subscription."""
    actor.require(Role.VIEWER)
    pref = NotificationPreference(actor.user_id, _kinds(kinds, "kinds"),
                                  _severity(min_severity, "minSeverity"))
    async with uow:
        await uow.notifications.save_preference(pref, datetime.now(UTC))
        await record(uow, actor, "notification.preference", "User", actor.user_id,
                     {"kinds": pref.kinds, "minSeverity": pref.min_severity})
        await uow.commit()
    return pref
