"""Resolvers of the classification area: input → command → use case → schema type,
plus the classification fields of ``Asset`` and ``ColumnClassification``
(sensitivity, masked profile, actor, type)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, cast

from strawberry.types import Info

from racine.domain.access.model import Role
from racine.domain.catalog.model import Asset, AssetKind, ColumnClassification
from racine.domain.classification import use_cases
from racine.domain.classification.custom import type_catalogue
from racine.domain.classification.labels import LabelState
from racine.domain.classification.ports import ClassificationUnitOfWork
from racine.domain.classification.profiles import mask_profile, masking_type
from racine.domain.classification.types import BUILTIN_TYPES, Category
from racine.domain.classification.types import Sensitivity as Level
from racine.domain.errors import NotFound
from racine.domain.paging import Page, PageRequest, encode_cursor
from racine.schema import catalog as catalog_gql
from racine.schema import classification as gql
from racine.schema.access import User
from racine.schema.errors import run_mutation
from racine.schema.relay import Connection, connection_from_page, decode_id

__all__ = [
    "asset_profile",
    "asset_sensitivity",
    "classification_rules",
    "classification_types",
    "classify_values",
    "create_classification_rule",
    "create_classification_type",
    "delete_classification_rule",
    "delete_classification_type",
    "label_actor",
    "label_sensitivity",
    "label_type",
    "recompute_sensitivity",
    "resolve_classification_rule",
    "set_column_classification",
    "update_classification_rule",
    "update_classification_type",
]


def _uow(info: Info) -> ClassificationUnitOfWork:
    return cast(ClassificationUnitOfWork, info.context.uow())


async def _levels(info: Info, keys: Iterable[str]) -> dict[str, Level]:
    """Sensitivity of the custom types among ``keys`` (built-ins need no lookup)."""
    wanted = sorted({k for k in keys if k not in BUILTIN_TYPES})
    if not wanted:
        return {}
    found = await info.context.loaders.classification_type.load_many(wanted)
    return {t.key: t.sensitivity for t in found if t is not None}


def _level_of(key: str, custom: dict[str, Level]) -> Level:
    if key in custom:
        return custom[key]
    known = BUILTIN_TYPES.get(key)
    return known.sensitivity if known else Level.CONFIDENTIAL


# -- fields of Asset and ColumnClassification ---------------------------------------------


async def asset_sensitivity(info: Info, asset: Asset) -> gql.Sensitivity | None:
    return gql.Sensitivity.of(await info.context.loaders.asset_sensitivity.load(asset.id))


async def asset_profile(info: Info, asset: Asset) -> dict[str, Any] | None:
    """A column's stored profile; for a sensitive column, masked (see ``profiles``)."""
    if asset.profile is None or asset.kind is not AssetKind.COLUMN:
        return None
    rows = await info.context.loaders.asset_classifications.load(asset.id)
    mask_with = masking_type(rows, await _levels(info, (r.type_key for r in rows)))
    if mask_with is None:
        return dict(asset.profile)
    return mask_profile(asset.profile, mask_with)


async def label_actor(info: Info, label: ColumnClassification) -> User | None:
    if label.actor_id is None:
        return None
    found = await info.context.loaders.user.load(label.actor_id)
    return None if found is None else User.from_domain(found)


async def label_type(info: Info, key: str) -> gql.ClassificationType | None:
    known = BUILTIN_TYPES.get(key)
    if known is not None:
        return gql.ClassificationType.from_domain(known)
    stored = await info.context.loaders.classification_type.load(key)
    return None if stored is None else gql.ClassificationType.from_domain(stored)


async def label_sensitivity(info: Info, label: ColumnClassification) -> gql.Sensitivity:
    level = _level_of(label.type_key, await _levels(info, [label.type_key]))
    return cast(gql.Sensitivity, gql.Sensitivity.of(level))


# -- queries ---------------------------------------------------------------------------------


