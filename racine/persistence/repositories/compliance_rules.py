"""Versioned custom compliance rules. Mixed into
:class:`~racine.persistence.repositories.compliance.ComplianceRepository`.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from sqlalchemy import and_, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.compliance.model import CustomRule
from racine.domain.compliance.rules import Check, Severity
from racine.persistence.tables.compliance import ComplianceRuleRow
from racine.persistence.unique_keys import UniqueKey, conflicts_on

__all__ = ["RulesMixin"]

# Two updates of one rule at once both read version N and write N+1 (a create's new
# rule id cannot collide): the second is told to reload, not a masked internal error.
_VERSION = UniqueKey.of(
    ComplianceRuleRow.__table__,
    "rule_id",
    "version",
    field="id",
    message="the rule was changed at the same time: reload it and try again",
)
# Two creates of one new key at once both pass the use case's check; the second's
# version 1 hits this key. An update's version N+1 can hit it too, only beside the
# rule's own version N+1: the same race as ``_VERSION``'s, told the same way.
_KEY = UniqueKey.of(
    ComplianceRuleRow.__table__,
    "key",
    "version",
    field="key",
    message="a rule with this key exists",
)
_UPDATE_KEYS = (_VERSION, replace(_KEY, field=_VERSION.field, message=_VERSION.message))


def _rule(r: ComplianceRuleRow) -> CustomRule:
    return CustomRule(
        key=r.key,
        title=r.title,
        severity=Severity(r.severity),
        check=Check.model_validate(r.definition),
        requirement=r.requirement,
        description=r.description,
        rule_id=r.rule_id,
        version=r.version,
        created_by=r.created_by,
        created_at=r.created_at,
    )


class RulesMixin:
    session: AsyncSession

    # -- custom rules -----------------------------------------------------------------

    async def add_rule(self, rule: CustomRule) -> None:
        """A version written since the caller read the rule is ``Conflict`` on ``id``;
        a new rule (version 1) whose key another rule has is ``Conflict`` on ``key``."""
        with conflicts_on(*((_KEY,) if rule.version == 1 else _UPDATE_KEYS)):
            await self.session.execute(
                insert(ComplianceRuleRow),
                [
                    {
                        "rule_id": rule.rule_id,
                        "version": rule.version,
                        "key": rule.key,
                        "title": rule.title,
                        "severity": rule.severity.value,
                        "requirement": rule.requirement,
                        "description": rule.description,
                        "definition": rule.check.model_dump(mode="json"),
                        "created_by": rule.created_by,
                        "created_at": rule.created_at,
                    }
                ],
            )

    async def get_rule(self, rule_id: uuid.UUID, version: int | None = None) -> CustomRule | None:
        r = ComplianceRuleRow
        query = select(r).where(r.rule_id == rule_id)
        query = (
            query.where(r.version == version)
            if version is not None
            else query.order_by(r.version.desc())
        )
        row = (await self.session.scalars(query.limit(1))).first()
        return None if row is None else _rule(row)

    async def rule_by_key(self, key: str) -> CustomRule | None:
        r = ComplianceRuleRow
        row = (
            await self.session.scalars(
                select(r).where(r.key == key).order_by(r.version.desc()).limit(1)
            )
        ).first()
        return None if row is None else _rule(row)

    async def rule_versions(self, rule_id: uuid.UUID) -> list[CustomRule]:
        r = ComplianceRuleRow
        rows = await self.session.scalars(
            select(r).where(r.rule_id == rule_id).order_by(r.version.desc()).limit(100)
        )
        return [_rule(x) for x in rows]

    async def latest_rules(self) -> list[CustomRule]:
        r = ComplianceRuleRow
        latest = select(r.rule_id, func.max(r.version).label("v")).group_by(r.rule_id).subquery()
        rows = await self.session.scalars(
            select(r)
            .join(latest, and_(r.rule_id == latest.c.rule_id, r.version == latest.c.v))
            .order_by(r.key)
        )
        return [_rule(x) for x in rows]
