"""Data-quality assertions on tables and columns, their parameters and results.

Parameters are validated per kind with ``extra="forbid"`` models, so a typo in
an assertion is an error when it is created, not a silent no-op at 3 a.m.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "COLUMN_KINDS",
    "DIMENSIONS",
    "PARAMS",
    "AcceptedValues",
    "Assertion",
    "AssertionKind",
    "AssertionResult",
    "CustomSql",
    "Freshness",
    "NoParams",
    "RangeParams",
    "RegexParams",
    "ResultStatus",
    "RowCount",
    "SchemaParams",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class AssertionKind(StrEnum):
    NOT_NULL = "NOT_NULL"
    UNIQUE = "UNIQUE"
    ACCEPTED_VALUES = "ACCEPTED_VALUES"
    RANGE = "RANGE"
    REGEX = "REGEX"
    ROW_COUNT = "ROW_COUNT"
    FRESHNESS = "FRESHNESS"
    SCHEMA = "SCHEMA"
    CUSTOM_SQL = "CUSTOM_SQL"


COLUMN_KINDS = frozenset(
    {
        AssertionKind.NOT_NULL,
        AssertionKind.UNIQUE,
        AssertionKind.ACCEPTED_VALUES,
        AssertionKind.RANGE,
        AssertionKind.REGEX,
        AssertionKind.FRESHNESS,
    }
)
"""Kinds that need a column; the others apply to a table (or view)."""

DIMENSIONS: dict[AssertionKind, str] = {
    AssertionKind.NOT_NULL: "completeness",
    AssertionKind.ROW_COUNT: "completeness",
    AssertionKind.UNIQUE: "uniqueness",
    AssertionKind.ACCEPTED_VALUES: "validity",
    AssertionKind.RANGE: "validity",
    AssertionKind.REGEX: "validity",
    AssertionKind.SCHEMA: "validity",
    AssertionKind.CUSTOM_SQL: "validity",
    AssertionKind.FRESHNESS: "freshness",
}


class ResultStatus(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"  # could not be evaluated (source down, timeout, regex too slow)
    SKIPPED = "SKIPPED"  # not run: a scan removed the asset from the catalog


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(_Params):
    max_violations: int = Field(default=0, ge=0)


class AcceptedValues(_Params):
    values: tuple[str | int | float | bool, ...] = Field(min_length=1, max_length=1000)
    max_violations: int = Field(default=0, ge=0)


class RangeParams(_Params):
    min: float | None = None
    max: float | None = None
    max_violations: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _bounds(self) -> RangeParams:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class RegexParams(_Params):
    pattern: str = Field(min_length=1, max_length=500)
    sample_size: int = Field(default=10_000, ge=1, le=10_000)  # SQLite: rows checked
    max_violations: int = Field(default=0, ge=0)


class RowCount(_Params):
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _bounds(self) -> RowCount:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class Freshness(_Params):
    max_age_seconds: int = Field(gt=0, le=10 * 365 * 86400)


class ExpectedColumn(_Params):
    name: str = Field(min_length=1, max_length=512)
    type: str | None = Field(default=None, max_length=200)


class SchemaParams(_Params):
    """Empty ``columns`` at creation: the table's current catalog columns are taken."""

    columns: tuple[ExpectedColumn, ...] = Field(default=(), max_length=2000)
    allow_extra: bool = True


class CustomSql(_Params):
    """One read-only SELECT whose first column of the first row counts violations."""

    sql: str = Field(min_length=1, max_length=10_000)
    max_violations: int = Field(default=0, ge=0)


PARAMS: dict[AssertionKind, type[_Params]] = {
    AssertionKind.NOT_NULL: NoParams,
    AssertionKind.UNIQUE: NoParams,
    AssertionKind.ACCEPTED_VALUES: AcceptedValues,
    AssertionKind.RANGE: RangeParams,
    AssertionKind.REGEX: RegexParams,
    AssertionKind.ROW_COUNT: RowCount,
    AssertionKind.FRESHNESS: Freshness,
    AssertionKind.SCHEMA: SchemaParams,
    AssertionKind.CUSTOM_SQL: CustomSql,
}


@dataclass
class Assertion:
    """An expectation about one table or column. ``table_id`` is the asset itself
    for table kinds, the column's table otherwise."""

    asset_id: uuid.UUID
    table_id: uuid.UUID
    source_id: uuid.UUID | None
    kind: AssertionKind
    params: dict[str, Any]
    severity: str = "HIGH"
    description: str = ""
    schedule: str | None = None
    next_run_at: datetime | None = None
    enabled: bool = True
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    last_status: ResultStatus | None = None
    last_run_at: datetime | None = None
    created_by: uuid.UUID | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)

    @property
    def dimension(self) -> str:
        return DIMENSIONS[self.kind]


@dataclass
class AssertionResult:
    """One run. ``observed`` holds numbers (``violations``, ``total``, ``rowCount``,
    ``ageSeconds``…); ``statement`` is the SQL sent to the source, if any."""

    assertion_id: uuid.UUID
    asset_id: uuid.UUID
    status: ResultStatus
    observed: dict[str, Any] = field(default_factory=dict)
    message: str | None = None
    statement: str | None = None
    duration_ms: float = 0.0
    run_at: datetime = field(default_factory=utcnow)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