async def classification_types(
    info: Info, category: gql.ClassificationCategory | None
) -> list[gql.ClassificationType]:
    info.context.actor.require(Role.VIEWER)
    async with _uow(info) as uow:
        found = await type_catalogue(uow)
    wanted = None if category is None else Category(category.value)
    return [gql.ClassificationType.from_domain(t) for t in found
            if wanted is None or t.category is wanted]  # fmt: skip


async def resolve_classification_rule(info: Info, raw_id: str) -> gql.ClassificationRule | None:
    info.context.actor.require(Role.VIEWER)
    try:
        rule_id = uuid.UUID(raw_id)
    except ValueError:
        raise NotFound("Node", field="id") from None
    async with _uow(info) as uow:
        rule = await uow.classification.get_rule(rule_id)
    return None if rule is None else gql.ClassificationRule.from_domain(rule)


async def classification_rules(
    info: Info, rule_set_id: str | None, type_key: str | None, first: int, after: str | None
) -> Connection[gql.ClassificationRule]:
    info.context.actor.require(Role.VIEWER)
    request = PageRequest(first=first, after=after)
    key = request.after_key(int)
    offset = 0 if key is None else key[0]
    rule_set = None if rule_set_id is None else decode_id(
        rule_set_id, "ScanRuleSet", field="ruleSetId")  # fmt: skip
    async with _uow(info) as uow:
        rules, total = await uow.classification.rules_page(rule_set, type_key, offset, first)
    page: Page[Any] = Page(
        items=rules,
        cursors=[encode_cursor([offset + i + 1]) for i in range(len(rules))],
        total_count=total,
        has_next_page=offset + len(rules) < total,
        has_previous_page=offset > 0,
    )
    return connection_from_page(page, gql.ClassificationRule.from_domain)


async def classify_values(info: Info, input: gql.ClassifyValuesInput) -> gql.ClassificationVerdict:
    cmd = use_cases.ClassifyValues(
        column_name=input.column_name,
        values=tuple(input.values),
        rule_set_id=None if input.rule_set_id is None else decode_id(
            input.rule_set_id, "ScanRuleSet", field="ruleSetId"),
        data_type=input.data_type,
    )  # fmt: skip
    verdict = await use_cases.classify_values(_uow(info), info.context.actor, cmd)
    custom = await _levels(info, (lb.type_key for lb in verdict.labels))
    return gql.ClassificationVerdict(
        column_name=verdict.column_name,
        labels=[gql.suggestion(lb, _level_of(lb.type_key, custom)) for lb in verdict.labels],
        insufficient_evidence=verdict.insufficient_evidence,
        sample_size=verdict.sample_size,
        null_count=verdict.null_count,
        distinct_count=verdict.distinct_count,
    )


# -- mutations -------------------------------------------------------------------------------


async def set_column_classification(
    info: Info, input: gql.SetColumnClassificationInput
) -> gql.SetColumnClassificationPayload:
    async def action() -> dict[str, Any]:
        cmd = use_cases.SetColumnClassification(
            column_id=decode_id(input.column_id, "Asset", field="columnId"),
            type_key=input.type_key.strip(),
            state=LabelState(input.state.value),
            reason=input.reason,
        )
        column, label = await use_cases.set_column_classification(
            _uow(info), info.context.actor, cmd
        )
        info.context.reset_loaders()  # the column's labels and levels just changed
        return {
            "column": catalog_gql.Asset.from_domain(column),
            "classification": catalog_gql.ColumnClassification.from_domain(label),
        }

    return await run_mutation(info, gql.SetColumnClassificationPayload, action)


def _save_type(
    input: gql.CreateClassificationTypeInput | gql.UpdateClassificationTypeInput,
) -> use_cases.SaveType:
    return use_cases.SaveType(
        key=input.key.strip(),
        name=input.name,
        description=input.description,
        category=None if input.category is None else Category(input.category.value),
        sensitivity=None if input.sensitivity is None else input.sensitivity.domain(),
    )


