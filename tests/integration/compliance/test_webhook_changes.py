"""A webhook changed or deleted after it was registered: deactivated (no new
deliveries, pending ones fail), moved to another endpoint with a rotated secret,
deleted with its delivery log; every change checked as on creation and audited
without the secret."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from test_webhook_delivery import SIGNING, alert, fast, hook

from racine.domain.access.model import Principal, Role
from racine.domain.audit.model import AuditFilter
from racine.domain.errors import NotFound, PermissionDenied, ValidationFailed
from racine.domain.incidents.destinations import REFUSED, DestinationPolicy
from racine.domain.incidents.model import DeliveryState
from racine.domain.incidents.webhooks import UpdateWebhook, delete_webhook, update_webhook
from racine.domain.paging import PageRequest
from racine.notifications.delivery import deliver_due
from racine.notifications.signing import verify

pytestmark = pytest.mark.usefixtures("dialect")

ROTATED = "whsec-rotated-0123456789"
TOKEN = "T0K3N-in-the-url-5678"


async def change(env: Any, hook_id: uuid.UUID, **fields: Any) -> Any:
    return await update_webhook(
        env.uow(), env.admin, env.cipher, UpdateWebhook(hook_id, **fields), env.destinations
    )


async def history(env: Any, hook_id: uuid.UUID) -> list[tuple[str, dict[str, Any]]]:
    async with env.uow() as uow:
        page = await uow.audit.page(AuditFilter(target_id=str(hook_id)), PageRequest(first=20))
    return [(e.action, e.diff) for e in page.items]


async def test_a_deactivated_webhook_gets_nothing_and_a_moved_one_signs_with_its_new_secret(
    env: Any, receiver: Any
) -> None:
    # Given a webhook (on an endpoint that would fail, its URL carrying a token as
    # some services' do) with a delivery pending
    created = await hook(env, f"{receiver.url}/fail?key={TOKEN}")
    (pending,) = await alert(env)

    # When it is deactivated
    off = await change(env, created.id, active=False)

    # Then the pending delivery fails at its next attempt without being sent, and a
    # new alert queues nothing for it
    assert off.active is False
    (failed,) = await deliver_due(env.uow, env.cipher, fast(env), [pending])
    assert failed.state is DeliveryState.FAILED and failed.last_error == "webhook deactivated"
    assert await alert(env) == []
    assert receiver.hits == []

    # When it is moved to another path with a new secret and turned on again
    moved = await change(
        env,
        created.id,
        url=f"{receiver.url}/ok",
        secret=ROTATED,
        active=True,
        min_severity="HIGH",
        events=["ASSERTION_FAILED"],
    )
    assert (moved.url, moved.min_severity, moved.events) == (
        f"{receiver.url}/ok",
        "HIGH",
        ["ASSERTION_FAILED"],
    )

    # Then the next alert goes there, signed with the new secret only
    (sent,) = await deliver_due(env.uow, env.cipher, fast(env), await alert(env))
    assert sent.state is DeliveryState.DELIVERED
    path, headers, body = receiver.hits[0]
    assert path == "/ok" and len(receiver.hits) == 1
    assert verify(ROTATED, body, headers["x-racine-signature"])
    assert not verify(SIGNING, body, headers["x-racine-signature"])

    # And the history has each change, the secret only as rotated, the URLs only by
    # their host
    entries = await history(env, created.id)
    (last, first) = [diff for _, diff in entries[:2]]
    assert first == {"active": {"before": True, "after": False}}
    assert last["secretRotated"] is True and "secret" not in last
    assert last["url"] == {"before": f"{receiver.url}/***", "after": f"{receiver.url}/***"}
    assert entries[-1][1]["url"] == f"{receiver.url}/***"  # webhook.create
    assert TOKEN not in str(entries)
    assert last["active"] == {"before": False, "after": True}
    assert ROTATED not in str(last) and SIGNING not in str(last)

    # A change that changes nothing records nothing
    count = len(await history(env, created.id))
    await change(env, created.id, active=True, min_severity="HIGH")
    assert len(await history(env, created.id)) == count


async def test_a_deleted_webhook_goes_with_its_delivery_log(env: Any, receiver: Any) -> None:
    # Given a webhook with a delivery sent and one pending
    created = await hook(env, f"{receiver.url}/ok")
    await deliver_due(env.uow, env.cipher, fast(env), await alert(env))
    (pending,) = await alert(env)

    # When it is deleted
    gone = await delete_webhook(env.uow(), env.admin, created.id)

    # Then it and its log are gone, the pending delivery with them, and it is audited
    assert gone.id == created.id
    async with env.uow() as uow:
        assert await uow.notifications.get_webhook(created.id) is None
        log = await uow.notifications.deliveries_page(created.id, PageRequest(first=10))
        assert log.items == []
        assert await uow.notifications.get_delivery(pending) is None
    deleted = ("webhook.delete", {"url": f"{receiver.url}/***"})
    assert (await history(env, created.id))[0] == deleted
    assert await deliver_due(env.uow, env.cipher, fast(env), [pending]) == []

    # And deleting or changing it again is NOT_FOUND
    with pytest.raises(NotFound):
        await delete_webhook(env.uow(), env.admin, created.id)
    with pytest.raises(NotFound):
        await change(env, created.id, active=False)


async def test_changes_are_checked_as_on_creation(env: Any, receiver: Any) -> None:
    created = await hook(env, f"{receiver.url}/ok")
    for fields, message in (
        ({"url": "ftp://example.org/x"}, "http"),
        ({"url": "https://user:pw@example.org/x"}, "credentials"),
        ({"secret": "short"}, "secret"),
        ({"events": ["EVERYTHING"]}, "unknown alert kind"),
        ({"min_severity": "SEVERE"}, "severity"),
    ):
        with pytest.raises(ValidationFailed, match=message):
            await change(env, created.id, **fields)
    # A destination the policy refuses (loopback, no longer allowed)
    with pytest.raises(ValidationFailed, match=re.escape(REFUSED)):
        await update_webhook(
            env.uow(),
            env.admin,
            env.cipher,
            UpdateWebhook(created.id, url=f"{receiver.url}/elsewhere"),
            DestinationPolicy(),
        )
    steward = Principal(uuid.uuid4(), "s", Role.STEWARD)
    with pytest.raises(PermissionDenied):
        await update_webhook(
            env.uow(),
            steward,
            env.cipher,
            UpdateWebhook(created.id, active=False),
            env.destinations,
        )
    with pytest.raises(PermissionDenied):
        await delete_webhook(env.uow(), steward, created.id)
    # Nothing changed
    async with env.uow() as uow:
        kept = await uow.notifications.get_webhook(created.id)
    assert (kept.url, kept.active, kept.events) == (created.url, True, [])
    assert [action for action, _ in await history(env, created.id)] == ["webhook.create"]
