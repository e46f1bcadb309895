"""Findings, evaluation runs, tallies and custom rules: what compliance stores."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from racine.domain.compliance.rules import Check, Control, RulePack, Severity

__all__ = [
    "CUSTOM_FRAMEWORK",
    "CustomRule",
    "EvaluationRun",
    "Finding",
    "FindingFilter",
    "FindingKey",
    "FindingStatus",
    "TallyRow",
    "custom_pack",
    "evidence_digest",
    "evidence_text",
    "finding_fingerprint",
    "json_string",
    "json_text",
]

CUSTOM_FRAMEWORK = "CUSTOM"
"""The framework key under which custom rules are evaluated and reported."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class FindingStatus(StrEnum):
    OPEN = "OPEN"
    ACCEPTED_RISK = "ACCEPTED_RISK"
    RESOLVED = "RESOLVED"
    FALSE_POSITIVE = "FALSE_POSITIVE"

    @property
    def failing(self) -> bool:
        """Only OPEN findings lower a score: accepted and false-positive ones are
        decisions a steward took (with a reason), resolved ones are gone."""
        return self is FindingStatus.OPEN


FindingKey = tuple[str, str, str, uuid.UUID]
"""(framework, control id, check id, asset id): one finding per pair, ever."""


def finding_fingerprint(framework: str, control_id: str, check_id: str, asset_id: uuid.UUID) -> str:
    """The finding's identity as one key (32 hex characters): stored, uniquely
    indexed, and what an evaluation matches its violations on."""
    raw = f"{framework}\x1f{control_id}\x1f{check_id}\x1f{asset_id}".encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# The C encoder made once (``JSONEncoder.encode`` makes one per call): evidence
# holds only dicts, lists, strings, numbers, booleans and None, built by us.
_C_ENCODE = (
    None
    if c_make_encoder is None
    else c_make_encoder(
        None, _CANONICAL.default, encode_basestring, None, ":", ",", True, False, True
    )
)


json_string: Callable[[str], str] = encode_basestring
"""A string as JSON, exactly as ``json_text`` writes strings (faster alone)."""


def json_text(value: Any) -> str:
    """Any JSON value as canonical JSON (sorted keys, no spaces, UTF-8 kept)."""
    if _C_ENCODE is None:  # pragma: no cover - CPython always has the C encoder
        return _CANONICAL.encode(value)
    return "".join(_C_ENCODE(value, 0))


def evidence_text(evidence: dict[str, Any]) -> str:
    """Evidence as canonical JSON (sorted keys): what is stored and digested."""
    return json_text(evidence)


def evidence_digest(severity: str, text: str) -> str:
    """Changes when the severity or the evidence does: a re-evaluation compares
    digests instead of reading the stored evidence back."""
    return hashlib.blake2b(f"{severity}\x1f{text}".encode(), digest_size=16).hexdigest()


@dataclass
class Finding:
    """One violation of one check by one asset, kept across evaluations. Its
    evidence is held as canonical JSON (``evidence_json``, as the evaluator
    writes and the database stores it) or as a dictionary (``evidence_data``,
    as read back), each made from the other when asked for."""

    framework: str
    control_id: str
    check_id: str
    asset_id: uuid.UUID
    severity: Severity
    asset_name: str
    source_id: uuid.UUID | None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    status: FindingStatus = FindingStatus.OPEN
    status_reason: str | None = None
    status_actor_id: uuid.UUID | None = None
    status_changed_at: datetime | None = None
    first_seen: datetime = field(default_factory=utcnow)
    last_seen: datetime = field(default_factory=utcnow)
    last_run_id: uuid.UUID | None = None
    fingerprint: str = ""
    """``finding_fingerprint`` of the key (computed when not given)."""
    evidence_json: str | None = field(default=None, repr=False, compare=False)
    """``evidence_text`` of the evidence, when made (the evaluator makes it)."""
    evidence_data: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    """The evidence as a dictionary, when made (read back from the database)."""
    evidence_digest: str | None = field(default=None, repr=False, compare=False)
    """``evidence_digest`` of severity and evidence when already computed."""

    def __post_init__(self) -> None:
        if not self.fingerprint:
            self.fingerprint = finding_fingerprint(*self.key)

    @property
    def key(self) -> FindingKey:
        return (self.framework, self.control_id, self.check_id, self.asset_id)

    @property
    def evidence(self) -> dict[str, Any]:
        if self.evidence_data is None:
            self.evidence_data = (
                {} if self.evidence_json is None else json.loads(self.evidence_json)
            )
        return self.evidence_data

    def evidence_as_text(self) -> str:
        if self.evidence_json is None:
            self.evidence_json = evidence_text(self.evidence)
        return self.evidence_json

    @property
    def digest(self) -> str:
        if self.evidence_digest is None:
            return evidence_digest(self.severity.value, self.evidence_as_text())
        return self.evidence_digest


@dataclass(frozen=True)
class FindingFilter:
    """Criteria for listing findings; all given must hold."""

    framework: str | None = None
    statuses: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    control_id: str | None = None
    source_id: uuid.UUID | None = None
    asset_id: uuid.UUID | None = None


@dataclass
class EvaluationRun:
    """One evaluation (its id is the job run's). ``scores`` is the snapshot of the
    framework scores when it finished, kept for history."""

    frameworks: list[str]
    source_ids: list[uuid.UUID] | None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    state: str = "QUEUED"  # QUEUED | RUNNING | SUCCEEDED | FAILED
    created_by: uuid.UUID | None = None
    created_at: datetime = field(default_factory=utcnow)
    finished_at: datetime | None = None
    scores: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class TallyRow:
    """How many (check, asset) pairs the latest evaluation of a control evaluated
    in one source (``source_id`` None: assets outside any source)."""

    framework: str
    control_id: str
    source_id: uuid.UUID | None
    evaluated: int


@dataclass
class CustomRule:
    """A declarative rule created through the API. Updating writes a new version;
    ``rule_id`` stays, ``version`` grows; only the latest version is evaluated."""

    key: str
    title: str
    severity: Severity
    check: Check
    requirement: str = "custom"
    description: str = ""
    rule_id: uuid.UUID = field(default_factory=uuid.uuid4)
    version: int = 1
    created_by: uuid.UUID | None = None
    created_at: datetime = field(default_factory=utcnow)

    @property
    def id(self) -> uuid.UUID:
        """The id of this version (rule id and version number, hashed)."""
        return uuid.uuid5(self.rule_id, str(self.version))

    def control(self) -> Control:
        return Control(
            id=self.key,
            title=self.title,
            requirement=self.requirement,
            severity=self.severity,
            description=self.description,
            checks=(self.check,),
        )


def custom_pack(rules: list[CustomRule]) -> RulePack | None:
    """The custom rules as one pack (framework ``CUSTOM``), or None without rules."""
    if not rules:
        return None
    return RulePack(
        framework=CUSTOM_FRAMEWORK,
        name="Custom rules",
        version=str(max(r.version for r in rules)),
        description="Rules created through the API.",
        controls=tuple(r.control() for r in sorted(rules, key=lambda r: r.key)),
    )
