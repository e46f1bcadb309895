"""Steward decisions on findings, and the report that reads them back."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.compliance.evaluation import available_packs
from racine.domain.compliance.model import EvaluationRun, Finding, FindingStatus, utcnow
from racine.domain.compliance.scoring import FrameworkScore, score_frameworks
from racine.domain.errors import NotFound, ValidationFailed
from racine.domain.incidents.model import CauseKind
from racine.domain.incidents.ports import IncidentsUnitOfWork
from racine.domain.incidents.use_cases import resolve_incidents

__all__ = ["Report", "SetFindingStatus", "compliance_report", "set_finding_status"]

_REASON_MAX = 2000


@dataclass(frozen=True)
class SetFindingStatus:
    finding_id: uuid.UUID
    status: FindingStatus
    reason: str


async def set_finding_status(
    uow: IncidentsUnitOfWork, actor: Principal, cmd: SetFindingStatus
) -> Finding:
    """STEWARD or above; a reason is required. Accepting the risk, marking a false
    positive or resolving fixes the finding's incident; reopening keeps it."""
    actor.require(Role.STEWARD)
    reason = cmd.reason.strip()
    if not reason or len(reason) > _REASON_MAX:
        raise ValidationFailed(
            f"a reason of 1-{_REASON_MAX} characters is required", field="reason"
        )
    async with uow:
        finding: Finding | None = await uow.compliance.get_finding(cmd.finding_id)
        if finding is None:
            raise NotFound("ComplianceFinding", cmd.finding_id, field="id")
        before = finding.status
        finding.status, finding.status_reason = cmd.status, reason
        finding.status_actor_id, finding.status_changed_at = actor.user_id, utcnow()
        await uow.compliance.save_findings([], [finding])
        if cmd.status is not FindingStatus.OPEN:
            await resolve_incidents(
                uow, CauseKind.FINDING, [finding.id], f"finding marked {cmd.status.value}: {reason}"
            )
        await record(
            uow,
            actor,
            "compliance.finding.status",
            "ComplianceFinding",
            finding.id,
            {"status": [before.value, cmd.status.value], "reason": reason},
        )
        await uow.commit()
    return finding


@dataclass
class Report:
    framework: str
    score: FrameworkScore
    history: list[EvaluationRun] = field(default_factory=list)
    status_counts: dict[str, int] = field(default_factory=dict)


async def compliance_report(
    uow: IncidentsUnitOfWork, actor: Principal, framework: str, history: int = 20
) -> Report:
    """VIEWER or above: the current score (with per-control and per-source parts),
    counts per finding status and the last ``history`` evaluations (≤ 100)."""
    actor.require(Role.VIEWER)
    if not 0 <= history <= 100:
        raise ValidationFailed("history must be 0-100", field="history")
    key = framework.upper()
    async with uow:
        if key not in {p.framework for p in await available_packs(uow)}:
            raise NotFound("ComplianceFramework", framework, field="framework")
        tallies = await uow.compliance.tallies([key])
        failing: Counter[tuple[str, str, uuid.UUID | None]] = await uow.compliance.failing_counts(
            [key]
        )
        runs = await uow.compliance.recent_runs(key, history)
        counts = await uow.compliance.status_counts(key)
    score = score_frameworks([key], tallies, failing)[key]
    return Report(framework=key, score=score, history=runs, status_counts=counts)
