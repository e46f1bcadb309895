"""A document is validated once, then served from ValidationCache; the depth and
alias limits still apply."""

from __future__ import annotations

from strawberry.extensions.validation_cache import _get_validate_cache

from racine.schema.build import build_schema

QUERY = "{ viewer { id name } }"


async def test_the_same_document_is_validated_once() -> None:
    # Given a schema built as the app builds it
    schema = build_schema()
    cache = _get_validate_cache(256)
    await schema.execute(QUERY, context_value=None)
    before = cache.cache_info()
    # When the same document runs again
    await schema.execute(QUERY, context_value=None)
    # Then its validation comes from the cache (a limiter built per request made
    # new rule classes, so the cache key changed every time)
    after = cache.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)


async def test_limits_still_apply_with_cached_rules() -> None:
    schema = build_schema(max_depth=2, max_aliases=1)
    for _ in range(2):  # the second time from the cache
        deep = await schema.execute(
            "{ viewer { id } auditEvents(first: 1) { edges { node { id } } } }", context_value=None
        )
        assert deep.errors and "exceeds maximum operation depth" in deep.errors[0].message
        aliased = await schema.execute("{ a: viewer { id } b: viewer { id } }", context_value=None)
        assert aliased.errors and "aliases" in aliased.errors[0].message
