"""Resolvers of the compliance area: frameworks, evaluations, reports, findings, rules."""

from __future__ import annotations

import uuid
from typing import Any, cast

from strawberry.types import Info

from racine.domain.access.model import Role
from racine.domain.compliance import custom, evaluation
from racine.domain.compliance import findings as finding_cases
from racine.domain.compliance.model import FindingFilter, FindingStatus
from racine.domain.compliance.rules import Severity
from racine.domain.errors import LimitExceeded, Unavailable
from racine.domain.incidents.ports import IncidentsUnitOfWork
from racine.domain.paging import PageRequest
from racine.schema import compliance as gql
from racine.schema.errors import run_mutation
from racine.schema.relay import Connection, connection_from_page, decode_id

__all__ = [
    "compliance_frameworks",
    "compliance_report",
    "create_compliance_rule",
    "evaluate_compliance",
    "findings",
    "resolve_evaluation",
    "resolve_finding",
    "resolve_rule",
    "set_finding_status",
    "update_compliance_rule",
]


def _uow(info: Info) -> IncidentsUnitOfWork:
    return cast(IncidentsUnitOfWork, info.context.uow())


async def compliance_frameworks(info: Info) -> list[gql.ComplianceFramework]:
    info.context.actor.require(Role.VIEWER)
    async with _uow(info) as uow:
        packs = await evaluation.available_packs(uow)
    return [gql.ComplianceFramework.from_domain(p) for p in packs]


async def compliance_report(info: Info, framework: str, history: int) -> gql.ComplianceReport:
    report = await finding_cases.compliance_report(
        _uow(info), info.context.actor, framework, history
    )
    return gql.ComplianceReport.build(
        report.framework, report.score, report.status_counts, report.history
    )


async def findings(
    info: Info,
    framework: str,
    status: list[gql.FindingStatus] | None,
    control_key: str | None,
    first: int,
    after: str | None,
) -> Connection[gql.ComplianceFinding]:
    info.context.actor.require(Role.VIEWER)
    request = PageRequest(first=first, after=after)
    f = FindingFilter(
        framework=framework, statuses=tuple(s.value for s in status or []), control_id=control_key
    )
    async with _uow(info) as uow:
        page = await uow.compliance.findings_page(f, request)
    return connection_from_page(page, gql.ComplianceFinding.from_domain)


async def resolve_finding(info: Info, raw_id: str) -> gql.ComplianceFinding | None:
    info.context.actor.require(Role.VIEWER)
    async with _uow(info) as uow:
        found = await uow.compliance.get_finding(uuid.UUID(raw_id))
    return None if found is None else gql.ComplianceFinding.from_domain(found)


async def resolve_evaluation(info: Info, raw_id: str) -> gql.ComplianceEvaluation | None:
    info.context.actor.require(Role.VIEWER)
    async with _uow(info) as uow:
        found = await uow.compliance.get_run(uuid.UUID(raw_id))
    return None if found is None else gql.ComplianceEvaluation.from_domain(found)


async def resolve_rule(info: Info, raw_id: str) -> gql.ComplianceRule | None:
    info.context.actor.require(Role.VIEWER)
    async with _uow(info) as uow:
        found = await uow.compliance.get_rule(uuid.UUID(raw_id))
    return None if found is None else gql.ComplianceRule.from_domain(found)


async def evaluate_compliance(
    info: Info, input: gql.EvaluateComplianceInput
) -> gql.EvaluateCompliancePayload:
    async def action() -> dict[str, Any]:
        raw = (input.scope.source_ids if input.scope else None) or []
        if len(raw) > 100:
            raise LimitExceeded("at most 100 sources", field="scope.sourceIds")
        sources = [decode_id(s, "DataSource", field="scope.sourceIds") for s in raw]
        queue = info.context.services.jobs
        if queue is None:
            raise Unavailable("background jobs are not available")
        run = await evaluation.request_evaluation(
            _uow(info),
            queue,
            info.context.actor,
            [input.framework] if input.framework else None,
            sources or None,
        )
        return {"evaluation": gql.ComplianceEvaluation.from_domain(run)}

    return await run_mutation(info, gql.EvaluateCompliancePayload, action)


async def set_finding_status(
    info: Info, input: gql.SetFindingStatusInput
) -> gql.SetFindingStatusPayload:
    async def action() -> dict[str, Any]:
        cmd = finding_cases.SetFindingStatus(
            decode_id(input.id, "ComplianceFinding"),
            FindingStatus(input.status.value),
            input.reason,
        )
        finding = await finding_cases.set_finding_status(_uow(info), info.context.actor, cmd)
        return {"finding": gql.ComplianceFinding.from_domain(finding)}

    return await run_mutation(info, gql.SetFindingStatusPayload, action)


async def create_compliance_rule(
    info: Info, input: gql.CreateComplianceRuleInput
) -> gql.CreateComplianceRulePayload:
    async def action() -> dict[str, Any]:
        cmd = custom.SaveRule(
            definition=gql.as_json(input.definition),
            key=input.key,
            title=input.title,
            severity=Severity(input.severity.value),
            requirement=input.requirement,
            description=input.description,
        )
        rule = await custom.create_rule(_uow(info), info.context.actor, cmd)
        return {"rule": gql.ComplianceRule.from_domain(rule)}

    return await run_mutation(info, gql.CreateComplianceRulePayload, action)


async def update_compliance_rule(
    info: Info, input: gql.UpdateComplianceRuleInput
) -> gql.UpdateComplianceRulePayload:
    async def action() -> dict[str, Any]:
        cmd = custom.SaveRule(
            definition=gql.as_json(input.definition),
            title=input.title,
            severity=None if input.severity is None else Severity(input.severity.value),
            requirement=input.requirement,
            description=input.description,
            rule_id=decode_id(input.id, "ComplianceRule"),
        )
        rule = await custom.update_rule(_uow(info), info.context.actor, cmd)
        return {"rule": gql.ComplianceRule.from_domain(rule)}

    return await run_mutation(info, gql.UpdateComplianceRulePayload, action)
