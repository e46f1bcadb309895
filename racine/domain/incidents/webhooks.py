"""Webhooks (ADMIN) and per-user notification preferences (each user, their own)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
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
    "UpdateWebhook",
    "create_webhook",
    "delete_webhook",
    "set_notification_preference",
    "shown_url",
    "update_webhook",
]

_SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")


@dataclass(frozen=True)
class CreateWebhook:
    url: str
    events: Sequence[str]
    secret: str
    min_severity: str = "LOW"


@dataclass(frozen=True)
class UpdateWebhook:
    """Fields left ``None`` stay as they are."""

    webhook_id: uuid.UUID
    url: str | None = None
    events: Sequence[str] | None = None
    secret: str | None = None
    min_severity: str | None = None
    active: bool | None = None


def _url(value: str) -> str:
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(value) > 2000:
        raise ValidationFailed("url must be an http(s) URL of at most 2000 characters", field="url")
    if parts.username or parts.password:
        raise ValidationFailed(
            "url must not carry credentials: use the signing secret", field="url"
        )
    return url


def shown_url(url: str) -> str:
    """``url`` as the audit trail shows it: scheme and host, the path and query
    replaced by ``***``. Some services put the credential in the path (Slack's
    ``/services/T…/B…/<token>``), and the audit trail is read, streamed and
    exported beyond the admins who may see the webhook itself."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return f"{origin}/***" if parts.path.strip("/") or parts.query else origin


def _secret(value: str) -> str:
    if not 16 <= len(value) <= 256:
        raise ValidationFailed("secret must be 16-256 characters", field="secret")
    return value


def _kinds(values: Sequence[str], field: str) -> list[str]:
    kinds = [v.strip().upper() for v in values]
    unknown = sorted(set(kinds) - set(ALERT_KINDS))
    if unknown:
        raise ValidationFailed(
            f"unknown alert kind(s): {', '.join(unknown)}; known: {', '.join(ALERT_KINDS)}",
            field=field,
        )
    return list(dict.fromkeys(kinds))


def _severity(value: str, field: str) -> str:
    if value.upper() not in _SEVERITIES:
        raise ValidationFailed("severity must be LOW, MEDIUM, HIGH or CRITICAL", field=field)
    return value.upper()


async def create_webhook(
    uow: IncidentsUnitOfWork,
    actor: Principal,
    cipher: CredentialCipher,
    cmd: CreateWebhook,
    destinations: DestinationPolicy,
) -> Webhook:
    """ADMIN only (a webhook makes the server call out). The secret (16-256
    characters) is stored encrypted and never shown again. The URL's host must
    resolve to addresses ``destinations`` lets webhooks reach (checked last,
    after the cheap checks, as it looks the host up)."""
    actor.require(Role.ADMIN)
    url, secret = _url(cmd.url), _secret(cmd.secret)
    events = _kinds(cmd.events, "events")
    min_severity = _severity(cmd.min_severity, "minSeverity")
    await destinations.check_url(url)
    hook = Webhook(
        url=url,
        events=events,
        secret=cipher.encrypt(secret),
        min_severity=min_severity,
        created_by=actor.user_id,
    )
    async with uow:
        await uow.notifications.add_webhook(hook)
        await record(
            uow,
            actor,
            "webhook.create",
            "Webhook",
            hook.id,
            {"url": shown_url(hook.url), "events": hook.events, "minSeverity": hook.min_severity},
        )
        await uow.commit()
    return hook


async def update_webhook(
    uow: IncidentsUnitOfWork,
    actor: Principal,
    cipher: CredentialCipher,
    cmd: UpdateWebhook,
    destinations: DestinationPolicy,
) -> Webhook:
    """ADMIN only. A new URL is checked as on creation; a new secret signs the next
    attempts (the history says it was rotated, never what it is). A deactivated
    webhook gets no new deliveries, and its pending ones fail at their next attempt."""
    actor.require(Role.ADMIN)
    url = None if cmd.url is None else _url(cmd.url)
    secret = None if cmd.secret is None else _secret(cmd.secret)
    events = None if cmd.events is None else _kinds(cmd.events, "events")
    min_severity = None if cmd.min_severity is None else _severity(cmd.min_severity, "minSeverity")
    if url is not None:
        await destinations.check_url(url)
    async with uow:
        hook = await uow.notifications.get_webhook(cmd.webhook_id)
        if hook is None:
            raise NotFound("Webhook", cmd.webhook_id, field="id")
        diff: dict[str, Any] = {}
        for name, key, value in (
            ("url", "url", url),
            ("events", "events", events),
            ("min_severity", "minSeverity", min_severity),
            ("active", "active", cmd.active),
        ):
            if value is not None and value != getattr(hook, name):
                before, after = getattr(hook, name), value
                if isinstance(value, str) and name == "url":
                    # the key's presence says it changed, whatever is shown
                    before, after = shown_url(before), shown_url(value)
                diff[key] = {"before": before, "after": after}
                setattr(hook, name, value)
        if secret is not None:
            hook.secret = cipher.encrypt(secret)
            diff["secretRotated"] = True  # never the secret (the audit redacts "secret" keys too)
        if not diff:  # nothing changes: nothing to store or record
            return hook
        await uow.notifications.save_webhook(hook)
        await record(uow, actor, "webhook.update", "Webhook", hook.id, diff)
        await uow.commit()
    return hook


async def delete_webhook(uow: IncidentsUnitOfWork, actor: Principal, hook_id: uuid.UUID) -> Webhook:
    """ADMIN only: the webhook goes, with its delivery log (to keep the log, set it
    inactive instead)."""
    actor.require(Role.ADMIN)
    async with uow:
        hook = await uow.notifications.get_webhook(hook_id)
        if hook is None:
            raise NotFound("Webhook", hook_id, field="id")
        await uow.notifications.delete_webhook(hook_id)
        await record(uow, actor, "webhook.delete", "Webhook", hook_id, {"url": shown_url(hook.url)})
        await uow.commit()
    return hook


async def set_notification_preference(
    uow: IncidentsUnitOfWork, actor: Principal, kinds: Sequence[str], min_severity: str
) -> NotificationPreference:
    """The caller's own preference: which alert kinds (empty: all) at or above
    which severity reach their ``alerts`` subscription."""
    actor.require(Role.VIEWER)
    pref = NotificationPreference(
        actor.user_id, _kinds(kinds, "kinds"), _severity(min_severity, "minSeverity")
    )
    async with uow:
        await uow.notifications.save_preference(pref, datetime.now(UTC))
        await record(
            uow,
            actor,
            "notification.preference",
            "User",
            actor.user_id,
            {"kinds": pref.kinds, "minSeverity": pref.min_severity},
        )
        await uow.commit()
    return pref
