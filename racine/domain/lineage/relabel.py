"""Keep propagated labels in step with assignments and lineage (job "lineage.propagate").

Incremental: a change names the assets whose labels may flow differently (an
edge's source, a column whose classification changed). Their downstream closure
over COLUMN edges is loaded hop by hop, :func:`plan_propagation` says what to add
and remove, and only copies owned by those assets are touched.

Storage: copies live in ``lineage_propagated_labels`` (asset, label, source
asset), apart from assigned labels. A propagated CLASSIFICATION is mirrored
into ``column_classifications`` with source PROPAGATED (unless the column holds
that type already from a person, rule or model), so the catalog's filters and
search facets count it; the mirror row goes when the last copy goes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from racine.domain.catalog.use_cases import asset_event
from racine.domain.classification.levels import refresh_sensitivity
from racine.domain.classification.ports import ClassificationUnitOfWork
from racine.domain.classification.scrub import scrub_profiles
from racine.domain.events import Channels, Event
from racine.domain.lineage.edges import EdgeLevel, LineageEdge
from racine.domain.lineage.events import CLASSIFICATION_PROPAGATED, CLASSIFICATION_UNPROPAGATED
from racine.domain.lineage.graph import MAX_DEPTH, Direction, Edge, traverse
from racine.domain.lineage.ports import LineageUnitOfWork
from racine.domain.lineage.propagation import (
    LabelKind,
    PropagatedLabel,
    PropagationEdge,
    PropagationPolicy,
    plan_propagation,
)
from racine.domain.runs.context import JobContext
from racine.domain.runs.model import JobRun

__all__ = ["JOB_KIND", "PropagationOutcome", "handle_propagation", "propagate_from"]

JOB_KIND = "lineage.propagate"
MAX_CLOSURE = 100_000
_MAX_EVENTS = 500


@dataclass(frozen=True)
class PropagationOutcome:
    added: int
    removed: int
    truncated: bool


async def propagate_from(
    uow: LineageUnitOfWork,
    asset_ids: Iterable[uuid.UUID],
    policy: PropagationPolicy | None = None,
) -> PropagationOutcome:
    """Recompute the copies owned by ``asset_ids`` (and by the origins of copies
    lying on them) and apply the difference, in one transaction."""
    async with uow:
        given = list(dict.fromkeys(asset_ids))
        lying = await uow.lineage.propagated(assets=given)
        sources = list(dict.fromkeys([*given, *(c.source_asset for c in lying)]))

        async def neighbours(frontier: frozenset[uuid.UUID], way: Direction) -> list[Edge[Any]]:
            found = await uow.lineage.neighbours(frontier, way, EdgeLevel.COLUMN)
            return [Edge(e.source_id, e.target_id, e) for e in found]

        walked = await traverse(
            sources,
            Direction.DOWNSTREAM,
            MAX_DEPTH,
            neighbours,
            max_nodes=MAX_CLOSURE,
            max_edges=MAX_CLOSURE * 5,
        )
        edges = [
            PropagationEdge(e.source, e.target, e.data.transformation, e.data.blocked)
            for e in walked.edges
            if isinstance(e.data, LineageEdge)
        ]
        assigned = await uow.lineage.assigned_labels(sources)
        current = await uow.lineage.propagated(sources=sources)
        delta = plan_propagation(assigned, edges, current, policy, sources=sources)
        if not delta.empty:
            await uow.lineage.remove_propagated(delta.to_remove)
            await uow.lineage.add_propagated(delta.to_add)
            await _mirror(uow, delta.to_add, delta.to_remove)
            await _announce(uow, delta.to_add, CLASSIFICATION_PROPAGATED)
            await _announce(uow, delta.to_remove, CLASSIFICATION_UNPROPAGATED)
        await uow.commit()
    return PropagationOutcome(len(delta.to_add), len(delta.to_remove), walked.truncated)


async def _mirror(
    uow: LineageUnitOfWork,
    added: Iterable[PropagatedLabel[uuid.UUID]],
    removed: Iterable[PropagatedLabel[uuid.UUID]],
) -> None:
    touched = {
        (p.asset, p.label.name)
        for p in (*added, *removed)
        if p.label.kind is LabelKind.CLASSIFICATION
    }
    if not touched:
        return
    remaining = await uow.lineage.propagated(assets=list({a for a, _ in touched}))
    origins: dict[tuple[uuid.UUID, str], list[str]] = {}
    for copy in remaining:
        if copy.label.kind is LabelKind.CLASSIFICATION:
            origins.setdefault((copy.asset, copy.label.name), []).append(str(copy.source_asset))
    keep = {
        key: {"propagated": True, "label": key[1], "sourceAssetIds": sorted(found)}
        for key, found in origins.items()
        if key in touched
    }
    await uow.lineage.mirror_classifications(keep, [k for k in touched if k not in keep])
    # Propagated labels change the stored sensitivity of their columns and tables, and
    # a column they make sensitive keeps no raw value in its stored profile. Assets
    # before their levels, in the order a scan's closing takes them (it soft-deletes,
    # then replaces its source's levels): the other order deadlocked with a re-scan.
    classification = cast(ClassificationUnitOfWork, uow)
    await scrub_profiles(classification, [asset for asset, _ in keep])
    await refresh_sensitivity(classification, list({asset for asset, _ in touched}))


async def _announce(
    uow: LineageUnitOfWork, copies: Iterable[PropagatedLabel[uuid.UUID]], kind: str
) -> None:
    """One event per copy (up to ``_MAX_EVENTS``), naming the column like every catalog
    event (kind, qualified name, source: a subscription filtered by source hears it)."""
    items = sorted(copies, key=lambda c: (str(c.asset), c.label, str(c.source_asset)))
    shown = items[:_MAX_EVENTS]
    assets = await uow.catalog.lean([c.asset for c in shown])
    for copy in shown:
        asset = assets.get(copy.asset)
        if asset is None:  # gone with its source in the meantime
            continue
        uow.emit(
            asset_event(
                kind,
                asset,
                labelKind=copy.label.kind.value,
                label=copy.label.name,
                sourceAssetId=str(copy.source_asset),
            )
        )
    if len(items) > _MAX_EVENTS:
        uow.emit(Event(Channels.CATALOG, kind, {"omitted": len(items) - _MAX_EVENTS}))


async def handle_propagation(ctx: JobContext, run: JobRun) -> dict[str, Any]:
    """Job handler: ``payload = {"assetIds": [...]}``."""
    ids = []
    for value in run.payload.get("assetIds") or []:
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    outcome = await propagate_from(ctx.uow_factory(), ids)  # type: ignore[arg-type]
    return {"added": outcome.added, "removed": outcome.removed, "truncated": outcome.truncated}
