"""Webhook deliveries to a local HTTP server: signed, retried, never stalled."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from racine.domain.errors import PermissionDenied, ValidationFailed
from racine.domain.incidents.alerts import raise_alerts
from racine.domain.incidents.model import Alert, AlertKind, DeliveryState
from racine.domain.incidents.webhooks import CreateWebhook, create_webhook
from racine.domain.paging import PageRequest
from racine.notifications.delivery import DeliveryPolicy, deliver_due
from racine.notifications.signing import verify

pytestmark = pytest.mark.usefixtures("dialect")

SIGNING = "whsec-0123456789abcdef"
FAST = DeliveryPolicy(timeout_s=1.0, max_attempts=3, backoff_s=0.0)


async def hook(env: Any, url: str, **kw: Any) -> Any:
    return await create_webhook(env.uow(), env.admin, env.cipher,
                                CreateWebhook(url=url, events=kw.pop("events", []),
                                              secret=SIGNING, **kw))


async def alert(env: Any, severity: str = "HIGH") -> list[uuid.UUID]:
    async with env.uow() as uow:
        ids = await raise_alerts(uow, [Alert(AlertKind.ASSERTION_FAILED, severity,
                                             "NOT_NULL failed", uuid.uuid4())])
        await uow.commit()
    return ids


async def test_delivery_is_signed_and_logged(env, receiver) -> None:
    await hook(env, f"{receiver.url}/ok", events=["ASSERTION_FAILED"])
    await hook(env, f"{receiver.url}/ok", events=["INCIDENT_OPENED"])  # not interested
    await hook(env, f"{receiver.url}/ok", min_severity="CRITICAL")  # too low
    ids = await alert(env)
    assert len(ids) == 1
    done = await deliver_due(env.uow, env.cipher, FAST, ids)
    assert [d.state for d in done] == [DeliveryState.DELIVERED]
    path, headers, body = receiver.hits[0]
    assert path == "/ok" and headers["x-racine-event"] == "ASSERTION_FAILED"
    assert verify(SIGNING, body, headers["x-racine-signature"])
    assert not verify("another-secret-xxxxxxxx", body, headers["x-racine-signature"])
    assert json.loads(body)["data"]["title"] == "NOT_NULL failed"
    async with env.uow() as uow:
        log = await uow.notifications.deliveries_page(None, PageRequest(first=10))
    assert log.items[0].last_status == 204 and log.items[0].attempts == 1


async def test_a_500_is_retried_with_backoff_then_given_up(env, receiver) -> None:
    await hook(env, f"{receiver.url}/fail")
    (delivery_id,) = await alert(env)
    slow = DeliveryPolicy(timeout_s=1.0, max_attempts=3, backoff_s=60)
    (first,) = await deliver_due(env.uow, env.cipher, slow, [delivery_id])
    assert first.state is DeliveryState.PENDING and first.last_status == 500
    assert 59 <= (first.next_attempt_at - first.created_at).total_seconds() <= 70
    assert await deliver_due(env.uow, env.cipher, slow) == []  # not due yet
    for _ in range(2):
        await deliver_due(env.uow, env.cipher, FAST, [delivery_id])
    async with env.uow() as uow:
        final = await uow.notifications.get_delivery(delivery_id)
    assert final.state is DeliveryState.FAILED and final.attempts == 3
    assert len([h for h in receiver.hits if h[0] == "/fail"]) == 3


async def test_a_hanging_endpoint_times_out_without_stalling(env, receiver, no_loop_block
                                                             ) -> None:
    await hook(env, f"{receiver.url}/hang")
    await hook(env, f"{receiver.url}/ok")
    ids = await alert(env)
    started = time.monotonic()
    done, stall = await no_loop_block(deliver_due(env.uow, env.cipher, FAST, ids))
    elapsed = time.monotonic() - started
    states = sorted(d.state.value for d in done)
    assert states == ["DELIVERED", "PENDING"]
    hung = next(d for d in done if d.state is DeliveryState.PENDING)
    assert "timed out" in (hung.last_error or "")
    assert elapsed < 4 and stall < 0.5


async def test_webhook_input_is_validated(env) -> None:
    with pytest.raises(ValidationFailed):
        await hook(env, "ftp://example.org/x")
    with pytest.raises(ValidationFailed, match="credentials"):
        await hook(env, "https://user:pw@example.org/x")
    with pytest.raises(ValidationFailed, match="unknown alert kind"):
        await hook(env, "https://example.org/x", events=["EVERYTHING"])
    with pytest.raises(ValidationFailed, match="secret"):
        await create_webhook(env.uow(), env.admin, env.cipher,
                             CreateWebhook(url="https://example.org", events=[], secret="short"))
    from racine.domain.access.model import Principal, Role

    viewer = Principal(uuid.uuid4(), "v", Role.STEWARD)
    with pytest.raises(PermissionDenied):
        await create_webhook(env.uow(), viewer, env.cipher,
                             CreateWebhook(url="https://example.org", events=[], secret=SIGNING))
