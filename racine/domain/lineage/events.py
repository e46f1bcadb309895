"""Catalog-channel events lineage emits, and how propagation learns what changed.

``LINEAGE_CHANGED`` carries ``propagateFrom``: the column assets whose labels must
be recomputed downstream. The app's propagation listener turns it (and the
catalog's classification/term events) into ``lineage.propagate`` jobs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from racine.domain.catalog.model import Asset
from racine.domain.events import Channels, Event

__all__ = [
    "CLASSIFICATION_PROPAGATED",
    "CLASSIFICATION_UNPROPAGATED",
    "LINEAGE_CHANGED",
    "lineage_changed",
    "propagation_targets",
]

LINEAGE_CHANGED = "LINEAGE_CHANGED"
CLASSIFICATION_PROPAGATED = "CLASSIFICATION_PROPAGATED"
CLASSIFICATION_UNPROPAGATED = "CLASSIFICATION_UNPROPAGATED"
_OURS = {CLASSIFICATION_PROPAGATED, CLASSIFICATION_UNPROPAGATED}
_MAX_IDS = 10_000


def lineage_changed(
    edge_ids: Iterable[uuid.UUID],
    propagate_from: Iterable[uuid.UUID],
    ends: Mapping[uuid.UUID, Asset] | None = None,
    **extra: Any,
) -> Event:
    """``ends``: the edges' end assets; when they all lie in one data source, the event
    names it (``sourceId``), so a subscription filtered by that source hears of it."""
    edges = [str(i) for i in edge_ids]
    sources = sorted({str(i) for i in propagate_from})
    within = {a.source_id for a in (ends or {}).values()}
    if len(within) == 1 and None not in within:
        extra.setdefault("sourceId", str(within.pop()))
    return Event(
        Channels.CATALOG,
        LINEAGE_CHANGED,
        {"edgeIds": edges[:1000], "edgeCount": len(edges),
         "propagateFrom": sources[:_MAX_IDS], **extra},
    )  # fmt: skip


def propagation_targets(event: Event) -> set[uuid.UUID]:
    """Assets whose downstream labels may have changed, as told by ``event``.

    Ours: ``propagateFrom``. The catalog's: any CLASSIFICATION_* event, and
    ASSET_UPDATED touching ``glossaryTerms``, name their ``assetId``.
    """
    if event.channel != Channels.CATALOG or event.type in _OURS:
        return set()
    payload = event.payload
    raw: list[Any] = []
    if event.type == LINEAGE_CHANGED:
        raw = list(payload.get("propagateFrom") or [])
    elif event.type.startswith("CLASSIFICATION") or (
        event.type == "ASSET_UPDATED" and "glossaryTerms" in (payload.get("fields") or [])
    ):
        raw = [payload.get("assetId"), *(payload.get("assetIds") or [])]
    out: set[uuid.UUID] = set()
    for value in raw:
        try:
            out.add(uuid.UUID(str(value)))
        except ValueError:
            continue
    return out
