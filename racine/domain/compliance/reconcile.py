"""Merge a fresh evaluation into the stored findings.

* a violation without a finding → a new OPEN finding (first and last seen now);
* a violation with a finding → evidence refreshed (``seen``) when it changed;
  when nothing changed it is only ``touched`` and not rewritten (its last seen
  is the evaluation time kept on the tallies); a RESOLVED finding that comes
  back is OPEN again (steward decisions stay as taken);
* a finding in the evaluated scope that was not reproduced → RESOLVED by the
  system, reason "not reproduced".
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from racine.domain.compliance.evaluate import Violation
from racine.domain.compliance.facts import AssetFact
from racine.domain.compliance.model import Finding, FindingKey, FindingStatus

__all__ = ["NOT_REPRODUCED", "Changes", "reconcile"]

NOT_REPRODUCED = "not reproduced by the latest evaluation"


@dataclass
class Changes:
    new: list[Finding] = field(default_factory=list)
    seen: list[Finding] = field(default_factory=list)
    touched: list[Finding] = field(default_factory=list)
    reopened: list[Finding] = field(default_factory=list)
    resolved: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> list[Finding]:
        return [*self.seen, *self.reopened, *self.resolved]


def reconcile(
    existing: Mapping[FindingKey, Finding],
    violations: Iterable[Violation],
    assets: Mapping[uuid.UUID, AssetFact],
    *,
    run_id: uuid.UUID,
    now: datetime,
    in_scope: Callable[[Finding], bool],
) -> Changes:
    changes = Changes()
    reproduced: set[FindingKey] = set()
    for v in violations:
        key = (v.framework, v.control_id, v.check_id, v.asset_id)
        reproduced.add(key)
        found = existing.get(key)
        if found is None:
            asset = assets[v.asset_id]
            changes.new.append(Finding(
                framework=v.framework, control_id=v.control_id, check_id=v.check_id,
                asset_id=v.asset_id, severity=v.severity, evidence=v.evidence,
                asset_name=asset.qualified_name, source_id=asset.source_id,
                first_seen=now, last_seen=now, last_run_id=run_id))
            continue
        same = found.evidence == v.evidence and found.severity is v.severity
        found.last_seen, found.last_run_id = now, run_id
        found.evidence, found.severity = v.evidence, v.severity
        if found.status is not FindingStatus.RESOLVED and same:
            changes.touched.append(found)
        elif found.status is FindingStatus.RESOLVED:
            found.status, found.status_reason = FindingStatus.OPEN, "reproduced"
            found.status_actor_id, found.status_changed_at = None, now
            changes.reopened.append(found)
        else:
            changes.seen.append(found)
    for key, finding in existing.items():
        if key in reproduced or finding.status is FindingStatus.RESOLVED:
            continue
        if not in_scope(finding):
            continue
        finding.status, finding.status_reason = FindingStatus.RESOLVED, NOT_REPRODUCED
        finding.status_actor_id, finding.status_changed_at = None, now
        changes.resolved.append(finding)
    return changes
