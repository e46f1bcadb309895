"""graphql-transport-ws against a live server: auth, live events, revocation, bad frames."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

SUBSCRIBE = gql("subscription { auditEventRecorded { gap gapReason event { action actorName } } }")
CREATE_TOKEN = """mutation($n: String!) { createApiToken(input: {name: $n}) {
  errors { code } token { id } secret } }"""
REVOKE = "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { errors { code } } }"


def post(server: Any, token: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    r = httpx.post(
        f"{server.http}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"authorization": f"Bearer {token}"},
        timeout=10,
    )
    r.raise_for_status()
    return r.json()["data"]


def transport(server: Any, token: str | None) -> WebsocketsTransport:
    payload = {} if token is None else {"authorization": f"Bearer {token}"}
    return WebsocketsTransport(
        url=f"{server.ws}/graphql",
        init_payload=payload,
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        connect_timeout=10,
        ack_timeout=10,
    )


async def test_subscriber_receives_live_audit_events(live_server, admin_token: str) -> None:
    # Given an admin subscribed over graphql-transport-ws
    async with Client(transport=transport(live_server, admin_token)) as session:
        received: list[dict[str, Any]] = []

        async def listen() -> None:
            async for result in session.subscribe(SUBSCRIBE):
                received.append(result["auditEventRecorded"])
                if len(received) == 2:
                    return

        task = asyncio.create_task(listen())
        await asyncio.sleep(0.5)  # let the subscription reach the bus
        # When two mutations happen over HTTP
        await asyncio.to_thread(post, live_server, admin_token, CREATE_TOKEN, {"n": "a"})
        await asyncio.to_thread(post, live_server, admin_token, CREATE_TOKEN, {"n": "b"})
        # Then both arrive, in order
        async with asyncio.timeout(15):
            await task
    assert [r["event"]["action"] for r in received] == ["token.create", "token.create"]
    assert all(r["gap"] is False for r in received)


async def test_a_subscription_with_a_nul_character_is_refused(
    live_server, admin_token: str
) -> None:
    # Given a subscription whose argument carries U+0000
    query = gql("subscription($d: ID) { catalogChanges(dataSourceId: $d) { type } }")

    # When it is sent over graphql-transport-ws
    async with Client(transport=transport(live_server, admin_token)) as session:
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(
                GraphQLRequest(query, variable_values={"d": "a\x00b"})
            ):
                pass

    # Then the server answers with the typed error, not an internal one
    assert refused.value.errors is not None
    assert [e["extensions"]["code"] for e in refused.value.errors] == ["INVALID"]


async def test_errors_a_subscription_raises_carry_their_code(live_server, admin_token: str) -> None:
    # Given subscriptions whose resolver refuses its argument: a malformed id, and a
    # scan that does not exist
    query = gql("subscription($s: ID!) { scanProgress(scanId: $s) { type } }")
    missing = "U2NhbjowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA="

    # When each is sent over graphql-transport-ws
    refused = []
    async with Client(transport=transport(live_server, admin_token)) as session:
        for scan in ("bm9wZQ==", missing):
            with pytest.raises(TransportQueryError) as caught:
                async for _ in session.subscribe(
                    GraphQLRequest(query, variable_values={"s": scan})
                ):
                    pass
            refused.append(caught.value.errors)

    # Then each error has its code and field, as over HTTP
    assert [[(e["extensions"]["code"], e["extensions"]["field"]) for e in r] for r in refused] == [
        [("INVALID", "scanId")],
        [("NOT_FOUND", "scanId")],
    ]


async def test_subscription_ends_when_its_token_is_revoked(live_server, admin_token: str) -> None:
    issued = (await asyncio.to_thread(post, live_server, admin_token, CREATE_TOKEN, {"n": "ws"}))[
        "createApiToken"
    ]
    async with Client(transport=transport(live_server, issued["secret"])) as session:

        async def listen() -> None:
            async for _ in session.subscribe(SUBSCRIBE):
                pass

        task = asyncio.create_task(listen())
        await asyncio.sleep(0.5)
        await asyncio.to_thread(
            post, live_server, admin_token, REVOKE, {"id": issued["token"]["id"]}
        )
        with pytest.raises(TransportQueryError) as caught:
            async with asyncio.timeout(15):
                await task
    assert "revoked" in str(caught.value)


async def raw(server: Any) -> Any:
    return websockets.connect(
        f"{server.ws}/graphql", subprotocols=["graphql-transport-ws"], open_timeout=10
    )


async def test_protocol_violations_get_close_codes(live_server, admin_token: str) -> None:
    # subscribe before connection_init → 4401
    async with await raw(live_server) as ws:
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { id } }"}})
        )
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd.code == 4401

    # a bad token in connection_init → 4403
    async with await raw(live_server) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": "Bearer nope"}})
        )
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd.code == 4403

    # garbage and binary frames → 4400
    for frame in ("not json at all", b"\x00\xff\x10binary"):
        async with await raw(live_server) as ws:
            await ws.send(frame)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
            assert closed.value.rcvd.code == 4400

    # a protocol other than graphql-transport-ws is refused (4406)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        async with websockets.connect(
            f"{live_server.ws}/graphql", subprotocols=["graphql-ws"], open_timeout=10
        ) as ws:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd.code == 4406

    # and the server keeps serving
    data = await asyncio.to_thread(post, live_server, admin_token, "{ viewer { name } }")
    assert data["viewer"]["name"] == "admin"


@pytest.fixture
def live_server_env(live_server_env: dict[str, str]) -> dict[str, str]:
    return {**live_server_env, "RACINE_WS_INIT_TIMEOUT_S": "1"}


async def test_connection_init_times_out(live_server) -> None:
    async with await raw(live_server) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd.code == 4408
