"""The whole story over the ASGI app: scan the demo shop, evaluate PCI-DSS, accept a
risk, fail a NOT_NULL assertion, and watch the alerts arrive live over
graphql-transport-ws (and at a signed webhook)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from racine.demo.data import build_shop
from racine.notifications.signing import verify

SECRET = "test-secret-key-0123456789"  # the ``settings`` fixture's secret_key
SIGNING = "e2e-signing-secret-0123"

CREATE_SOURCE = """mutation($name: String!, $url: String!) {
  createDataSource(input: {name: $name, url: $url}) { errors { code message } dataSource { id } } }"""
START_SCAN = """mutation($id: ID!) {
  startScan(input: {dataSourceId: $id}) { errors { code message } scan { id } } }"""
NODE_STATE = """query($id: ID!) { node(id: $id) {
  ... on Scan { scanState: state reason }
  ... on ComplianceEvaluation { evaluationState: state error counts } } }"""
FRAMEWORKS = """{ complianceFrameworks { key version controls { key requirement severity
  checks { key definition } } } }"""
EVALUATE = """mutation($f: String) { evaluateCompliance(input: {framework: $f}) {
  errors { code message } evaluation { id state frameworks } } }"""
REPORT = """query($f: String!) { complianceReport(framework: $f) {
  score evaluated failing controls { key score failing } sources { key score }
  statusCounts { status count } history { id state }
  findings(first: 100) { totalCount edges { node { id controlKey checkKey assetName
    severity status evidence firstSeen lastSeen asset { qualifiedName } } } } } }"""
SET_STATUS = """mutation($id: ID!, $s: FindingStatus!, $r: String!) {
  setFindingStatus(input: {id: $id, status: $s, reason: $r}) {
    errors { code message } finding { status statusReason statusActorId } } }"""
ASSETS = """query($name: String!) { assets(filter: {kinds: [COLUMN], name: $name}, first: 50) {
  edges { node { id qualifiedName } } } }"""
CREATE_ASSERTION = """mutation($asset: ID!) {
  createQualityAssertion(input: {assetId: $asset, kind: NOT_NULL}) {
    errors { code field message } assertion { id kind } } }"""
RUN_ASSERTION = """mutation($id: ID!) { runQualityAssertion(input: {id: $id}) {
  errors { code message } result { status observed statement }
  assertion { lastStatus } } }"""
INCIDENTS = """{ incidents(stages: [TRIAGE]) { totalCount edges { node { id title causeKind
  priority stage assetIds } } } }"""
MOVE = """mutation($id: ID!) { moveIncident(input: {id: $id, stage: INVESTIGATING, note: "on it"}) {
  errors { code } incident { stage } } }"""
CREATE_HOOK = """mutation($url: String!, $secret: String!) {
  createWebhook(input: {url: $url, events: [ASSERTION_FAILED], secret: $secret}) {
    errors { code message } webhook { id url events } } }"""
DELIVERIES = """{ webhookDeliveries(first: 10) { edges { node { state attempts lastStatus
  event } } } }"""
ALERTS = "subscription { alerts { gap kind severity title subjectId assetIds details } }"
SET_PREF = """mutation($kinds: [AlertKind!]!) {
  setNotificationPreference(input: {kinds: $kinds, minSeverity: LOW}) {
    errors { code } preference { kinds minSeverity } } }"""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The webhook receiver below listens on loopback: the operator allows it.
    return {"webhook_allowed_networks": ["127.0.0.0/8"]}


@pytest.fixture(autouse=True)
def _job_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    # Job handlers read the platform secret from the environment, like ``racine worker``.
    monkeypatch.setenv("RACINE_SECRET_KEY", SECRET)


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    path = build_shop(tmp_path / "demo-shop.db")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE employees SET email = NULL WHERE id % 6 = 0")  # 5 of 30
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def hook_server() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    hits: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            hits.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", hits
    server.shutdown()
    server.server_close()


@asynccontextmanager
async def subscription(app: Any, token: str, query: str) -> AsyncIterator[Any]:
    async with (
        httpx.AsyncClient(
            transport=ASGIWebSocketTransport(app), base_url="http://racine.test"
        ) as client,
        aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws,
    ):
        await ws.send_text(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        ack = json.loads(await asyncio.wait_for(ws.receive_text(), 10))
        assert ack["type"] == "connection_ack", ack
        await ws.send_text(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}})
        )
        yield ws


async def until(gql: Any, node_id: str, timeout: float = 90) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        node = (await gql.ok(NODE_STATE, {"id": node_id}))["node"]
        state = node.get("scanState") or node.get("evaluationState")
        if state in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return {"state": state, **node}
        assert asyncio.get_running_loop().time() < deadline, node
        await asyncio.sleep(0.2)


async def test_scan_evaluate_accept_risk_and_alert_live(
    app, gql, admin_token: str, demo_db: Path, hook_server
) -> None:
    # Given the demo shop, registered and scanned
    source = (await gql.ok(CREATE_SOURCE, {"name": "demo-shop", "url": f"sqlite:///{demo_db}"}))[
        "createDataSource"
    ]
    assert source["errors"] == []
    scan = (await gql.ok(START_SCAN, {"id": source["dataSource"]["id"]}))["startScan"]
    assert (await until(gql, scan["scan"]["id"]))["state"] == "SUCCEEDED"
    frameworks = {f["key"]: f for f in (await gql.ok(FRAMEWORKS))["complianceFrameworks"]}
    assert {"GDPR", "CCPA", "HIPAA", "PCI_DSS", "SOC2"} <= set(frameworks)

    # When PCI-DSS is evaluated (a background job)
    queued = (await gql.ok(EVALUATE, {"f": "PCI_DSS"}))["evaluateCompliance"]
    assert queued["errors"] == [] and queued["evaluation"]["frameworks"] == ["PCI_DSS"]
    done = await until(gql, queued["evaluation"]["id"])
    assert done["state"] == "SUCCEEDED", done

    # Then the report flags the unmasked card column, with its evidence
    report = (await gql.ok(REPORT, {"f": "PCI_DSS"}))["complianceReport"]
    findings = [e["node"] for e in report["findings"]["edges"]]
    pan = next(
        f
        for f in findings
        if f["checkKey"] == "pan-masked" and f["assetName"].endswith(".payments.card_number")
    )
    assert pan["controlKey"] == "3.4" and pan["severity"] == "CRITICAL"
    assert pan["status"] == "OPEN" and "CREDIT_CARD" in pan["evidence"]["labels"]
    assert pan["evidence"]["failed"][0]["op"] == "any_of"
    assert pan["asset"]["qualifiedName"].endswith("payments.card_number")
    before = report["score"]
    assert report["failing"] >= 1 and report["history"][0]["id"] == queued["evaluation"]["id"]

    # When a steward accepts the risk with a reason
    changed = (
        await gql.ok(
            SET_STATUS, {"id": pan["id"], "s": "ACCEPTED_RISK", "r": "tokenised by the PSP"}
        )
    )["setFindingStatus"]
    assert changed["errors"] == [] and changed["finding"]["status"] == "ACCEPTED_RISK"
    after = (await gql.ok(REPORT, {"f": "PCI_DSS"}))["complianceReport"]
    # Then the score changes
    assert after["score"] > before
    assert {"status": "ACCEPTED_RISK", "count": 1} in after["statusCounts"]

    # Given a dashboard subscribed to alerts and a webhook listening
    url, hits = hook_server
    hook = (await gql.ok(CREATE_HOOK, {"url": url, "secret": SIGNING}))["createWebhook"]
    assert hook["errors"] == []
    columns = (await gql.ok(ASSETS, {"name": "email"}))["assets"]["edges"]
    email = next(
        c["node"] for c in columns if c["node"]["qualifiedName"].endswith("employees.email")
    )
    async with subscription(app, admin_token, ALERTS) as ws:
        # (a second dashboard of the same user, opened after narrowing the preference)
        pref = (await gql.ok(SET_PREF, {"kinds": ["INCIDENT_OPENED"]}))["setNotificationPreference"]
        assert pref["preference"]["kinds"] == ["INCIDENT_OPENED"]
        narrow_cm = subscription(app, admin_token, ALERTS)
        narrow = await narrow_cm.__aenter__()
        await asyncio.sleep(0.3)  # let the subscriptions reach the bus
        # When a NOT_NULL assertion on a column with nulls runs
        created = (await gql.ok(CREATE_ASSERTION, {"asset": email["id"]}))["createQualityAssertion"]
        assert created["errors"] == []
        ran = (await gql.ok(RUN_ASSERTION, {"id": created["assertion"]["id"]}))[
            "runQualityAssertion"
        ]
        assert ran["errors"] == []
        assert ran["result"]["status"] == "FAIL" and ran["result"]["observed"]["violations"] == 5
        assert ran["assertion"]["lastStatus"] == "FAIL"
        # Then the dashboard receives the failure and the incident, live
        kinds: list[str] = []
        async with asyncio.timeout(30):
            while not {"ASSERTION_FAILED", "INCIDENT_OPENED"} <= set(kinds):
                message = json.loads(await ws.receive_text())
                if message.get("type") == "next":
                    assert not message["payload"].get("errors"), message
                    kinds.append(message["payload"]["data"]["alerts"]["kind"])
            # The narrowed dashboard gets the incident only.
            message = json.loads(await narrow.receive_text())
            assert message["payload"]["data"]["alerts"]["kind"] == "INCIDENT_OPENED", message
        await narrow_cm.__aexit__(None, None, None)
    # ... an incident is open, linked to the column
    incidents = [e["node"] for e in (await gql.ok(INCIDENTS))["incidents"]["edges"]]
    incident = next(i for i in incidents if i["causeKind"] == "ASSERTION")
    assert email["id"] in incident["assetIds"] and incident["priority"] == "P2"
    moved = (await gql.ok(MOVE, {"id": incident["id"]}))["moveIncident"]
    assert moved["incident"]["stage"] == "INVESTIGATING"
    # ... and the webhook got a signed delivery (sent by the background job)
    async with asyncio.timeout(30):
        while not hits:
            await asyncio.sleep(0.1)
    headers, body = hits[0]
    assert verify(SIGNING, body, headers["x-racine-signature"])
    assert json.loads(body)["event"] == "ASSERTION_FAILED"
    async with asyncio.timeout(10):
        while True:
            log = (await gql.ok(DELIVERIES))["webhookDeliveries"]["edges"]
            if log and log[0]["node"]["state"] == "DELIVERED":
                break
            await asyncio.sleep(0.1)
