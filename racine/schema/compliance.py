"""Compliance area: frameworks, controls, checks, findings, evaluations, reports,
custom rules."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Self, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from racine.domain.compliance import model, rules
from racine.domain.compliance.scoring import FrameworkScore, ScorePart
from racine.schema.catalog import Asset
from racine.schema.errors import UserError
from racine.schema.relay import Connection, encode_id

__all__ = [
    "ComplianceCheck",
    "ComplianceControl",
    "ComplianceEvaluation",
    "ComplianceFinding",
    "ComplianceFramework",
    "ComplianceReport",
    "ComplianceRule",
    "ComplianceScore",
    "CreateComplianceRuleInput",
    "CreateComplianceRulePayload",
    "EvaluateComplianceInput",
    "EvaluateCompliancePayload",
    "EvaluationState",
    "FindingStatus",
    "SetFindingStatusInput",
    "SetFindingStatusPayload",
    "Severity",
    "UpdateComplianceRuleInput",
    "UpdateComplianceRulePayload",
]

PAGE = "Page size, 0-100 (default 20)."
AFTER = "Cursor from `pageInfo.endCursor` of the previous page."


@strawberry.enum(description="How bad a violation is. CRITICAL findings open incidents.")
class Severity(Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


@strawberry.enum(description="Where an evaluation stands.")
class EvaluationState(Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@strawberry.enum(description="Where a finding stands. Only OPEN findings lower scores.")
class FindingStatus(Enum):
    OPEN = "OPEN"
    ACCEPTED_RISK = "ACCEPTED_RISK"
    RESOLVED = "RESOLVED"
    FALSE_POSITIVE = "FALSE_POSITIVE"


@strawberry.type(
    description="One executable check: a scope over assets plus conditions that "
    "must all hold for each asset in scope."
)
class ComplianceCheck:
    key: str = strawberry.field(description="Check id, unique within its control.")
    description: str = strawberry.field(description="What the check verifies.")
    definition: JSON = strawberry.field(
        description="The declarative definition: `{scope, conditions}` (see docs/compliance.md)."
    )

    @classmethod
    def from_domain(cls, check: rules.Check) -> Self:
        data = check.model_dump(mode="json", exclude={"id", "description"})
        return cls(key=check.id, description=check.description, definition=cast(JSON, data))


@strawberry.type(description="A requirement of a framework, implemented by checks.")
class ComplianceControl:
    key: str = strawberry.field(description="Control id within its framework, e.g. `3.4`.")
    title: str = strawberry.field(description="Short title.")
    requirement: str = strawberry.field(description="The article or clause it implements.")
    severity: Severity = strawberry.field(description="Severity of its findings.")
    description: str = strawberry.field(description="What compliance means here.")
    checks: list[ComplianceCheck] = strawberry.field(description="Its checks (≤ 50).")

    @classmethod
    def from_domain(cls, control: rules.Control) -> Self:
        return cls(
            key=control.id,
            title=control.title,
            requirement=control.requirement,
            severity=Severity(control.severity.value),
            description=control.description,
            checks=[ComplianceCheck.from_domain(c) for c in control.checks],
        )


@strawberry.type(
    description="A versioned rule pack (GDPR, CCPA, HIPAA, PCI_DSS, SOC2) or the "
    "CUSTOM pack of rules created through the API."
)
class ComplianceFramework:
    key: str = strawberry.field(description="Framework key, e.g. `PCI_DSS`.")
    name: str = strawberry.field(description="Display name.")
    version: str = strawberry.field(description="Pack version.")
    description: str = strawberry.field(description="What the pack covers.")
    controls: list[ComplianceControl] = strawberry.field(description="Its controls (≤ 200).")

    @classmethod
    def from_domain(cls, pack: rules.RulePack) -> Self:
        return cls(
            key=pack.framework,
            name=pack.name,
            version=pack.version,
            description=pack.description,
            controls=[ComplianceControl.from_domain(c) for c in pack.controls],
        )


@strawberry.type(description="A violation of one check by one asset, kept across evaluations.")
class ComplianceFinding(relay.Node):
    id: relay.NodeID[str]
    framework: str = strawberry.field(description="Framework key.")
    control_key: str = strawberry.field(description="Control id.")
    check_key: str = strawberry.field(description="Check id.")
    asset_id: strawberry.ID = strawberry.field(description="Global id of the Asset.")
    asset_name: str = strawberry.field(description="Qualified name of the asset when seen.")
    source_id: strawberry.ID | None = strawberry.field(description="Global id of its DataSource.")
    severity: Severity = strawberry.field(description="Severity of the control.")
    evidence: JSON = strawberry.field(
        description="Why it failed: the failed conditions, the asset's labels, sensitivity "
        "and tags at the time of the last evaluation."
    )
    status: FindingStatus = strawberry.field(description="Current status.")
    status_reason: str | None = strawberry.field(description="Reason given with the status.")
    status_actor_id: strawberry.ID | None = strawberry.field(
        description="Global id of the User who set the status (null: the system)."
    )
    status_changed_at: datetime | None = strawberry.field(description="When (UTC).")
    first_seen: datetime = strawberry.field(description="First evaluation that found it (UTC).")
    last_seen: datetime = strawberry.field(description="Latest evaluation that found it (UTC).")

    @strawberry.field(description="The asset (null if it was removed).")
    async def asset(self, info: Info) -> Asset | None:
        from racine.resolvers.catalog import resolve_asset

        return await resolve_asset(info, str(self._asset))

    _asset: strawberry.Private[uuid.UUID]

    @classmethod
    def from_domain(cls, f: model.Finding) -> Self:
        return cls(
            id=str(f.id),
            framework=f.framework,
            control_key=f.control_id,
            check_key=f.check_id,
            asset_id=encode_id("Asset", f.asset_id),
            asset_name=f.asset_name,
            source_id=None if f.source_id is None else encode_id("DataSource", f.source_id),
            severity=Severity(f.severity.value),
            evidence=cast(JSON, f.evidence),
            status=FindingStatus(f.status.value),
            status_reason=f.status_reason,
            status_actor_id=None
            if f.status_actor_id is None
            else encode_id("User", f.status_actor_id),
            status_changed_at=f.status_changed_at,
            first_seen=f.first_seen,
            last_seen=f.last_seen,
            _asset=f.asset_id,
        )


@strawberry.type(description="One evaluation run (a background job with the same id).")
class ComplianceEvaluation(relay.Node):
    id: relay.NodeID[str]
    frameworks: list[str] = strawberry.field(description="Frameworks evaluated.")
    source_ids: list[strawberry.ID] | None = strawberry.field(
        description="DataSources in scope (null: all)."
    )
    state: EvaluationState = strawberry.field(description="Where it stands.")
    created_at: datetime = strawberry.field(description="Requested at (UTC).")
    finished_at: datetime | None = strawberry.field(description="Finished at (UTC).")
    scores: JSON = strawberry.field(
        description="Per framework: score, evaluated, failing, controls and sources when it "
        "finished (history)."
    )
    counts: JSON = strawberry.field(
        description="new, resolved, reopened, evaluated and violations counts."
    )
    error: str | None = strawberry.field(description="Why it failed, if it did.")

    @classmethod
    def from_domain(cls, run: model.EvaluationRun) -> Self:
        return cls(
            id=str(run.id),
            frameworks=run.frameworks,
            source_ids=None
            if run.source_ids is None
            else [encode_id("DataSource", s) for s in run.source_ids],
            state=EvaluationState(run.state),
            created_at=run.created_at,
            finished_at=run.finished_at,
            scores=cast(JSON, run.scores),
            counts=cast(JSON, run.counts),
            error=run.error,
        )


@strawberry.type(
    description="A score: 100 * (evaluated - failing) / evaluated (100 when "
    "nothing was evaluated). Failing = OPEN findings."
)
class ComplianceScore:
    key: str = strawberry.field(
        description="Control id, or DataSource global id ('' for assets outside sources)."
    )
    score: float = strawberry.field(description="0-100.")
    evaluated: int = strawberry.field(description="(check, asset) pairs evaluated.")
    failing: int = strawberry.field(description="OPEN findings among them.")

    @classmethod
    def from_domain(cls, part: ScorePart, source: bool = False) -> Self:
        key = encode_id("DataSource", part.key) if source and part.key else part.key
        return cls(key=str(key), score=part.score, evaluated=part.evaluated, failing=part.failing)


@strawberry.type(description="How many findings have a status.")
class FindingStatusCount:
    status: FindingStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="Findings with it.")


@strawberry.type(description="A framework's current compliance: scores, findings, history.")
class ComplianceReport:
    framework: str = strawberry.field(description="Framework key.")
    score: float = strawberry.field(description="Overall score, 0-100.")
    evaluated: int = strawberry.field(description="(check, asset) pairs evaluated.")
    failing: int = strawberry.field(description="OPEN findings.")
    controls: list[ComplianceScore] = strawberry.field(description="Score per control.")
    sources: list[ComplianceScore] = strawberry.field(description="Score per data source.")
    status_counts: list[FindingStatusCount] = strawberry.field(description="Findings per status.")
    history: list[ComplianceEvaluation] = strawberry.field(
        description="Latest evaluations that included the framework, newest first, with "
        "their scores at the time."
    )

    @strawberry.field(description="Its findings by asset name; ≤ 100 per page.")
    async def findings(
        self,
        info: Info,
        status: Annotated[
            list[FindingStatus] | None,
            strawberry.argument(description="Only these statuses (default all)."),
        ] = None,
        control_key: Annotated[
            str | None, strawberry.argument(description="Only this control.")
        ] = None,
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[ComplianceFinding]:
        from racine.resolvers.compliance import findings

        return await findings(info, self.framework, status, control_key, first, after)

    @classmethod
    def build(
        cls,
        framework: str,
        score: FrameworkScore,
        counts: dict[str, int],
        history: list[model.EvaluationRun],
    ) -> Self:
        return cls(
            framework=framework,
            score=score.total.score,
            evaluated=score.total.evaluated,
            failing=score.total.failing,
            controls=[ComplianceScore.from_domain(p) for p in score.controls.values()],
            sources=[ComplianceScore.from_domain(p, True) for p in score.sources.values()],
            status_counts=[
                FindingStatusCount(status=FindingStatus(s), count=n)
                for s, n in sorted(counts.items())
            ],
            history=[ComplianceEvaluation.from_domain(r) for r in history],
        )


@strawberry.type(description="A custom rule; updating it writes a new version.")
class ComplianceRule(relay.Node):
    id: relay.NodeID[str]
    key: str = strawberry.field(description="Unique key; its control id in the CUSTOM pack.")
    title: str = strawberry.field(description="Title.")
    severity: Severity = strawberry.field(description="Severity of its findings.")
    requirement: str = strawberry.field(description="What it implements.")
    description: str = strawberry.field(description="Explanation.")
    version: int = strawberry.field(description="Version number, from 1.")
    definition: JSON = strawberry.field(description="`{scope, conditions}`.")
    created_at: datetime = strawberry.field(description="When this version was written.")

    @classmethod
    def from_domain(cls, r: model.CustomRule) -> Self:
        return cls(
            id=str(r.rule_id),
            key=r.key,
            title=r.title,
            severity=Severity(r.severity.value),
            requirement=r.requirement,
            description=r.description,
            version=r.version,
            definition=cast(JSON, r.check.model_dump(mode="json", exclude={"id", "description"})),
            created_at=r.created_at,
        )


@strawberry.input(description="Which assets to evaluate.")
class ComplianceScopeInput:
    source_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="DataSource ids (≤ 100); null: every source."
    )


@strawberry.input(description="Evaluate one framework (or all) in the background. EDITOR+.")
class EvaluateComplianceInput:
    framework: str | None = strawberry.field(
        default=None,
        description="Framework key (GDPR, CCPA, HIPAA, PCI_DSS, SOC2, CUSTOM); null: all.",
    )
    scope: ComplianceScopeInput | None = strawberry.field(
        default=None, description="Assets to evaluate (default all)."
    )


@strawberry.type(description="Result of `evaluateCompliance`.")
class EvaluateCompliancePayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    evaluation: ComplianceEvaluation | None = strawberry.field(
        default=None, description="The queued evaluation; follow it with `node(id:)`."
    )


@strawberry.input(description="Set a finding's status with a reason. STEWARD+.")
class SetFindingStatusInput:
    id: strawberry.ID = strawberry.field(description="ComplianceFinding id.")
    status: FindingStatus = strawberry.field(description="New status.")
    reason: str = strawberry.field(description="Why (1-2000 characters; audited).")


@strawberry.type(description="Result of `setFindingStatus`.")
class SetFindingStatusPayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    finding: ComplianceFinding | None = strawberry.field(default=None, description="The finding.")


@strawberry.input(
    description="Create a declarative rule. STEWARD+. No code runs: the "
    "definition is a scope and conditions (see docs/compliance.md)."
)
class CreateComplianceRuleInput:
    key: str = strawberry.field(description="Unique key: 1-64 of a-z, 0-9, `_`, `-`.")
    title: str = strawberry.field(description="1-200 characters.")
    definition: JSON = strawberry.field(
        description="`{scope, conditions}`; unknown fields or classification types are errors."
    )
    severity: Severity = strawberry.field(default=Severity.MEDIUM, description="Severity.")
    requirement: str | None = strawberry.field(default=None, description="What it implements.")
    description: str | None = strawberry.field(default=None, description="Explanation.")


@strawberry.input(description="Write a new version of a rule. STEWARD+.")
class UpdateComplianceRuleInput:
    id: strawberry.ID = strawberry.field(description="ComplianceRule id.")
    definition: JSON = strawberry.field(description="The new `{scope, conditions}`.")
    title: str | None = strawberry.field(default=None, description="New title.")
    severity: Severity | None = strawberry.field(default=None, description="New severity.")
    requirement: str | None = strawberry.field(default=None, description="New requirement.")
    description: str | None = strawberry.field(default=None, description="New description.")


@strawberry.type(description="Result of `createComplianceRule`.")
class CreateComplianceRulePayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    rule: ComplianceRule | None = strawberry.field(default=None, description="The rule.")


@strawberry.type(description="Result of `updateComplianceRule`.")
class UpdateComplianceRulePayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    rule: ComplianceRule | None = strawberry.field(default=None, description="The new version.")


def as_json(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}
