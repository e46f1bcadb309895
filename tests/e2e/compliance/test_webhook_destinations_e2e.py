"""createWebhook over HTTP refuses destinations that resolve to non-public addresses
(server-side request forgery), except in the networks the operator allows."""

from __future__ import annotations

from typing import Any

import pytest

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
    for url in ["http://127.0.0.1:8080/hook", "http://10.2.3.4/hook",
                "http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/hook",
                "http://[::ffff:127.0.0.1]/hook", "https://localhost/hook"]:
        # When an admin registers a webhook there
        result = (await gql.ok(CREATE_HOOK, {"url": url}))["createWebhook"]
        # Then it is refused on the url field, without naming any resolved address
        assert result["webhook"] is None, url
        assert result["errors"] == [{"code": "INVALID", "field": "url", "message": REFUSED}]
    # And an address inside the allowed network is accepted
    allowed = (await gql.ok(CREATE_HOOK, {"url": "http://10.1.2.3:8080/hook"}))["createWebhook"]
    assert allowed["errors"] == [] and allowed["webhook"]["url"] == "http://10.1.2.3:8080/hook"
