"""The GraphQL endpoint over HTTP: authentication, tokens, audit, limits, bad input."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import httpx
import pytest

VIEWER = "{ viewer { id name role } }"

CREATE_TOKEN = """
mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) {
    errors { code field message }
    token { id name prefix expiresAt revokedAt }
    secret
  }
}
"""

REVOKE_TOKEN = """
mutation($id: ID!) {
  revokeApiToken(input: {id: $id}) { errors { code field message } token { id revokedAt } }
}
"""

DENIED = """
query($first: Int!, $filter: AuditEventFilter) {
  auditEvents(first: $first, filter: $filter) {
    edges { node { action actorName targetType targetId outcome diff } }
  }
}
"""

CREATE_USER = """
mutation($name: String!, $role: Role!) {
  createUser(input: {name: $name, role: $role}) { errors { code field message } user { id name role } }
}
"""

AUDIT = """
query($first: Int!, $after: String, $filter: AuditEventFilter) {
  auditEvents(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id action actorName targetType outcome requestId diff } }
  }
}
"""


async def test_viewer_needs_a_token(client: httpx.AsyncClient, gql) -> None:
    # Given no Authorization header, when asking for the viewer, then 401 with a code.
    response = await client.post("/graphql", json={"query": VIEWER}, headers={"authorization": ""})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "traceback" not in response.text.lower()

    body = await gql(VIEWER, token="rcn_not-a-real-token-at-all", status=401)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    data = await gql.ok(VIEWER)
    assert data["viewer"]["name"] == "admin"
    assert data["viewer"]["role"] == "ADMIN"


async def test_token_lifecycle_is_audited_without_secrets(gql) -> None:
    # Given the admin, when it issues a token, the secret works and is shown once.
    created = (await gql.ok(CREATE_TOKEN, {"input": {"name": "ci", "expiresInDays": 7}}))[
        "createApiToken"
    ]
    assert created["errors"] == []
    secret = created["secret"]
    assert secret.startswith("rcn_") and len(secret) > 40
    assert secret.startswith(created["token"]["prefix"])
    assert (await gql.ok(VIEWER, token=secret))["viewer"]["name"] == "admin"

    # When it is revoked, then it is refused.
    revoked = (await gql.ok(REVOKE_TOKEN, {"id": created["token"]["id"]}))["revokeApiToken"]
    assert revoked["errors"] == [] and revoked["token"]["revokedAt"]
    assert (await gql(VIEWER, token=secret, status=401))["errors"][0]["extensions"][
        "code"
    ] == "UNAUTHENTICATED"

    # And the audit trail has both actions, with request ids, and never the secret.
    trail = (await gql.ok(AUDIT, {"first": 10, "filter": {"actionPrefix": "token."}}))[
        "auditEvents"
    ]
    actions = [e["node"]["action"] for e in trail["edges"]]
    assert actions == ["token.revoke", "token.create"]
    assert all(e["node"]["requestId"] for e in trail["edges"])
    assert secret not in str(trail)


async def test_invalid_token_input_is_a_typed_user_error(gql) -> None:
    body = await gql.ok(CREATE_TOKEN, {"input": {"name": "x", "expiresInDays": 99999}})
    errors = body["createApiToken"]["errors"]
    assert errors == [
        {"code": "LIMIT_EXCEEDED", "field": "expiresInDays", "message": errors[0]["message"]}
    ]
    assert body["createApiToken"]["token"] is None
    body = await gql.ok(REVOKE_TOKEN, {"id": "VXNlcjphYmM="})  # a User id, not a token id
    assert body["revokeApiToken"]["errors"][0]["code"] == "INVALID"


async def test_expired_token_is_refused(app, gql) -> None:
    created = (await gql.ok(CREATE_TOKEN, {"input": {"name": "short", "expiresInDays": 1}}))[
        "createApiToken"
    ]
    from sqlalchemy import update

    from racine.persistence.tables.access import ApiTokenRow

    runtime = app.state.runtime
    async with runtime.db.sessions.begin() as session:
        await session.execute(
            update(ApiTokenRow)
            .where(ApiTokenRow.prefix == created["token"]["prefix"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    await gql(VIEWER, token=created["secret"], status=401)


async def test_roles_deny_by_default(gql) -> None:
    # Given a VIEWER user with a token
    user = (await gql.ok(CREATE_USER, {"name": "vera", "role": "VIEWER"}))["createUser"]
    assert user["errors"] == []
    issued = (
        await gql.ok(CREATE_TOKEN, {"input": {"name": "vera", "userId": user["user"]["id"]}})
    )["createApiToken"]
    token = issued["secret"]
    # Then she reads the viewer but not the audit trail, and cannot create users.
    assert (await gql.ok(VIEWER, token=token))["viewer"]["role"] == "VIEWER"
    denied = await gql(AUDIT, {"first": 1}, token=token)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    denied = await gql(CREATE_USER, {"name": "eve", "role": "ADMIN"}, token=token)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # And she cannot issue a token for somebody else.
    viewer_id = (await gql.ok(VIEWER))["viewer"]["id"]
    body = await gql.ok(
        CREATE_TOKEN, {"input": {"name": "steal", "userId": viewer_id}}, token=token
    )
    assert body["createApiToken"]["errors"][0]["code"] == "FORBIDDEN"
    # And the two refused mutations are in the audit trail as her failures (the
    # refused read is not: it changed nothing), newest first.
    refused = await gql.ok(DENIED, {"first": 10, "filter": {"actionPrefix": "access."}})
    assert [e["node"] for e in refused["auditEvents"]["edges"]] == [
        {
            "action": "access.denied",
            "actorName": "vera",
            "targetType": "Mutation",
            "targetId": "createApiToken",
            "outcome": "FAILURE",
            "diff": {"reason": body["createApiToken"]["errors"][0]["message"]},
        },
        {
            "action": "access.denied",
            "actorName": "vera",
            "targetType": "Mutation",
            "targetId": "createUser",
            "outcome": "FAILURE",
            "diff": {"reason": "requires the ADMIN role"},
        },
    ]
    # Duplicate names conflict.
    dup = (await gql.ok(CREATE_USER, {"name": "vera", "role": "EDITOR"}))["createUser"]
    assert dup["errors"][0]["code"] == "CONFLICT"


async def test_a_caller_who_keeps_being_refused_is_paced_and_counted(app, gql) -> None:
    # Given a pacer that records 3 refusals at once, then one a second (on our clock)
    from racine.resolvers.denials import DenialPacer

    now = [0.0]
    app.state.runtime.services.denials = DenialPacer(rate=1.0, burst=3, clock=lambda: now[0])
    user = (await gql.ok(CREATE_USER, {"name": "mallory", "role": "VIEWER"}))["createUser"]
    issued = (await gql.ok(CREATE_TOKEN, {"input": {"name": "m", "userId": user["user"]["id"]}}))[
        "createApiToken"
    ]
    # When a VIEWER sends 8 mutations she may not, and one more a second later
    for i in range(8):
        denied = await gql(
            CREATE_USER, {"name": f"eve{i}", "role": "ADMIN"}, token=issued["secret"]
        )
        assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # each is refused
    now[0] += 1.0
    denied = await gql(CREATE_USER, {"name": "eve9", "role": "ADMIN"}, token=issued["secret"])
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Then 3 are recorded, then the one a second later, which counts the 5 in between
    refused = await gql.ok(DENIED, {"first": 20, "filter": {"actionPrefix": "access."}})
    diffs = [e["node"]["diff"] for e in refused["auditEvents"]["edges"]]
    assert diffs == [
        {"reason": "requires the ADMIN role", "unrecorded": 5},
        *[{"reason": "requires the ADMIN role"}] * 3,
    ]


async def test_audit_pages_with_cursors(gql) -> None:
    for i in range(5):
        await gql.ok(CREATE_TOKEN, {"input": {"name": f"t{i}"}})
    seen: list[str] = []
    after = None
    while True:
        page = (await gql.ok(AUDIT, {"first": 2, "after": after}))["auditEvents"]
        seen += [e["node"]["id"] for e in page["edges"]]
        assert page["totalCount"] == 6  # bootstrap + 5 tokens
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 6
    bad = await gql(AUDIT, {"first": 2, "after": "%%%"})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID"


async def test_node_resolves_and_hides(gql) -> None:
    me = (await gql.ok(VIEWER))["viewer"]
    node = await gql.ok(
        "query($id: ID!) { node(id: $id) { id ... on User { name } } }", {"id": me["id"]}
    )
    assert node["node"] == {"id": me["id"], "name": "admin"}
    missing = await gql(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": "VXNlcjowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA="},
    )
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    unknown_type = await gql('{ node(id: "Rm9vOjE=") { id } }')
    assert unknown_type["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # Known types with a non-UUID id: NOT_FOUND too, never an internal error.
    for type_name in ("User", "AuditEvent", "Workspace", "Document", "Incident", "LineageEdge"):
        gid = base64.b64encode(f"{type_name}:not-a-uuid".encode()).decode()
        body = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": gid})
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", (type_name, body)


async def test_bad_requests_get_typed_errors(client: httpx.AsyncClient, gql) -> None:
    r = await client.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    r = await client.post(
        "/graphql", content=b"{ viewer { id } }", headers={"content-type": "text/plain"}
    )
    assert r.status_code in (400, 415) and r.json()["errors"]
    r = await client.get(
        "/graphql", params={"query": 'mutation { createApiToken(input:{name:"x"}) { secret } }'}
    )
    assert r.status_code in (400, 405) and "GET" in r.text
    r = await client.get("/graphql", params={"query": VIEWER})
    assert r.status_code == 200 and r.json()["data"]["viewer"]["name"] == "admin"

    deep = "{ " + "viewer { " * 60 + "id" + " }" * 60 + " }"
    body = await gql(deep)
    assert body.get("data") is None
    assert any("exceeds maximum operation depth" in e["message"] for e in body["errors"])

    cycle = "{ viewer { ...A } } fragment A on User { ...B } fragment B on User { ...A }"
    assert (await gql(cycle))["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION"

    aliases = "{ " + " ".join(f"a{i}: viewer {{ id }}" for i in range(5000)) + " }"
    body = await gql(aliases)
    assert body["errors"] and body.get("data") is None

    body = await gql("{ auditEvents(first: 100000) { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"

    # The server keeps serving.
    assert (await gql.ok(VIEWER))["viewer"]["name"] == "admin"


async def test_text_with_a_nul_character_is_invalid_and_nothing_runs(gql) -> None:
    # Given text with U+0000, which PostgreSQL text cannot hold, in a variable (nested
    # in an input), in a string literal, and in a search query
    create = """mutation($input: CreateGlossaryTermInput!) {
      createGlossaryTerm(input: $input) { errors { code } term { id } } }"""
    bodies = [
        await gql(create, {"input": {"name": "Client", "synonyms": ["pat\x00ron"]}}),
        await gql(
            'mutation { createGlossaryTerm(input: {name: "Cl\\u0000ient"}) { errors { code } } }'
        ),
        await gql("query($q: String!) { search(query: $q) { totalCount } }", {"q": "\x00"}),
    ]

    # Then each is refused before anything runs, with a typed error that says why,
    # on SQLite as on PostgreSQL (no internal error), and nothing was created
    for body in bodies:
        assert body.get("data") is None, body
        assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID"], body
        assert "NUL" in body["errors"][0]["message"]
    terms = await gql.ok("{ glossaryTerms { edges { node { name } } } }")
    assert terms["glossaryTerms"]["edges"] == []
    # ...and the same text without the NUL goes through
    made = await gql.ok(create, {"input": {"name": "Client", "synonyms": ["patron"]}})
    assert made["createGlossaryTerm"]["errors"] == []


async def test_variables_the_schema_cannot_take_are_request_errors(gql) -> None:
    # Given a DateTime variable that is no date, and a page size out of range
    since = await gql(
        "query($s: DateTime) { auditEvents(filter: {since: $s}) { totalCount } }",
        {"s": "not a date"},
    )
    pages = [
        await gql("query($n: Int!) { notifications(first: $n) { id } }", {"n": n})
        for n in (0, -(2**31), 101)
    ]

    # Then each is a typed error that says what is wrong, not an internal error
    assert since["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION", since
    assert "DateTime" in since["errors"][0]["message"]
    for page in pages:
        assert page["errors"][0]["extensions"] == {"code": "LIMIT_EXCEEDED", "field": "first"}
    assert (await gql.ok("{ notifications(first: 100) { id } }"))["notifications"] == []


TAMPERED_CURSORS = [
    b"[]",  # no key at all
    b"[null, null]",
    b'["a", "not-a-uuid"]',
    b"[1e30]",  # an offset past any int64
    b"[100000000000000000000000]",
    b"[-1]",
    b'[[1], {"a": 1}]',
    b'["\\u0000", "00000000-0000-0000-0000-000000000000"]',  # NUL, which PostgreSQL refuses
]
LISTS = [
    '{ search(query: "c", after: "%s") { totalCount } }',
    '{ assets(after: "%s") { totalCount } }',
    '{ dataSources(after: "%s") { totalCount } }',
    '{ glossaryTerms(after: "%s") { totalCount } }',
    '{ scans(after: "%s") { totalCount } }',
    '{ classificationRules(after: "%s") { totalCount } }',
    '{ workspaces(after: "%s") { totalCount } }',
    '{ qualityAssertions(after: "%s") { totalCount } }',
    '{ incidents(after: "%s") { totalCount } }',
    '{ webhookDeliveries(after: "%s") { totalCount } }',
    '{ auditEvents(after: "%s") { totalCount } }',
]


def _outcome(body: dict) -> tuple[str, str | None]:
    if not body.get("errors"):
        return ("PAGE", None)
    extensions = body["errors"][0]["extensions"]
    return (extensions["code"], extensions.get("field"))


async def test_a_cursor_edited_or_made_by_hand_is_invalid_on_after(gql) -> None:
    # Given cursors no list gave out: empty, of the wrong kinds, out of range, with NUL
    for raw in TAMPERED_CURSORS:
        cursor = base64.urlsafe_b64encode(raw).decode()
        for query in LISTS:
            # When a list is asked for the page after one
            outcome = _outcome(await gql(query % cursor))
            # Then the answer is INVALID on `after`, never an internal error
            assert outcome == ("INVALID", "after"), (raw, query, outcome)
    # A moment without its zone, in a list keyed by time, is taken as UTC; a list
    # keyed by name takes it as a name: a page either way
    naive = b'["2026-01-01T00:00:00", "00000000-0000-0000-0000-000000000000"]'
    cursor = base64.urlsafe_b64encode(naive).decode()
    keyed = [q for q in LISTS if not q.startswith(("{ search", "{ dataSources", "{ classif"))]
    for query in keyed:  # the others' cursors are an offset, or a name alone
        assert _outcome(await gql(query % cursor)) == ("PAGE", None), query


@pytest.mark.parametrize("settings_overrides", [{"max_cost": 1000}])
async def test_query_cost_counts_page_sizes(gql) -> None:
    page = "auditEvents(first: %d) { edges { node { id action diff actorName } } }"
    # 1 + 100 × (edges 1 + node 1 + 4 fields) = 601: allowed.
    assert "auditEvents" in await gql.ok("{ %s }" % (page % 100))
    # Two such pages cost 1202: refused before anything runs.
    body = await gql("{ a: %s b: %s }" % (page % 100, page % 100))
    assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 1202}
    # Page sizes given as variables count too.
    body = await gql(
        "query($n: Int!) { a: %s b: %s }" % (page.replace("%d", "$n"), page.replace("%d", "$n")),
        {"n": 100},
    )
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_health_readiness_metrics(client: httpx.AsyncClient, gql) -> None:
    anonymous = {"authorization": ""}
    assert (await client.get("/healthz", headers=anonymous)).json() == {"status": "ok"}
    ready = await client.get("/readyz", headers=anonymous)
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": True, "events": True}
    await gql.ok("query Me { viewer { id } }")
    text = (await client.get("/metrics", headers=anonymous)).text
    assert 'racine_graphql_requests_total{operation="Me",outcome="ok",type="query"} 1.0' in text
    assert "racine_active_subscriptions" in text and "racine_job_queue_depth" in text


async def test_request_id_round_trip(client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", json={"query": VIEWER}, headers={"x-request-id": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = await client.post("/graphql", json={"query": VIEWER}, headers={"x-request-id": "bad id\n!"})
    assert r.headers["x-request-id"] != "bad id\n!"


async def test_oversized_body_is_refused(client: httpx.AsyncClient) -> None:
    big = b"x" * (26 * 1024 * 1024)
    r = await client.post("/graphql", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
