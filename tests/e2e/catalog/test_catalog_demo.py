"""``racine serve --demo``: the shop is built, registered and scanned once."""

from __future__ import annotations

import asyncio
from typing import Any

SCANS = "{ scans { totalCount edges { node { state tablesDone errors { table } } } } }"
COLUMNS = """
{ assets(filter: {kinds: [COLUMN]}, first: 100) {
    edges { node { qualifiedName classifications { typeKey state } } } } }
"""


async def test_demo_is_installed_once_and_scanned(app: Any, gql: Any) -> None:
    from racine.demo import install_demo

    runtime = app.state.runtime
    await install_demo(runtime)
    await install_demo(runtime)  # a second start changes nothing
    sources = await gql.ok("{ dataSources { totalCount edges { node { name url } } } }")
    assert sources["dataSources"]["totalCount"] == 1
    for _ in range(240):
        scans = (await gql.ok(SCANS))["scans"]
        if scans["edges"][0]["node"]["state"] in ("SUCCEEDED", "FAILED"):
            break
        await asyncio.sleep(0.5)
    assert scans["totalCount"] == 1
    assert scans["edges"][0]["node"] == {"state": "SUCCEEDED", "tablesDone": 6, "errors": []}

    labels = {
        e["node"]["qualifiedName"].split(".", 3)[-1]: {
            c["typeKey"] for c in e["node"]["classifications"]
        }
        for e in (await gql.ok(COLUMNS))["assets"]["edges"]
    }
    assert "CREDIT_CARD" in labels["payments.card_number"]
    assert "CREDIT_CARD" not in labels["orders.order_number"]
    assert "EMAIL" in labels["customers.email"]
    assert "IBAN" in labels["customers.iban"]
