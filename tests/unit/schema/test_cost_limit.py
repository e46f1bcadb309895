"""The query-cost rule, on the executable schema without a server."""

from __future__ import annotations

from racine.schema.build import build_schema

PAGE = "auditEvents(first: %s) { edges { node { id action } } }"


async def test_cost_grows_with_page_size_and_nesting() -> None:
    schema = build_schema(max_cost=300)
    small = await schema.execute("{ %s }" % (PAGE % 10), context_value=None)
    # Allowed by cost (it then fails on authentication, which is a different error).
    assert small.errors[0].extensions["code"] == "UNAUTHENTICATED"
    big = await schema.execute("{ %s }" % (PAGE % 100), context_value=None)
    assert big.errors[0].extensions == {"code": "QUERY_TOO_COSTLY", "cost": 401}


async def test_fragments_count_once_per_spread() -> None:
    schema = build_schema(max_cost=300)
    query = "{ a: auditEvents(first: 100) { ...E } } fragment E on AuditEventConnection { edges { node { id } } }"
    result = await schema.execute(query, context_value=None)
    assert result.errors[0].extensions == {"code": "QUERY_TOO_COSTLY", "cost": 301}
