"""Root fields of the classification area, mixed into ``Query``/``Mutation`` so the
shared root module only names these classes as bases."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from racine.resolvers import classification as r
from racine.resolvers.permissions import IsSteward, IsViewer
from racine.schema import classification as c
from racine.schema.errors import INPUT
from racine.schema.relay import Connection, register_node

__all__ = ["ClassificationMutation", "ClassificationQuery"]

PAGE = "Page size, 0-100 (default 20)."
AFTER = "Cursor from `pageInfo.endCursor` of the previous page."

register_node("ClassificationRule", r.resolve_classification_rule)


@strawberry.type
class ClassificationQuery:
    @strawberry.field(
        description="Classification types: the built-in ones (47) in catalogue order, then "
        "custom ones by key (at most 500). VIEWER or above.",
        permission_classes=[IsViewer],
    )
    async def classification_types(
        self,
        info: Info,
        category: Annotated[
            c.ClassificationCategory | None,
            strawberry.argument(description="Only types of this category."),
        ] = None,
    ) -> list[c.ClassificationType]:
        return await r.classification_types(info, category)

    @strawberry.field(
        description="Custom classification rules, oldest first; ≤ 100 per page. VIEWER or above.",
        permission_classes=[IsViewer],
    )
    async def classification_rules(
        self,
        info: Info,
        rule_set_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only the rules of this ScanRuleSet (not the global ones)."
            ),
        ] = None,
        type_key: Annotated[
            str | None, strawberry.argument(description="Only rules for this type.")
        ] = None,
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[c.ClassificationRule]:
        return await r.classification_rules(info, rule_set_id, type_key, first, after)

    @strawberry.field(
        description="Classify given values as a scan with a rule set would (built-in and "
        "custom rules, the model), with evidence; nothing is stored. Regexes are bounded "
        "by a 50 ms per-value timeout and a 0.5 s per-column budget. STEWARD or above.",
        permission_classes=[IsSteward],
    )
    async def classify_values(
        self, info: Info, input: Annotated[c.ClassifyValuesInput, INPUT]
    ) -> c.ClassificationVerdict:
        return await r.classify_values(info, input)


@strawberry.type
class ClassificationMutation:
    @strawberry.mutation(
        description="Confirm or reject a classification type on a column (a MANUAL label "
        "with actor, time and reason; re-scans never override it). Audited; emits "
        "CLASSIFICATION_CHANGED on `catalogChanges`. CONFLICT on a removed column. STEWARD or "
        "above.",
        permission_classes=[IsSteward],
    )
    async def set_column_classification(
        self, info: Info, input: Annotated[c.SetColumnClassificationInput, INPUT]
    ) -> c.SetColumnClassificationPayload:
        return await r.set_column_classification(info, input)

    @strawberry.mutation(
        description="Define a custom classification type. STEWARD or above.",
        permission_classes=[IsSteward],
    )
    async def create_classification_type(
        self, info: Info, input: Annotated[c.CreateClassificationTypeInput, INPUT]
    ) -> c.ClassificationTypePayload:
        return await r.create_classification_type(info, input)

    @strawberry.mutation(
        description="Change a custom classification type. STEWARD or above.",
        permission_classes=[IsSteward],
    )
    async def update_classification_type(
        self, info: Info, input: Annotated[c.UpdateClassificationTypeInput, INPUT]
    ) -> c.ClassificationTypePayload:
        return await r.update_classification_type(info, input)

    @strawberry.mutation(
        description="Delete a custom classification type no rule uses. STEWARD or above.",
        permission_classes=[IsSteward],
    )
    async def delete_classification_type(
        self, info: Info, input: Annotated[c.DeleteClassificationTypeInput, INPUT]
    ) -> c.ClassificationTypePayload:
        return await r.delete_classification_type(info, input)

    @strawberry.mutation(
        description="Add a custom classification rule (used by later scans). STEWARD or above.",
        permission_classes=[IsSteward],
    )
    async def create_classification_rule(
        self, info: Info, input: Annotated[c.CreateClassificationRuleInput, INPUT]
    ) -> c.ClassificationRulePayload:
        return await r.create_classification_rule(info, input)

    @strawberry.mutation(
        description="Change a custom classification rule. STEWARD or above.",
        permission_classes=[IsSteward],
    )
    async def update_classification_rule(
        self, info: Info, input: Annotated[c.UpdateClassificationRuleInput, INPUT]
    ) -> c.ClassificationRulePayload:
        return await r.update_classification_rule(info, input)

    @strawberry.mutation(
        description="Delete a custom classification rule. STEWARD or above.",
        permission_classes=[IsSteward],
    )
    async def delete_classification_rule(
        self, info: Info, input: Annotated[c.DeleteClassificationRuleInput, INPUT]
    ) -> c.ClassificationRulePayload:
        return await r.delete_classification_rule(info, input)

    @strawberry.mutation(
        description="Recompute the stored sensitivity of a data source's assets from their "
        "labels (backfill). STEWARD or above.",
        permission_classes=[IsSteward],
    )
    async def recompute_sensitivity(
        self, info: Info, input: Annotated[c.RecomputeSensitivityInput, INPUT]
    ) -> c.RecomputeSensitivityPayload:
        return await r.recompute_sensitivity(info, input)
