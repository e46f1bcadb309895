"""Send webhook deliveries: signed POSTs with a hard timeout, retried with
exponential backoff, every attempt logged on the delivery row.

A delivery is claimed (attempt count compare-and-set) before it is sent, so
two workers never send it twice. Each POST is bounded by ``timeout_s`` (httpx)
and by an ``asyncio.timeout`` backstop, and deliveries of one batch run
concurrently: an endpoint that hangs costs one timeout, never a stalled worker.
A 2xx answer delivers; anything else (5xx, 4xx, timeout, refused connection)
schedules attempt n+1 after ``backoff_s * 2**(n-1)`` (capped) until
``max_attempts``, then the delivery is FAILED.

Every attempt first checks the destination (``racine.domain.incidents.destinations``):
the host is resolved once, every address checked, and the POST goes to a
checked address (the URL's host swapped for it; the original ``Host`` header,
and for https the original name as SNI, which is also the name the server
certificate is verified against). A refused destination fails the attempt
without sending anything. Connections are not kept alive, so a connection
opened (and verified) for one host name never carries another's request.
Redirects are not followed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from racine.domain.errors import ValidationFailed
from racine.domain.incidents.destinations import DestinationPolicy
from racine.domain.incidents.model import Delivery, DeliveryState
from racine.domain.incidents.ports import IncidentsUnitOfWork
from racine.domain.scanning.credentials import CredentialCipher
from racine.notifications.signing import SIGNATURE_HEADER, sign

__all__ = ["DeliveryPolicy", "deliver", "deliver_due"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryPolicy:
    timeout_s: float = 5.0
    max_attempts: int = 5
    backoff_s: float = 10.0
    max_backoff_s: float = 3600.0
    concurrency: int = 10
    destinations: DestinationPolicy = field(default_factory=DestinationPolicy)

    def backoff(self, attempts: int) -> float:
        return float(min(self.max_backoff_s, self.backoff_s * 2 ** max(0, attempts - 1)))


class DestinationRefused(Exception):
    """The attempt's destination failed the policy; ``str()`` says why, safely."""


async def _post(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    policy: DeliveryPolicy,
) -> int:
    target = httpx.URL(url)
    host = target.raw_host.decode("ascii")
    async with asyncio.timeout(policy.timeout_s + 1.0):
        try:
            addresses = await policy.destinations.resolve(
                host, target.port or (443 if target.scheme == "https" else 80)
            )
        except ValidationFailed as exc:
            raise DestinationRefused(exc.message) from None
        pinned = {**headers, "host": target.netloc.decode("ascii")}
        extensions = {"sni_hostname": host} if target.scheme == "https" else {}

        async def send(address: str) -> int:
            response = await client.post(
                target.copy_with(host=address), content=body, headers=pinned, extensions=extensions
            )
            return response.status_code

        for address in addresses[:-1]:
            try:
                return await send(address)
            except httpx.ConnectError:
                continue  # the next checked address, as a client without pinning would
        return await send(addresses[-1])


async def deliver(
    uow_factory: Callable[[], IncidentsUnitOfWork],
    cipher: CredentialCipher,
    delivery_id: uuid.UUID,
    policy: DeliveryPolicy,
    client: httpx.AsyncClient,
) -> Delivery | None:
    """One attempt of one PENDING delivery (None if someone else has it)."""
    now = datetime.now(UTC)
    async with uow_factory() as uow:
        delivery: Delivery | None = await uow.notifications.get_delivery(delivery_id)
        if delivery is None or delivery.state is not DeliveryState.PENDING:
            return None
        lease = now + timedelta(seconds=policy.timeout_s * 2 + 5)
        if not await uow.notifications.claim(delivery.id, delivery.attempts, lease):
            return None
        hook = await uow.notifications.get_webhook(delivery.webhook_id)
        await uow.commit()
    delivery.attempts += 1
    if hook is None or not hook.active:
        delivery.state = DeliveryState.FAILED
        delivery.last_error = "webhook deleted" if hook is None else "webhook deactivated"
    else:
        body = json.dumps(
            {"id": str(delivery.id), "event": delivery.event, "data": delivery.payload},
            separators=(",", ":"),
        ).encode()
        headers = {
            "content-type": "application/json",
            "user-agent": "racine-webhooks/1",
            "X-Racine-Event": delivery.event,
            "X-Racine-Delivery": str(delivery.id),
            SIGNATURE_HEADER: sign(cipher.decrypt(hook.secret), body),
        }
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            status = await _post(client, hook.url, body, headers, policy)
        except DestinationRefused as exc:
            error = str(exc)
        except (TimeoutError, httpx.TimeoutException):
            error = f"timed out after {policy.timeout_s:g}s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: could not deliver"
        delivery.last_duration_ms = round((time.perf_counter() - started) * 1000, 1)
        delivery.last_status = status
        ok = status is not None and 200 <= status < 300
        delivery.last_error = None if ok else (error or f"HTTP {status}")
        if ok:
            delivery.state, delivery.delivered_at = DeliveryState.DELIVERED, datetime.now(UTC)
        elif delivery.attempts >= policy.max_attempts:
            delivery.state = DeliveryState.FAILED
        else:
            delivery.next_attempt_at = datetime.now(UTC) + timedelta(
                seconds=policy.backoff(delivery.attempts)
            )
    async with uow_factory() as uow:
        await uow.notifications.save_delivery(delivery)
        await uow.commit()
    log.info(
        "webhook delivery",
        extra={
            "delivery": str(delivery.id),
            "state": delivery.state.value,
            "attempt": delivery.attempts,
            "status": delivery.last_status,
        },
    )
    return delivery


async def deliver_due(
    uow_factory: Callable[[], IncidentsUnitOfWork],
    cipher: CredentialCipher,
    policy: DeliveryPolicy,
    ids: Sequence[uuid.UUID] | None = None,
    client: httpx.AsyncClient | None = None,
) -> list[Delivery]:
    """Attempt ``ids`` (or every PENDING delivery whose time has come), concurrently."""
    if ids is None:
        async with uow_factory() as uow:
            due = await uow.notifications.due_deliveries(datetime.now(UTC))
        ids = [d.id for d in due]
    if not ids:
        return []
    gate = asyncio.Semaphore(policy.concurrency)
    own = client is None
    http = client or httpx.AsyncClient(
        timeout=httpx.Timeout(policy.timeout_s),
        follow_redirects=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    )

    async def one(delivery_id: uuid.UUID) -> Delivery | None:
        async with gate:
            return await deliver(uow_factory, cipher, delivery_id, policy, http)

    try:
        done = await asyncio.gather(*(one(i) for i in ids))
    finally:
        if own:
            await http.aclose()
    return [d for d in done if d is not None]
