"""Scores: the share of evaluated (check, asset) pairs that are not failing.

A pair fails while its finding is OPEN; accepting the risk or marking a false
positive (both with a reason) lifts it. A framework with nothing to evaluate
scores 100. Scores are broken down per control and per data source.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from racine.domain.compliance.model import TallyRow

__all__ = ["FrameworkScore", "ScorePart", "score_frameworks"]

FailKey = tuple[str, str, uuid.UUID | None]  # framework, control, source


@dataclass
class ScorePart:
    key: str
    evaluated: int = 0
    failing: int = 0

    @property
    def score(self) -> float:
        if self.evaluated <= 0:
            return 100.0
        passing = max(0, self.evaluated - self.failing)
        return round(100.0 * passing / self.evaluated, 2)

    def to_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "evaluated": self.evaluated,
            "failing": self.failing,
            "score": self.score,
        }


@dataclass
class FrameworkScore:
    framework: str
    total: ScorePart
    controls: dict[str, ScorePart] = field(default_factory=dict)
    sources: dict[str, ScorePart] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            **self.total.to_json(),
            "controls": [p.to_json() for p in self.controls.values()],
            "sources": [p.to_json() for p in self.sources.values()],
        }


def score_frameworks(
    frameworks: Iterable[str], tallies: Iterable[TallyRow], failing: Counter[FailKey]
) -> dict[str, FrameworkScore]:
    out = {f: FrameworkScore(f, ScorePart(f)) for f in frameworks}
    for row in tallies:
        fs = out.get(row.framework)
        if fs is None:
            continue
        source = "" if row.source_id is None else str(row.source_id)
        fails = failing.get((row.framework, row.control_id, row.source_id), 0)
        for bucket, key in ((fs.controls, row.control_id), (fs.sources, source)):
            part = bucket.setdefault(key, ScorePart(key))
            part.evaluated += row.evaluated
            part.failing += fails
        fs.total.evaluated += row.evaluated
        fs.total.failing += fails
    return out
