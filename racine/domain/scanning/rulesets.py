"""Use cases on scan rule sets. The built-in default (``ScanRuleSet.default()``)
is always listed and read-only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.catalog.model import utcnow
from racine.domain.catalog.ports import CatalogUnitOfWork
from racine.domain.classification.config import ClassifierConfig
from racine.domain.errors import Conflict, NotFound, ValidationFailed
from racine.domain.scanning.model import DEFAULT_RULE_SET_ID, ScanRuleSet
from racine.domain.scanning.rules import check_patterns
from racine.domain.scanning.source import MAX_SAMPLE_ROWS

__all__ = [
    "SaveRuleSet",
    "classifier_config",
    "create_rule_set",
    "delete_rule_set",
    "load_rule_set",
    "update_rule_set",
]

_PATTERNS = ("include_schemas", "exclude_schemas", "include_tables", "exclude_tables")


@dataclass(frozen=True)
class SaveRuleSet:
    """``None`` fields keep their value (or the default, on create)."""

    rule_set_id: uuid.UUID | None = None
    name: str | None = None
    description: str | None = None
    include_schemas: tuple[str, ...] | None = None
    exclude_schemas: tuple[str, ...] | None = None
    include_tables: tuple[str, ...] | None = None
    exclude_tables: tuple[str, ...] | None = None
    sample_size: int | None = None
    profiling: bool | None = None
    classification: bool | None = None
    min_match_ratio: float | None = None
    auto_confirm_threshold: float | None = None
    min_confidence: float | None = None
    enabled_types: tuple[str, ...] | None = None
    use_ml: bool | None = None


def classifier_config(rules: ScanRuleSet) -> ClassifierConfig:
    """The classification engine's settings for a rule set (validates thresholds)."""
    return ClassifierConfig(
        enabled_types=None if rules.enabled_types is None else frozenset(rules.enabled_types),
        min_match_ratio=rules.min_match_ratio,
        auto_confirm_threshold=rules.auto_confirm_threshold,
        min_confidence=rules.min_confidence,
        use_ml=rules.use_ml,
        max_samples=max(1, min(rules.sample_size, 100_000)),
    )


def _check_glob(pattern: str, field: str) -> None:
    """``fnmatch`` never rejects a pattern: an unclosed ``[`` silently matches a
    literal bracket, so a typo would select nothing. Refuse it (and an empty ``[]``
    or control characters) instead."""
    if any(ord(ch) < 32 for ch in pattern):
        raise ValidationFailed(f"not a valid glob: {pattern!r}", field=field)
    i = 0
    while i < len(pattern):
        if pattern[i] == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "]") else i + 1)
            if pattern[i + 1 : i + 2] == "!" and end == i + 2:
                end = pattern.find("]", i + 3)
            if end == -1 or end == i + 1:
                raise ValidationFailed(f"unclosed or empty [ in glob {pattern!r}", field=field)
            i = end
        i += 1


def _apply(rules: ScanRuleSet, cmd: SaveRuleSet) -> None:
    if cmd.name is not None:
        name = cmd.name.strip()
        if not 1 <= len(name) <= 100:
            raise ValidationFailed("name must be 1-100 characters", field="name")
        rules.name = name
    for f in fields(cmd):
        value = getattr(cmd, f.name)
        if value is None or f.name in ("rule_set_id", "name"):
            continue
        if f.name in _PATTERNS:
            camel = f.name.split("_")[0] + f.name.split("_")[1].capitalize()
            value = check_patterns(value, camel)
            for pattern in value:
                _check_glob(pattern, camel)
        elif f.name == "enabled_types":
            value = sorted(set(value))
        setattr(rules, f.name, value)
    if not 1 <= rules.sample_size <= MAX_SAMPLE_ROWS:
        raise ValidationFailed(f"sampleSize must be 1-{MAX_SAMPLE_ROWS}", field="sampleSize")
    classifier_config(rules)  # raises ValidationFailed naming the bad threshold
    if rules.min_confidence > rules.auto_confirm_threshold:
        # every label kept would be confirmed, and none suggested to a steward
        raise ValidationFailed(
            "minConfidence must not exceed autoConfirmThreshold", field="minConfidence"
        )


async def load_rule_set(uow: CatalogUnitOfWork, rule_set_id: uuid.UUID | None) -> ScanRuleSet:
    """The stored rule set, or the built-in default for ``None``/its id."""
    if rule_set_id is None or rule_set_id == DEFAULT_RULE_SET_ID:
        return ScanRuleSet.default()
    rules = await uow.sources.get_rule_set(rule_set_id)
    if rules is None:
        raise NotFound("ScanRuleSet", field="ruleSetId")
    return rules


async def create_rule_set(
    uow: CatalogUnitOfWork, actor: Principal, cmd: SaveRuleSet
) -> ScanRuleSet:
    actor.require(Role.STEWARD)
    rules = ScanRuleSet(name="")
    _apply(rules, cmd)
    if not rules.name:
        raise ValidationFailed("name is required", field="name")
    async with uow:
        if rules.name == "Default" or await uow.sources.get_rule_set_by_name(rules.name):
            raise Conflict("a rule set with this name exists", field="name")
        await uow.sources.add_rule_set(rules)
        await record(uow, actor, "scanruleset.create", "ScanRuleSet", rules.id, vars(cmd))
        await uow.commit()
    return rules


async def update_rule_set(
    uow: CatalogUnitOfWork, actor: Principal, cmd: SaveRuleSet
) -> ScanRuleSet:
    actor.require(Role.STEWARD)
    assert cmd.rule_set_id is not None
    if cmd.rule_set_id == DEFAULT_RULE_SET_ID:
        raise Conflict("the default rule set is built in: create your own", field="id")
    async with uow:
        rules = await uow.sources.get_rule_set(cmd.rule_set_id)
        if rules is None:
            raise NotFound("ScanRuleSet", field="id")
        _apply(rules, cmd)
        clash = await uow.sources.get_rule_set_by_name(rules.name)
        if rules.name == "Default" or (clash is not None and clash.id != rules.id):
            raise Conflict("a rule set with this name exists", field="name")
        rules.updated_at = utcnow()
        await uow.sources.save_rule_set(rules)
        await record(uow, actor, "scanruleset.update", "ScanRuleSet", rules.id, vars(cmd))
        await uow.commit()
    return rules


async def delete_rule_set(
    uow: CatalogUnitOfWork, actor: Principal, rule_set_id: uuid.UUID
) -> ScanRuleSet:
    actor.require(Role.STEWARD)
    if rule_set_id == DEFAULT_RULE_SET_ID:
        raise Conflict("the default rule set is built in", field="id")
    async with uow:
        # Locked first, exclusively: a startScan(ruleSetId:) of this rule set either
        # commits its scan before the checks below run, or reads the rule set after it
        # is gone. (Its users lock it shared: they need not wait for one another.)
        await uow.sources.lock_rule_set(rule_set_id, exclusive=True)
        rules = await uow.sources.get_rule_set(rule_set_id)
        if rules is None:
            raise NotFound("ScanRuleSet", field="id")
        if await uow.sources.rule_set_in_use(rule_set_id):
            raise Conflict("data sources use this rule set", field="id")
        if await uow.sources.rule_set_has_active_scan(rule_set_id):
            # A queued scan loads its rules when it starts: deleting them would fail it.
            raise Conflict("a queued or running scan uses this rule set", field="id")
        await uow.sources.delete_rule_set(rule_set_id)
        await record(
            uow, actor, "scanruleset.delete", "ScanRuleSet", rule_set_id, {"name": rules.name}
        )
        await uow.commit()
    return rules
