"""A quality score per asset over four dimensions.

Each dimension (completeness, uniqueness, validity, freshness) scores the share
of its assertions whose latest result passed (ERROR and SKIPPED results are left
out: they say nothing about the data); the overall score is the mean of the dimensions
that have at least one result. A table counts its columns' assertions too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from racine.domain.access.model import Principal, Role
from racine.domain.errors import NotFound
from racine.domain.incidents.ports import IncidentsUnitOfWork
from racine.domain.quality.model import DIMENSIONS, Assertion, ResultStatus

__all__ = ["DimensionScore", "QualityScore", "quality_score", "score_assertions"]


@dataclass
class DimensionScore:
    dimension: str
    passed: int = 0
    evaluated: int = 0

    @property
    def score(self) -> float | None:
        return None if self.evaluated == 0 else round(100.0 * self.passed / self.evaluated, 2)


@dataclass
class QualityScore:
    asset_id: uuid.UUID
    dimensions: list[DimensionScore] = field(default_factory=list)

    @property
    def score(self) -> float | None:
        scores = [d.score for d in self.dimensions if d.score is not None]
        return None if not scores else round(sum(scores) / len(scores), 2)


def score_assertions(asset_id: uuid.UUID, assertions: Sequence[Assertion]) -> QualityScore:
    parts = {
        name: DimensionScore(name)
        for name in ("completeness", "uniqueness", "validity", "freshness")
    }
    for a in assertions:
        if a.last_status in (None, ResultStatus.ERROR, ResultStatus.SKIPPED):
            continue
        part = parts[DIMENSIONS[a.kind]]
        part.evaluated += 1
        part.passed += a.last_status is ResultStatus.PASS
    return QualityScore(asset_id, list(parts.values()))


async def quality_score(
    uow: IncidentsUnitOfWork, actor: Principal, asset_id: uuid.UUID
) -> QualityScore:
    """VIEWER or above. An asset a scan removed is scored too: it stays readable
    (its assertions' SKIPPED results are left out, like ERROR ones)."""
    actor.require(Role.VIEWER)
    async with uow:
        if await uow.catalog.get(asset_id) is None:
            raise NotFound("Asset", asset_id, field="assetId")
        assertions = await uow.quality.for_asset_tree(asset_id)
    return score_assertions(asset_id, assertions)
