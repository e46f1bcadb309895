"""createWebhook over HTTP refuses destinations that resolve to non-public addresses
(server-side request forgery), except in the networks the operator allows; an admin
changes (updateWebhook, checked the same way) and deletes webhooks."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from strawberry import relay

from racine.domain.incidents.destinations import REFUSED

CREATE_HOOK = """mutation($url: String!) {
  createWebhook(input: {url: $url, events: [], secret: "e2e-signing-secret-0123"}) {
    errors { code field message } webhook { id url } } }"""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # One allowed private network; everything else non-public stays refused.
    return {"webhook_allowed_networks": ["10.1.0.0/16"]}


async def test_create_webhook_refuses_non_public_destinations(gql: Any) -> None:
    # Given an operator allowlist of 10.1.0.0/16 only
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://10.2.3.4/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "https://localhost/hook",
    ]:
        # When an admin registers a webhook there
        result = (await gql.ok(CREATE_HOOK, {"url": url}))["createWebhook"]
        # Then it is refused on the url field, without naming any resolved address
        assert result["webhook"] is None, url
        assert result["errors"] == [{"code": "INVALID", "field": "url", "message": REFUSED}]
    # And an address inside the allowed network is accepted
    allowed = (await gql.ok(CREATE_HOOK, {"url": "http://10.1.2.3:8080/hook"}))["createWebhook"]
    assert allowed["errors"] == [] and allowed["webhook"]["url"] == "http://10.1.2.3:8080/hook"


UPDATE_HOOK = """mutation($input: UpdateWebhookInput!) {
  updateWebhook(input: $input) {
    errors { code field message } webhook { id url events minSeverity active } } }"""
DELETE_HOOK = """mutation($id: ID!) {
  deleteWebhook(input: {id: $id}) { errors { code field message } webhook { id url } } }"""
HOOKS = "{ webhooks { id url active } }"
STEWARD = """mutation($name: String!) {
  createUser(input: {name: $name, role: STEWARD}) { user { id } } }"""
TOKEN = """mutation($user: ID!) {
  createApiToken(input: {name: "t", userId: $user}) { secret } }"""


async def test_a_webhook_is_changed_and_deleted_by_an_admin_only(gql: Any) -> None:
    # Given a webhook inside the allowed network
    made = (await gql.ok(CREATE_HOOK, {"url": "http://10.1.2.3:8080/hook"}))["createWebhook"]
    hook_id = made["webhook"]["id"]

    # When an admin changes its endpoint, alerts, severity, secret and state
    changes = {
        "id": hook_id,
        "url": "http://10.1.9.9/alerts",
        "events": ["INCIDENT_OPENED"],
        "minSeverity": "HIGH",
        "active": False,
        "secret": "rotated-secret-0123456",
    }
    changed = (await gql.ok(UPDATE_HOOK, {"input": changes}))["updateWebhook"]

    # Then the webhook shows them, never the secret
    assert changed["errors"] == []
    assert changed["webhook"] == {
        "id": hook_id,
        "url": "http://10.1.9.9/alerts",
        "events": ["INCIDENT_OPENED"],
        "minSeverity": "HIGH",
        "active": False,
    }

    # A refused destination, a missing webhook or a wrong id are typed errors
    for variables, code, field in (
        ({"id": hook_id, "url": "http://127.0.0.1/hook"}, "INVALID", "url"),
        ({"id": hook_id, "secret": "short"}, "INVALID", "secret"),
        (
            {"id": str(relay.GlobalID("Webhook", str(uuid.uuid4()))), "active": True},
            "NOT_FOUND",
            "id",
        ),
        ({"id": "not-an-id", "active": True}, "INVALID", "id"),
    ):
        bad = (await gql.ok(UPDATE_HOOK, {"input": variables}))["updateWebhook"]
        assert [(e["code"], e["field"]) for e in bad["errors"]] == [(code, field)], bad
        assert bad["webhook"] is None
    assert (await gql.ok(HOOKS))["webhooks"] == [
        {"id": hook_id, "url": "http://10.1.9.9/alerts", "active": False}
    ]

    # A non-admin can neither change nor delete it
    user = (await gql.ok(STEWARD, {"name": "stew_hooks"}))["createUser"]["user"]["id"]
    token = (await gql.ok(TOKEN, {"user": user}))["createApiToken"]["secret"]
    for document, variables in (
        (UPDATE_HOOK, {"input": {"id": hook_id, "active": True}}),
        (DELETE_HOOK, {"id": hook_id}),
    ):
        denied = await gql(document, variables, token=token)
        assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN", denied

    # When the admin deletes it, it is gone; a second delete is NOT_FOUND
    deleted = (await gql.ok(DELETE_HOOK, {"id": hook_id}))["deleteWebhook"]
    assert deleted["errors"] == [] and deleted["webhook"]["id"] == hook_id
    assert (await gql.ok(HOOKS))["webhooks"] == []
    again = (await gql.ok(DELETE_HOOK, {"id": hook_id}))["deleteWebhook"]
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("NOT_FOUND", "id")]
