"""Data-quality area: assertions, their results, per-asset quality scores."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Self, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from racine.domain.quality import model
from racine.domain.quality.score import QualityScore as DomainScore
from racine.schema.compliance import Severity
from racine.schema.errors import UserError
from racine.schema.relay import Connection, encode_id

__all__ = [
    "AssertionKind",
    "CreateQualityAssertionInput",
    "CreateQualityAssertionPayload",
    "QualityAssertion",
    "QualityResult",
    "QualityScore",
    "ResultStatus",
    "RunQualityAssertionInput",
    "RunQualityAssertionPayload",
]

PAGE = "Page size, 0-100 (default 20)."
AFTER = "Cursor from `pageInfo.endCursor` of the previous page."


@strawberry.enum(
    description="What an assertion checks. NOT_NULL, UNIQUE, ACCEPTED_VALUES, "
    "RANGE, REGEX and FRESHNESS apply to a column; ROW_COUNT, SCHEMA and "
    "CUSTOM_SQL to a table or view."
)
class AssertionKind(Enum):
    NOT_NULL = "NOT_NULL"
    UNIQUE = "UNIQUE"
    ACCEPTED_VALUES = "ACCEPTED_VALUES"
    RANGE = "RANGE"
    REGEX = "REGEX"
    ROW_COUNT = "ROW_COUNT"
    FRESHNESS = "FRESHNESS"
    SCHEMA = "SCHEMA"
    CUSTOM_SQL = "CUSTOM_SQL"


@strawberry.enum(
    description="Outcome of one run. ERROR: could not be evaluated (source "
    "down, timeout, regex too slow) — says nothing about the data. SKIPPED: "
    "not run because a scan removed the asset from its source (recorded once; "
    "the assertion runs again once a scan finds the asset)."
)
class ResultStatus(Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    SKIPPED = "SKIPPED"


@strawberry.type(description="One run of an assertion.")
class QualityResult:
    id: strawberry.ID = strawberry.field(description="Result id.")
    status: ResultStatus = strawberry.field(description="PASS, FAIL, ERROR or SKIPPED.")
    observed: JSON = strawberry.field(
        description="Numbers seen: `violations`, `total`, `rowCount`, `newest` and "
        "`ageSeconds` (FRESHNESS), `sampled` (SQLite REGEX), `issues` (SCHEMA). Of a "
        "sensitive column (masked as its profile is) or CUSTOM_SQL reading one: "
        "`masked: true`, `newest` masked (`****`) without `ageSeconds`, and CUSTOM_SQL's "
        "count withheld (`withheld: true`, `sensitiveColumns`); counts stay."
    )
    message: str | None = strawberry.field(description="Why it failed, errored or was skipped.")
    statement: str | None = strawberry.field(description="The SQL sent to the source.")
    duration_ms: float = strawberry.field(description="Wall time in milliseconds.")
    run_at: datetime = strawberry.field(description="When (UTC).")

    @classmethod
    def from_domain(cls, r: model.AssertionResult) -> Self:
        return cls(
            id=strawberry.ID(str(r.id)),
            status=ResultStatus(r.status.value),
            observed=cast(JSON, r.observed),
            message=r.message,
            statement=r.statement,
            duration_ms=r.duration_ms,
            run_at=r.run_at,
        )


@strawberry.type(description="An expectation about a table or column's data.")
class QualityAssertion(relay.Node):
    id: relay.NodeID[str]
    asset_id: strawberry.ID = strawberry.field(description="Global id of the Asset.")
    kind: AssertionKind = strawberry.field(description="What it checks.")
    params: JSON = strawberry.field(description="Parameters of the kind (see docs).")
    severity: Severity = strawberry.field(description="Severity of its incidents.")
    description: str = strawberry.field(description="Free text.")
    schedule: str | None = strawberry.field(description="Cron expression, if scheduled.")
    next_run_at: datetime | None = strawberry.field(description="Next scheduled run (UTC).")
    enabled: bool = strawberry.field(description="Runs on schedule and after scans.")
    last_status: ResultStatus | None = strawberry.field(description="Latest outcome.")
    last_run_at: datetime | None = strawberry.field(description="Latest run (UTC).")

    @strawberry.field(description="Results, newest first; ≤ 100 per page.")
    async def results(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[QualityResult]:
        from racine.resolvers.quality import results

        return await results(info, self.id, first, after)

    @classmethod
    def from_domain(cls, a: model.Assertion) -> Self:
        return cls(
            id=str(a.id),
            asset_id=encode_id("Asset", a.asset_id),
            kind=AssertionKind(a.kind.value),
            params=cast(JSON, a.params),
            severity=Severity(a.severity),
            description=a.description,
            schedule=a.schedule,
            next_run_at=a.next_run_at,
            enabled=a.enabled,
            last_status=None if a.last_status is None else ResultStatus(a.last_status.value),
            last_run_at=a.last_run_at,
        )


@strawberry.type(description="Score of one quality dimension.")
class QualityDimension:
    dimension: str = strawberry.field(
        description="completeness, uniqueness, validity or freshness."
    )
    score: float | None = strawberry.field(
        description="100 * passing / evaluated assertions (null: none evaluated)."
    )
    passed: int = strawberry.field(description="Assertions whose latest run passed.")
    evaluated: int = strawberry.field(description="Assertions with a PASS or FAIL result.")


@strawberry.type(description="Quality score of an asset (a table includes its columns).")
class QualityScore:
    asset_id: strawberry.ID = strawberry.field(description="Global id of the Asset.")
    score: float | None = strawberry.field(
        description="Mean of the dimensions that have results (null: none)."
    )
    dimensions: list[QualityDimension] = strawberry.field(description="Per dimension.")

    @classmethod
    def from_domain(cls, s: DomainScore) -> Self:
        return cls(
            asset_id=encode_id("Asset", s.asset_id),
            score=s.score,
            dimensions=[
                QualityDimension(
                    dimension=d.dimension, score=d.score, passed=d.passed, evaluated=d.evaluated
                )
                for d in s.dimensions
            ],
        )


@strawberry.input(description="Define an assertion. EDITOR+.")
class CreateQualityAssertionInput:
    asset_id: strawberry.ID = strawberry.field(description="Asset (column or table/view).")
    kind: AssertionKind = strawberry.field(description="What to check.")
    params: JSON | None = strawberry.field(
        default=None,
        description="Kind parameters, e.g. `{values: [...]}`, `{min, max}`, "
        "`{pattern}`, `{max_age_seconds}`, `{columns: [{name, type}]}`, `{sql}` (one read-only "
        "SELECT returning a violation count); `max_violations` (default 0).",
    )
    severity: Severity = strawberry.field(
        default=Severity.HIGH, description="Severity of its incidents."
    )
    description: str = strawberry.field(default="", description="Free text (≤ 2000).")
    schedule: str | None = strawberry.field(
        default=None,
        description="Cron schedule to run it on (five fields or a macro such as `@daily`, "
        "UTC); null: on demand and after scans only.",
    )


@strawberry.type(description="Result of `createQualityAssertion`.")
class CreateQualityAssertionPayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    assertion: QualityAssertion | None = strawberry.field(
        default=None, description="The assertion."
    )


@strawberry.input(description="Run an assertion now. EDITOR+.")
class RunQualityAssertionInput:
    id: strawberry.ID = strawberry.field(description="QualityAssertion id.")


@strawberry.type(description="Result of `runQualityAssertion`.")
class RunQualityAssertionPayload:
    errors: list[UserError] = strawberry.field(description="Expected failures.")
    result: QualityResult | None = strawberry.field(default=None, description="The run.")
    assertion: QualityAssertion | None = strawberry.field(
        default=None, description="The assertion, with its new status."
    )
