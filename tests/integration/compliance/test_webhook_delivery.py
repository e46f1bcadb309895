"""Webhook deliveries to a local HTTP server: signed, retried, never stalled."""

from __future__ import annotations

import json
import ssl
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from racine.domain.errors import PermissionDenied, ValidationFailed
from racine.domain.incidents.alerts import raise_alerts
from racine.domain.incidents.destinations import REFUSED, DestinationPolicy
from racine.domain.incidents.model import Alert, AlertKind, DeliveryState
from racine.domain.incidents.webhooks import CreateWebhook, create_webhook
from racine.domain.paging import PageRequest
from racine.notifications.delivery import DeliveryPolicy, deliver_due
from racine.notifications.signing import verify

pytestmark = pytest.mark.usefixtures("dialect")

SIGNING = "whsec-0123456789abcdef"


def fast(env: Any, **kw: Any) -> DeliveryPolicy:
    """Quick attempts, to destinations the test env allows (the local receiver)."""
    values = {
        "timeout_s": 1.0,
        "max_attempts": 3,
        "backoff_s": 0.0,
        "destinations": env.destinations,
        **kw,
    }
    return DeliveryPolicy(**values)


async def hook(env: Any, url: str, **kw: Any) -> Any:
    return await create_webhook(
        env.uow(),
        env.admin,
        env.cipher,
        CreateWebhook(url=url, events=kw.pop("events", []), secret=SIGNING, **kw),
        env.destinations,
    )


async def alert(env: Any, severity: str = "HIGH") -> list[uuid.UUID]:
    async with env.uow() as uow:
        ids = await raise_alerts(
            uow, [Alert(AlertKind.ASSERTION_FAILED, severity, "NOT_NULL failed", uuid.uuid4())]
        )
        await uow.commit()
    return ids


async def test_delivery_is_signed_and_logged(env, receiver) -> None:
    await hook(env, f"{receiver.url}/ok", events=["ASSERTION_FAILED"])
    await hook(env, f"{receiver.url}/ok", events=["INCIDENT_OPENED"])  # not interested
    await hook(env, f"{receiver.url}/ok", min_severity="CRITICAL")  # too low
    ids = await alert(env)
    assert len(ids) == 1
    done = await deliver_due(env.uow, env.cipher, fast(env), ids)
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
    slow = fast(env, backoff_s=60)
    (first,) = await deliver_due(env.uow, env.cipher, slow, [delivery_id])
    assert first.state is DeliveryState.PENDING and first.last_status == 500
    assert 59 <= (first.next_attempt_at - first.created_at).total_seconds() <= 70
    assert await deliver_due(env.uow, env.cipher, slow) == []  # not due yet
    for _ in range(2):
        await deliver_due(env.uow, env.cipher, fast(env), [delivery_id])
    async with env.uow() as uow:
        final = await uow.notifications.get_delivery(delivery_id)
    assert final.state is DeliveryState.FAILED and final.attempts == 3
    assert len([h for h in receiver.hits if h[0] == "/fail"]) == 3


async def test_a_hanging_endpoint_times_out_without_stalling(env, receiver, no_loop_block) -> None:
    await hook(env, f"{receiver.url}/hang")
    await hook(env, f"{receiver.url}/ok")
    ids = await alert(env)
    started = time.monotonic()
    done, stall = await no_loop_block(deliver_due(env.uow, env.cipher, fast(env), ids))
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
        await create_webhook(
            env.uow(),
            env.admin,
            env.cipher,
            CreateWebhook(url="https://example.org", events=[], secret="short"),
            env.destinations,
        )
    from racine.domain.access.model import Principal, Role

    viewer = Principal(uuid.uuid4(), "v", Role.STEWARD)
    with pytest.raises(PermissionDenied):
        await create_webhook(
            env.uow(),
            viewer,
            env.cipher,
            CreateWebhook(url="https://example.org", events=[], secret=SIGNING),
            env.destinations,
        )


async def test_every_attempt_checks_the_destination_and_sends_to_the_checked_address(
    env, receiver
) -> None:
    # Given a hook on a host name that resolves to loopback, created while loopback was allowed
    port = receiver.url.rsplit(":", 1)[1]
    await hook(env, f"http://localhost:{port}/ok")
    (delivery_id,) = await alert(env)
    # When loopback is no longer allowed, the attempt fails without sending anything
    (refused,) = await deliver_due(
        env.uow, env.cipher, fast(env, destinations=DestinationPolicy()), [delivery_id]
    )
    assert refused.state is DeliveryState.PENDING and refused.attempts == 1
    async with env.uow() as uow:
        stored = await uow.notifications.get_delivery(delivery_id)
    assert stored.last_error == REFUSED and stored.last_status is None
    assert receiver.hits == []
    # And once allowed again, the next attempt reaches it, with the hook's own Host header
    (sent,) = await deliver_due(env.uow, env.cipher, fast(env), [delivery_id])
    assert sent.state is DeliveryState.DELIVERED and sent.attempts == 2
    ((path, headers, _body),) = receiver.hits
    assert path == "/ok" and headers["host"] == f"localhost:{port}"


def _tls_contexts(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A throwaway CA and a server certificate for ``localhost`` only (no IP names):
    the server's context, and a client context trusting the CA."""
    now = datetime.now(UTC)

    def cert(subject: str, key: Any, issuer: str, signer: Any, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=1))
            .not_valid_after(now + timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key, leaf_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca_cert = cert("test ca", ca_key, "test ca", ca_key, True)
    leaf = cert("localhost", leaf_key, "test ca", ca_key, False)
    pem = serialization.Encoding.PEM
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (tmp_path / "leaf.key").write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "leaf.key")
    client = ssl.create_default_context(cadata=ca_cert.public_bytes(pem).decode())
    return server, client


async def test_https_goes_to_the_checked_address_verified_against_the_host_name(
    env, receiver, tmp_path: Path
) -> None:
    # Given the receiver behind TLS with a certificate naming only "localhost"
    server_ctx, client_ctx = _tls_contexts(tmp_path)
    names: list[str | None] = []
    server_ctx.sni_callback = lambda _sock, name, _ctx: names.append(name)  # type: ignore[assignment]
    receiver.server.socket = server_ctx.wrap_socket(receiver.server.socket, server_side=True)
    port = receiver.url.rsplit(":", 1)[1]
    # And two hooks on it: by host name, and by address (which the certificate does not name)
    await hook(env, f"https://localhost:{port}/ok")
    await hook(env, f"https://127.0.0.1:{port}/ok")
    # When both are delivered (to the pinned address)
    async with httpx.AsyncClient(verify=client_ctx) as client:
        done = await deliver_due(env.uow, env.cipher, fast(env), await alert(env), client=client)
    # Then the host name was the SNI and the verified name, and the Host header
    assert sorted(d.state.value for d in done) == ["DELIVERED", "PENDING"]
    ((path, headers, _body),) = receiver.hits
    assert path == "/ok" and headers["host"] == f"localhost:{port}" and "localhost" in names
    # And the certificate is still checked: the bare address fails verification
    failed = next(d for d in done if d.state is DeliveryState.PENDING)
    assert failed.last_error == "ConnectError: could not deliver"
