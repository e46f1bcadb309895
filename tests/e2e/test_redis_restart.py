"""Done-when of the foundation: a subscriber survives a Redis restart with a `gap`."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

SUBSCRIBE = gql("subscription { auditEventRecorded { gap gapReason event { action } } }")
CREATE_TOKEN = 'mutation { createApiToken(input: {name: "x"}) { errors { code } } }'


@pytest.fixture
def bus_kind() -> str:
    return "redis"  # this test brings its own Redis


@pytest.fixture
def dialect() -> str:
    return "postgresql"  # two processes need a shared database


@pytest.fixture
def live_server_env(live_server_env: dict[str, str], private_redis: Any) -> dict[str, str]:
    return {**live_server_env, "RACINE_REDIS_URL": private_redis.url}


def mutate(server: Any, token: str) -> None:
    r = httpx.post(
        f"{server.http}/graphql",
        json={"query": CREATE_TOKEN},
        headers={"authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert r.status_code == 200 and not r.json().get("errors"), r.text


async def test_subscriber_gets_gap_after_redis_restart(
    live_server: Any, private_redis: Any, admin_token: str
) -> None:
    transport = WebsocketsTransport(
        url=f"{live_server.ws}/graphql",
        init_payload={"authorization": f"Bearer {admin_token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    signals: list[dict[str, Any]] = []
    got_first = asyncio.Event()
    got_gap = asyncio.Event()

    async with Client(transport=transport) as session:

        async def listen() -> None:
            async for result in session.subscribe(SUBSCRIBE):
                signal = result["auditEventRecorded"]
                signals.append(signal)
                if signal["gap"]:
                    got_gap.set()
                elif not got_gap.is_set():
                    got_first.set()
                else:
                    return  # an event after the gap: done

        task = asyncio.create_task(listen())
        await asyncio.sleep(0.5)
        # Given a live subscription that receives events
        await asyncio.to_thread(mutate, live_server, admin_token)
        async with asyncio.timeout(15):
            await got_first.wait()
        # When Redis dies and comes back on the same port
        private_redis.kill()
        await asyncio.sleep(1.0)
        await asyncio.to_thread(mutate, live_server, admin_token)  # still served, event lost
        private_redis.start()
        # Then the subscriber is told about the gap, and later events arrive
        async with asyncio.timeout(30):
            await got_gap.wait()
        await asyncio.to_thread(mutate, live_server, admin_token)
        async with asyncio.timeout(15):
            await task

    kinds = ["gap" if s["gap"] else s["event"]["action"] for s in signals]
    assert kinds[0] == "token.create"
    assert "gap" in kinds and kinds[-1] == "token.create"
    assert signals[kinds.index("gap")]["gapReason"] == "reconnected"
