"""Custom rules: declarative checks created and versioned through the API.

A rule is validated like a shipped pack (unknown fields, unknown operators,
unknown classification types are typed errors) and never runs code: it is a
scope plus conditions interpreted by :mod:`racine.domain.compliance.evaluate`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.classification.types import BUILTIN_TYPES
from racine.domain.compliance.model import CustomRule
from racine.domain.compliance.packs import describe_errors
from racine.domain.compliance.rules import Check, Severity, referenced_types
from racine.domain.errors import Conflict, NotFound, ValidationFailed
from racine.domain.incidents.ports import IncidentsUnitOfWork

__all__ = ["SaveRule", "create_rule", "parse_check", "update_rule"]

_KEY = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")


@dataclass(frozen=True)
class SaveRule:
    """``definition`` is ``{"scope": {...}, "conditions": [...]}`` (the check DSL)."""

    definition: dict[str, Any]
    key: str | None = None
    title: str | None = None
    severity: Severity | None = None
    requirement: str | None = None
    description: str | None = None
    rule_id: uuid.UUID | None = None


def parse_check(definition: dict[str, Any], known_types: Collection[str] | None = None) -> Check:
    """Validate a rule definition; every problem is a ValidationFailed naming the path."""
    if not isinstance(definition, dict):
        raise ValidationFailed("definition must be an object", field="definition")
    data = {"id": "rule", "description": "custom rule", **definition}
    try:
        check = Check.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(
            f"invalid rule: {describe_errors(exc)}", field="definition"
        ) from None
    known = set(BUILTIN_TYPES) if known_types is None else set(known_types)
    missing = referenced_types(check.conditions, check.scope) - known
    if missing:
        raise ValidationFailed(
            f"unknown classification type(s): {', '.join(sorted(missing))}", field="definition"
        )
    return check


async def create_rule(uow: IncidentsUnitOfWork, actor: Principal, cmd: SaveRule) -> CustomRule:
    """STEWARD or above. ``key`` is unique (lowercase, digits, ``_``/``-``)."""
    actor.require(Role.STEWARD)
    key = (cmd.key or "").strip()
    if not _KEY.match(key):
        raise ValidationFailed("key must be 1-64 of a-z, 0-9, _ and -", field="key")
    title = (cmd.title or "").strip()
    if not 1 <= len(title) <= 200:
        raise ValidationFailed("title must be 1-200 characters", field="title")
    check = parse_check(cmd.definition)
    rule = CustomRule(
        key=key,
        title=title,
        severity=cmd.severity or Severity.MEDIUM,
        check=check,
        requirement=(cmd.requirement or "custom")[:200],
        description=cmd.description or "",
        created_by=actor.user_id,
    )
    async with uow:
        if await uow.compliance.rule_by_key(key) is not None:
            raise Conflict("a rule with this key exists", field="key")
        await uow.compliance.add_rule(rule)
        await record(
            uow,
            actor,
            "compliance.rule.create",
            "ComplianceRule",
            rule.rule_id,
            {"key": key, "version": 1, "definition": cmd.definition},
        )
        await uow.commit()
    return rule


async def update_rule(uow: IncidentsUnitOfWork, actor: Principal, cmd: SaveRule) -> CustomRule:
    """STEWARD or above: writes version N+1 (earlier versions stay readable)."""
    actor.require(Role.STEWARD)
    if cmd.rule_id is None:
        raise ValidationFailed("id is required", field="id")
    check = parse_check(cmd.definition)
    async with uow:
        current: CustomRule | None = await uow.compliance.get_rule(cmd.rule_id)
        if current is None:
            raise NotFound("ComplianceRule", cmd.rule_id, field="id")
        title = (cmd.title or current.title).strip()
        if not 1 <= len(title) <= 200:
            raise ValidationFailed("title must be 1-200 characters", field="title")
        rule = CustomRule(
            key=current.key,
            title=title,
            severity=cmd.severity or current.severity,
            check=check,
            requirement=(cmd.requirement or current.requirement)[:200],
            description=current.description if cmd.description is None else cmd.description,
            rule_id=current.rule_id,
            version=current.version + 1,
            created_by=actor.user_id,
        )
        await uow.compliance.add_rule(rule)
        await record(
            uow,
            actor,
            "compliance.rule.update",
            "ComplianceRule",
            rule.rule_id,
            {"version": [current.version, rule.version], "definition": cmd.definition},
        )
        await uow.commit()
    return rule