async def create_classification_type(
    info: Info, input: gql.CreateClassificationTypeInput
) -> gql.ClassificationTypePayload:
    async def action() -> dict[str, Any]:
        stored = await use_cases.create_type(_uow(info), info.context.actor, _save_type(input))
        return {"type": gql.ClassificationType.from_domain(stored)}

    return await run_mutation(info, gql.ClassificationTypePayload, action)


async def update_classification_type(
    info: Info, input: gql.UpdateClassificationTypeInput
) -> gql.ClassificationTypePayload:
    async def action() -> dict[str, Any]:
        stored = await use_cases.update_type(_uow(info), info.context.actor, _save_type(input))
        return {"type": gql.ClassificationType.from_domain(stored)}

    return await run_mutation(info, gql.ClassificationTypePayload, action)


async def delete_classification_type(
    info: Info, input: gql.DeleteClassificationTypeInput
) -> gql.ClassificationTypePayload:
    async def action() -> dict[str, Any]:
        stored = await use_cases.delete_type(_uow(info), info.context.actor, input.key.strip())
        return {"type": gql.ClassificationType.from_domain(stored)}

    return await run_mutation(info, gql.ClassificationTypePayload, action)


async def create_classification_rule(
    info: Info, input: gql.CreateClassificationRuleInput
) -> gql.ClassificationRulePayload:
    async def action() -> dict[str, Any]:
        cmd = use_cases.SaveRule(
            type_key=input.type_key,
            name_pattern=input.name_pattern,
            value_pattern=input.value_pattern,
            dictionary=None if input.dictionary is None else tuple(input.dictionary),
            min_match_ratio=input.min_match_ratio,
            confidence=input.confidence,
            case_sensitive=input.case_sensitive,
            rule_set_id=None if input.rule_set_id is None else decode_id(
                input.rule_set_id, "ScanRuleSet", field="ruleSetId"),
            description=input.description,
        )  # fmt: skip
        rule = await use_cases.create_rule(_uow(info), info.context.actor, cmd)
        return {"rule": gql.ClassificationRule.from_domain(rule)}

    return await run_mutation(info, gql.ClassificationRulePayload, action)


async def update_classification_rule(
    info: Info, input: gql.UpdateClassificationRuleInput
) -> gql.ClassificationRulePayload:
    async def action() -> dict[str, Any]:
        cmd = use_cases.SaveRule(
            rule_id=decode_id(input.id, "ClassificationRule"),
            type_key=input.type_key,
            name_pattern=input.name_pattern,
            value_pattern=input.value_pattern,
            dictionary=None if input.dictionary is None else tuple(input.dictionary),
            min_match_ratio=input.min_match_ratio,
            confidence=input.confidence,
            case_sensitive=input.case_sensitive,
            description=input.description,
        )
        rule = await use_cases.update_rule(_uow(info), info.context.actor, cmd)
        return {"rule": gql.ClassificationRule.from_domain(rule)}

    return await run_mutation(info, gql.ClassificationRulePayload, action)


async def delete_classification_rule(
    info: Info, input: gql.DeleteClassificationRuleInput
) -> gql.ClassificationRulePayload:
    async def action() -> dict[str, Any]:
        rule = await use_cases.delete_rule(
            _uow(info), info.context.actor, decode_id(input.id, "ClassificationRule")
        )
        return {"rule": gql.ClassificationRule.from_domain(rule)}

    return await run_mutation(info, gql.ClassificationRulePayload, action)


async def recompute_sensitivity(
    info: Info, input: gql.RecomputeSensitivityInput
) -> gql.RecomputeSensitivityPayload:
    async def action() -> dict[str, Any]:
        source_id = decode_id(input.data_source_id, "DataSource", field="dataSourceId")
        count = await use_cases.recompute_sensitivity(_uow(info), info.context.actor, source_id)
        info.context.reset_loaders()
        return {"assets_with_sensitivity": count}

    return await run_mutation(info, gql.RecomputeSensitivityPayload, action)
