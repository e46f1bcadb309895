"""Use cases of the classification area: a steward's decision on a column, custom
types and rules, and a dry run of the classifier on given values.

Every change runs in one unit of work with its audit record. A steward's label
is MANUAL (actor, time, reason; the automatic label it overrode is kept in its
evidence as ``previous``) and a re-scan never overrides it (``merge``). Changing
a column's labels refreshes the stored sensitivity (``levels``), scrubs raw
values from its stored profile when it becomes sensitive, and emits
``CLASSIFICATION_CHANGED`` on the catalog channel with ``assetId`` (the lineage
area propagates labels from it).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any, cast

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.catalog.editable import editable
from racine.domain.catalog.model import Asset, AssetKind, ColumnClassification, utcnow
from racine.domain.catalog.use_cases import asset_event
from racine.domain.classification.custom import (
    MAX_CUSTOM_RULES,
    MAX_CUSTOM_TYPES,
    StoredRule,
    StoredType,
    classifier_config,
    custom_levels,
    custom_rule_ids,
    name_custom_rules,
)
from racine.domain.classification.engine import classify_column
from racine.domain.classification.labels import ColumnVerdict, LabelSource, LabelState
from racine.domain.classification.levels import refresh_sensitivity, refresh_source_sensitivity
from racine.domain.classification.ports import ClassificationUnitOfWork
from racine.domain.classification.scrub import mask_stored_profile, scrub_profiles
from racine.domain.classification.types import BUILTIN_TYPES, Category, Sensitivity
from racine.domain.errors import Conflict, LimitExceeded, NotFound, ValidationFailed
from racine.domain.events import Channels, Event
from racine.domain.incidents.ports import IncidentsUnitOfWork
from racine.domain.quality.masking import scrub_source_results
from racine.domain.scanning.rulesets import load_rule_set

__all__ = [
    "MAX_REASON",
    "MAX_TRIAL_VALUES",
    "ClassifyValues",
    "SaveRule",
    "SaveType",
    "SetColumnClassification",
    "classify_values",
    "create_rule",
    "create_type",
    "delete_rule",
    "delete_type",
    "recompute_sensitivity",
    "set_column_classification",
    "update_rule",
    "update_type",
]

MAX_REASON = 2000
MAX_DESCRIPTION = 2000
MAX_TRIAL_VALUES = 1000
MAX_DICTIONARY_WORD = 200
_STEWARD_STATES = (LabelState.CONFIRMED, LabelState.REJECTED)


def _label_json(row: ColumnClassification | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"typeKey": row.type_key, "state": row.state, "source": row.source,
            "confidence": row.confidence}  # fmt: skip


async def _require_type(uow: ClassificationUnitOfWork, key: str, field: str) -> None:
    if key in BUILTIN_TYPES:
        return
    if await uow.classification.get_type(key) is None:
        raise NotFound("ClassificationType", field=field)


# -- a steward's decision ----------------------------------------------------------------


@dataclass(frozen=True)
class SetColumnClassification:
    column_id: uuid.UUID
    type_key: str
    state: LabelState
    reason: str | None = None


async def set_column_classification(
    uow: ClassificationUnitOfWork, actor: Principal, cmd: SetColumnClassification
) -> tuple[Asset, ColumnClassification]:
    """Confirm or reject one type on one column (STEWARD or above)."""
    actor.require(Role.STEWARD)
    if cmd.state not in _STEWARD_STATES:
        raise ValidationFailed("a steward CONFIRMS or REJECTS a type", field="state")
    reason = (cmd.reason or "").strip()
    if len(reason) > MAX_REASON:
        raise LimitExceeded(f"reason longer than {MAX_REASON} characters", field="reason")
    async with uow:
        column = editable(await uow.catalog.get(cmd.column_id), field="columnId")
        if column.kind is not AssetKind.COLUMN:
            raise ValidationFailed("only columns carry classifications", field="columnId")
        await _require_type(uow, cmd.type_key, "typeKey")
        rows: list[ColumnClassification] = (await uow.catalog.classifications_for([column.id])).get(
            column.id, []
        )
        previous = next((r for r in rows if r.type_key == cmd.type_key), None)
        evidence: dict[str, Any] = {"reason": reason} if reason else {}
        if previous is not None and previous.source != LabelSource.MANUAL.value:
            # What the classifier thought stays readable next to the steward's word.
            evidence["previous"] = {**(_label_json(previous) or {}),
                                    "evidence": previous.evidence}  # fmt: skip
        elif previous is not None and "previous" in previous.evidence:
            evidence["previous"] = previous.evidence["previous"]
        now = utcnow()
        label = ColumnClassification(
            asset_id=column.id,
            type_key=cmd.type_key,
            state=cmd.state.value,
            source=LabelSource.MANUAL.value,
            confidence=1.0,
            evidence=evidence,
            actor_id=actor.user_id,
            updated_at=now,
        )
        rows = [r for r in rows if r.type_key != cmd.type_key] + [label]
        await uow.catalog.replace_classifications(column.id, rows)
        if mask_stored_profile(column, rows, await custom_levels(uow)):
            await uow.catalog.save(column)  # never stored raw again
        # ...nor in the results of quality checks that read it before
        await scrub_source_results(cast(IncidentsUnitOfWork, uow), [column.source_id])
        await refresh_sensitivity(uow, [column.id])
        diff = {"typeKey": cmd.type_key, "before": _label_json(previous),
                "after": _label_json(label), "reason": reason}  # fmt: skip
        await record(uow, actor, "classification.set", "Asset", column.id, diff)
        uow.emit(asset_event("CLASSIFICATION_CHANGED", column, typeKey=cmd.type_key,
                             state=label.state, source=label.source,
                             before=_label_json(previous), after=_label_json(label)))  # fmt: skip
        await uow.commit()
    return column, label


# -- custom types --------------------------------------------------------------------------


@dataclass(frozen=True)
class SaveType:
    """``None`` keeps the current value (or the default, on create)."""

    key: str
    name: str | None = None
    description: str | None = None
    category: Category | None = None
    sensitivity: Sensitivity | None = None


def _apply_type(t: StoredType, cmd: SaveType) -> None:
    if cmd.name is not None:
        t.name = cmd.name.strip()
    if cmd.description is not None:
        if len(cmd.description) > MAX_DESCRIPTION:
            raise LimitExceeded(f"description longer than {MAX_DESCRIPTION} characters",
                                field="description")  # fmt: skip
        t.description = cmd.description
    if cmd.category is not None:
        t.category = cmd.category
    if cmd.sensitivity is not None:
        t.sensitivity = cmd.sensitivity
    t.to_engine()  # raises ValidationFailed naming the field


def _type_json(t: StoredType) -> dict[str, Any]:
    return {"key": t.key, "name": t.name, "category": t.category.value,
            "sensitivity": t.sensitivity.name, "description": t.description}  # fmt: skip


async def create_type(uow: ClassificationUnitOfWork, actor: Principal, cmd: SaveType) -> StoredType:
    actor.require(Role.STEWARD)
    stored = StoredType(key=cmd.key.strip(), name=cmd.name or "", created_by=actor.user_id)
    _apply_type(stored, cmd)
    async with uow:
        existing: list[StoredType] = await uow.classification.types()
        if any(t.key == stored.key for t in existing):
            raise Conflict(f"type {stored.key} exists", field="key")
        if len(existing) >= MAX_CUSTOM_TYPES:
            raise LimitExceeded(f"at most {MAX_CUSTOM_TYPES} custom types", field="key")
        await uow.classification.add_type(stored)
        await record(uow, actor, "classification.type.create", "ClassificationType",
                     stored.key, _type_json(stored))  # fmt: skip
        await uow.commit()
    return stored


async def update_type(uow: ClassificationUnitOfWork, actor: Principal, cmd: SaveType) -> StoredType:
    """Change a custom type; a new sensitivity re-levels every column carrying it and,
    when it makes them sensitive, scrubs their stored profiles and check results."""
    actor.require(Role.STEWARD)
    async with uow:
        stored: StoredType | None = await uow.classification.get_type(cmd.key)
        if stored is None:
            if cmd.key in BUILTIN_TYPES:
                raise ValidationFailed("built-in types are read-only", field="key")
            raise NotFound("ClassificationType", field="key")
        before = _type_json(stored)
        _apply_type(stored, cmd)
        stored.updated_at = utcnow()
        await uow.classification.save_type(stored)
        if before["sensitivity"] != stored.sensitivity.name:
            columns = await uow.classification.columns_with_type(stored.key)
            if columns:
                await refresh_sensitivity(uow, columns)
                # a type raised to a sensitive level keeps no raw value of its columns
                await scrub_profiles(uow, columns)
                await _announce_columns(uow, columns, stored.key)
        await record(uow, actor, "classification.type.update", "ClassificationType",
                     stored.key, {"before": before, "after": _type_json(stored)})  # fmt: skip
        await uow.commit()
    return stored


async def delete_type(uow: ClassificationUnitOfWork, actor: Principal, key: str) -> StoredType:
    """Delete a custom type no rule uses; its labels on columns go with it."""
    actor.require(Role.STEWARD)
    async with uow:
        stored: StoredType | None = await uow.classification.get_type(key)
        if stored is None:
            if key in BUILTIN_TYPES:
                raise ValidationFailed("built-in types cannot be deleted", field="key")
            raise NotFound("ClassificationType", field="key")
        if await uow.classification.rules_using(key):
            raise Conflict("rules use this type: delete them first", field="key")
        columns = await uow.classification.columns_with_type(key)
        await uow.classification.delete_labels(key)
        await uow.classification.delete_type(key)
        if columns:
            await refresh_sensitivity(uow, columns)
            await _announce_columns(uow, columns, key)
        await record(uow, actor, "classification.type.delete", "ClassificationType", key,
                     {**_type_json(stored), "labelsRemoved": len(columns)})  # fmt: skip
        await uow.commit()
    return stored


async def _announce_columns(
    uow: ClassificationUnitOfWork, columns: list[uuid.UUID], type_key: str
) -> None:
    """CLASSIFICATION_CHANGED for the columns of a type that changed: one event per
    data source and 1,000 columns, so a subscription filtered by source hears of its
    own (lineage propagates from them)."""
    assets = await uow.catalog.lean(columns)
    by_source: dict[str | None, list[str]] = {}
    for column in columns:
        asset = assets.get(column)
        source = None if asset is None or asset.source_id is None else str(asset.source_id)
        by_source.setdefault(source, []).append(str(column))
    for source, ids in by_source.items():
        for start in range(0, len(ids), 1000):
            uow.emit(Event(Channels.CATALOG, "CLASSIFICATION_CHANGED", {
                "assetIds": ids[start : start + 1000], "sourceId": source, "typeKey": type_key,
            }))  # fmt: skip


# -- custom rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class SaveRule:
    """On update, ``None`` keeps a value and an empty pattern or dictionary clears it."""

    rule_id: uuid.UUID | None = None
    type_key: str | None = None
    name_pattern: str | None = None
    value_pattern: str | None = None
    dictionary: tuple[str, ...] | None = None
    min_match_ratio: float | None = None
    confidence: float | None = None
    case_sensitive: bool | None = None
    rule_set_id: uuid.UUID | None = None
    description: str | None = None


def _apply_rule(rule: StoredRule, cmd: SaveRule) -> None:
    if cmd.type_key is not None:
        rule.type_key = cmd.type_key.strip()
    if cmd.name_pattern is not None:
        rule.name_pattern = cmd.name_pattern or None
    if cmd.value_pattern is not None:
        rule.value_pattern = cmd.value_pattern or None
    if cmd.dictionary is not None:
        words = list(dict.fromkeys(w.strip() for w in cmd.dictionary if w.strip()))
        if any(len(w) > MAX_DICTIONARY_WORD for w in words):
            raise ValidationFailed(f"dictionary entries are 1-{MAX_DICTIONARY_WORD} characters",
                                   field="dictionary")  # fmt: skip
        rule.dictionary = words or None
    if cmd.min_match_ratio is not None:
        rule.min_match_ratio = cmd.min_match_ratio
    if cmd.confidence is not None:
        rule.confidence = cmd.confidence
    if cmd.case_sensitive is not None:
        rule.case_sensitive = cmd.case_sensitive
    if cmd.description is not None:
        if len(cmd.description) > MAX_DESCRIPTION:
            raise LimitExceeded(f"description longer than {MAX_DESCRIPTION} characters",
                                field="description")  # fmt: skip
        rule.description = cmd.description
    rule.to_engine()  # raises ValidationFailed naming the field


def _rule_json(r: StoredRule) -> dict[str, Any]:
    return {"typeKey": r.type_key, "namePattern": r.name_pattern,
            "valuePattern": r.value_pattern, "dictionarySize": len(r.dictionary or []),
            "minMatchRatio": r.min_match_ratio, "confidence": r.confidence,
            "caseSensitive": r.case_sensitive,
            "ruleSetId": None if r.rule_set_id is None else str(r.rule_set_id)}  # fmt: skip


async def create_rule(uow: ClassificationUnitOfWork, actor: Principal, cmd: SaveRule) -> StoredRule:
    actor.require(Role.STEWARD)
    if not cmd.type_key:
        raise ValidationFailed("typeKey is required", field="typeKey")
    rule = StoredRule(type_key=cmd.type_key, rule_set_id=cmd.rule_set_id,
                      created_by=actor.user_id)  # fmt: skip
    _apply_rule(rule, cmd)
    async with uow:
        await _require_type(uow, rule.type_key, "typeKey")
        if rule.rule_set_id is not None:
            await load_rule_set(uow, rule.rule_set_id)  # NOT_FOUND on ruleSetId
        if await uow.classification.count_rules() >= MAX_CUSTOM_RULES:
            raise LimitExceeded(f"at most {MAX_CUSTOM_RULES} custom rules", field="typeKey")
        await uow.classification.add_rule(rule)
        await record(uow, actor, "classification.rule.create", "ClassificationRule", rule.id,
                     _rule_json(rule))  # fmt: skip
        await uow.commit()
    return rule


async def update_rule(uow: ClassificationUnitOfWork, actor: Principal, cmd: SaveRule) -> StoredRule:
    actor.require(Role.STEWARD)
    assert cmd.rule_id is not None
    async with uow:
        rule: StoredRule | None = await uow.classification.get_rule(cmd.rule_id)
        if rule is None:
            raise NotFound("ClassificationRule", field="id")
        before = _rule_json(rule)
        _apply_rule(rule, cmd)
        await _require_type(uow, rule.type_key, "typeKey")
        rule.updated_at = utcnow()
        await uow.classification.save_rule(rule)
        await record(uow, actor, "classification.rule.update", "ClassificationRule", rule.id,
                     {"before": before, "after": _rule_json(rule)})  # fmt: skip
        await uow.commit()
    return rule


async def delete_rule(
    uow: ClassificationUnitOfWork, actor: Principal, rule_id: uuid.UUID
) -> StoredRule:
    actor.require(Role.STEWARD)
    async with uow:
        rule: StoredRule | None = await uow.classification.get_rule(rule_id)
        if rule is None:
            raise NotFound("ClassificationRule", field="id")
        await uow.classification.delete_rule(rule_id)
        await record(uow, actor, "classification.rule.delete", "ClassificationRule", rule.id,
                     _rule_json(rule))  # fmt: skip
        await uow.commit()
    return rule


# -- dry run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassifyValues:
    column_name: str
    values: tuple[str | None, ...]
    rule_set_id: uuid.UUID | None = None
    data_type: str | None = None


async def classify_values(
    uow: ClassificationUnitOfWork, actor: Principal, cmd: ClassifyValues
) -> ColumnVerdict:
    """What a scan with this rule set (custom rules included) would conclude about a
    column of this name holding these values. Nothing is stored. The engine runs in
    a worker thread: user regexes are bounded by its per-value timeout and
    per-column budget, so a pathological pattern costs about half a second."""
    actor.require(Role.STEWARD)
    name = cmd.column_name.strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed("columnName must be 1-200 characters", field="columnName")
    if len(cmd.values) > MAX_TRIAL_VALUES:
        raise LimitExceeded(f"at most {MAX_TRIAL_VALUES} values", field="values")
    async with uow:
        rules = await load_rule_set(uow, cmd.rule_set_id)
        config = await classifier_config(uow, rules)
        rule_ids = await custom_rule_ids(uow, rules)
    verdict = await asyncio.to_thread(
        classify_column, name, list(cmd.values), config, data_type=cmd.data_type
    )
    return ColumnVerdict(
        column_name=verdict.column_name,
        labels=name_custom_rules(verdict.labels, rule_ids),
        insufficient_evidence=verdict.insufficient_evidence,
        sample_size=verdict.sample_size,
        null_count=verdict.null_count,
        distinct_count=verdict.distinct_count,
    )


# -- backfill --------------------------------------------------------------------------------


async def recompute_sensitivity(
    uow: ClassificationUnitOfWork, actor: Principal, source_id: uuid.UUID
) -> int:
    """Recompute the stored sensitivity of a whole data source from its labels
    (after an upgrade, or labels written by a tool that does not refresh them).
    Returns how many assets have a level. STEWARD or above."""
    actor.require(Role.STEWARD)
    async with uow:
        if await uow.sources.get(source_id) is None:
            raise NotFound("DataSource", field="dataSourceId")
        count = await refresh_source_sensitivity(uow, source_id)
        await record(uow, actor, "classification.recompute", "DataSource", source_id,
                     {"assetsWithLevel": count})  # fmt: skip
        await uow.commit()
    return count
