"""Assemble the executable schema with its limits and policies."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from racine.schema.extensions import CostLimit, ErrorPolicy, NoNulText, OperationMetrics
from racine.schema.root import Mutation, Query, Subscription

__all__ = ["build_schema", "unguarded_root_fields"]


def build_schema(
    *,
    max_depth: int = 12,
    max_tokens: int = 5000,
    max_aliases: int = 30,
    max_cost: int = 50_000,
    metrics: Any = None,
) -> strawberry.Schema:
    # The limiters build their validation rule classes when constructed, and
    # ValidationCache keys its cache by the rules: a limiter constructed per
    # operation made every operation a cache miss (the whole document validated
    # again, ~3 ms CPU per request). Built once here, the rules stay the same.
    depth_rules = QueryDepthLimiter(max_depth=max_depth).validation_rules
    alias_rules = MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules
    schema = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(relay_max_results=100),
        # Factories: a fresh extension instance per operation.
        extensions=[
            ErrorPolicy,
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            lambda: AddValidationRules(depth_rules),
            lambda: AddValidationRules(alias_rules),
            lambda: CostLimit(max_cost=max_cost),
            NoNulText,
            lambda: OperationMetrics(metrics=metrics),
        ],
    )
    missing = unguarded_root_fields(schema)
    if missing:  # deny by default: refuse to start with an unguarded entry point
        raise RuntimeError(f"root fields without a permission class: {', '.join(missing)}")
    return schema


def unguarded_root_fields(schema: strawberry.Schema) -> list[str]:
    missing = []
    for root in (Query, Mutation, Subscription):
        definition = schema.get_type_by_name(root.__name__)
        for field in getattr(definition, "fields", []):
            if not field.permission_classes:
                missing.append(f"{root.__name__}.{field.python_name}")
    return missing
