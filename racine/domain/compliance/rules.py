"""The declarative check language: scopes and conditions over catalog facts.

A check is data, never code: a :class:`Scope` chooses assets, and every
:class:`Condition` must hold for each of them; an asset for which one fails is
a finding. Rule packs (shipped JSON) and custom rules (created through the API)
use the same models, validated with ``extra="forbid"`` so that a misspelt field
is an error instead of a silently ignored rule.

Conditions (``op``):

* ``has_classification`` — a live label of one of ``types`` / ``categories``
  (none given: any label). Tables count their columns' labels.
* ``sensitivity_at_least`` — effective sensitivity ≥ ``level``.
* ``has_tag`` — one of ``any_of`` (``inherit``: an ancestor's tag counts).
* ``has_owner`` — an owner (``inherit``: an ancestor's owner counts).
* ``property_present`` / ``property_equals`` / ``property_in`` (the value, or
  every element of a list value, is one of ``values``) / ``property_age_at_most``
  (an ISO date or datetime no older than ``days``). ``inherit`` looks at the
  nearest ancestor that sets the key.
* ``downstream_all`` — every asset reachable through lineage (up to
  ``max_depth`` hops) satisfies ``condition``: "reaches an asset that lacks X".
* ``all_of`` / ``any_of`` / ``not`` — combinators.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AllOf",
    "AnyOf",
    "Check",
    "Condition",
    "Control",
    "DownstreamAll",
    "HasClassification",
    "HasOwner",
    "HasTag",
    "Not",
    "PropertyAgeAtMost",
    "PropertyEquals",
    "PropertyIn",
    "PropertyPresent",
    "RulePack",
    "Scope",
    "SensitivityAtLeast",
    "Severity",
    "referenced_types",
]

_KEY = r"^[A-Za-z0-9][A-Za-z0-9_.()\-]{0,63}$"


class Severity(StrEnum):
    """How bad a violation is; CRITICAL findings open incidents."""

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return ["LOW", "MEDIUM", "HIGH", "CRITICAL"].index(self.value)


SensitivityName = Literal["PUBLIC", "INTERNAL", "CONFIDENTIAL", "RESTRICTED"]
KindName = Literal["DATA_SOURCE", "DATABASE", "SCHEMA", "TABLE", "VIEW", "COLUMN"]
CategoryName = Literal["PERSONAL", "FINANCIAL", "HEALTH", "CREDENTIALS", "TECHNICAL"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scope(_Strict):
    """Which assets a check looks at. Every given criterion must hold; within one
    list any value matches. Classification criteria see a table's column labels."""

    kinds: tuple[KindName, ...] = ()
    sources: tuple[str, ...] = ()  # data source names
    tags: tuple[str, ...] = ()
    classification_types: tuple[str, ...] = ()
    classification_categories: tuple[CategoryName, ...] = ()
    min_sensitivity: SensitivityName | None = None


class HasClassification(_Strict):
    op: Literal["has_classification"]
    types: tuple[str, ...] = ()
    categories: tuple[CategoryName, ...] = ()


class SensitivityAtLeast(_Strict):
    op: Literal["sensitivity_at_least"]
    level: SensitivityName


class HasTag(_Strict):
    op: Literal["has_tag"]
    any_of: tuple[str, ...] = Field(min_length=1)
    inherit: bool = False


class HasOwner(_Strict):
    op: Literal["has_owner"]
    inherit: bool = True


class PropertyPresent(_Strict):
    op: Literal["property_present"]
    key: str = Field(min_length=1, max_length=100)
    inherit: bool = True


class PropertyEquals(_Strict):
    op: Literal["property_equals"]
    key: str = Field(min_length=1, max_length=100)
    value: str | int | float | bool
    inherit: bool = True


class PropertyIn(_Strict):
    op: Literal["property_in"]
    key: str = Field(min_length=1, max_length=100)
    values: tuple[str | int | float | bool, ...] = Field(min_length=1)
    inherit: bool = True


class PropertyAgeAtMost(_Strict):
    op: Literal["property_age_at_most"]
    key: str = Field(min_length=1, max_length=100)
    days: int = Field(ge=0, le=36500)
    inherit: bool = True


class DownstreamAll(_Strict):
    op: Literal["downstream_all"]
    condition: Condition
    max_depth: int = Field(default=5, ge=1, le=20)


class AllOf(_Strict):
    op: Literal["all_of"]
    conditions: tuple[Condition, ...] = Field(min_length=1, max_length=20)


class AnyOf(_Strict):
    op: Literal["any_of"]
    conditions: tuple[Condition, ...] = Field(min_length=1, max_length=20)


class Not(_Strict):
    op: Literal["not"]
    condition: Condition


Condition = Annotated[
    HasClassification
    | SensitivityAtLeast
    | HasTag
    | HasOwner
    | PropertyPresent
    | PropertyEquals
    | PropertyIn
    | PropertyAgeAtMost
    | DownstreamAll
    | AllOf
    | AnyOf
    | Not,
    Field(discriminator="op"),
]

for _model in (DownstreamAll, AllOf, AnyOf, Not):
    _model.model_rebuild()


class Check(_Strict):
    """One executable check: every condition must hold for every asset in scope."""

    id: str = Field(pattern=_KEY)
    description: str = Field(min_length=1, max_length=500)
    scope: Scope
    conditions: tuple[Condition, ...] = Field(min_length=1, max_length=20)


class Control(_Strict):
    """A requirement of a framework, implemented by one or more checks."""

    id: str = Field(pattern=_KEY)
    title: str = Field(min_length=1, max_length=200)
    requirement: str = Field(min_length=1, max_length=200)  # article / clause
    severity: Severity
    description: str = ""
    checks: tuple[Check, ...] = Field(min_length=1, max_length=50)


class RulePack(_Strict):
    """A versioned framework: its controls and their checks."""

    framework: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,31}$")
    name: str = Field(min_length=1, max_length=100)
    version: str = Field(min_length=1, max_length=32)
    description: str = ""
    controls: tuple[Control, ...] = Field(min_length=1, max_length=200)


def referenced_types(conditions: tuple[Any, ...], scope: Scope | None = None) -> set[str]:
    """Every classification type key a scope and its conditions name."""
    found: set[str] = set(scope.classification_types) if scope is not None else set()
    stack = list(conditions)
    while stack:
        cond = stack.pop()
        if isinstance(cond, HasClassification):
            found.update(cond.types)
        elif isinstance(cond, AllOf | AnyOf):
            stack.extend(cond.conditions)
        elif isinstance(cond, Not | DownstreamAll):
            stack.append(cond.condition)
    return found
