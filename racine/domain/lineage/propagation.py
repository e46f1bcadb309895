"""Label propagation along lineage, in the manner of Apache Atlas.

A classification (``EMAIL``) or glossary term assigned to a column flows to the
columns derived from it, so a copy of personal data is flagged as such. Rules:

* Propagated labels are kept apart from assigned ones: each names the asset it
  was assigned on (``source_asset``) and the label, so removing that assignment,
  or cutting the path, removes exactly its copies.
* Only DIRECT edges carry labels (a filter column does not copy its values).
  By default, masking transformations (hash, mask) and aggregations block
  propagation too, since the target no longer holds the source values; an edge
  can also be blocked by hand (``blocked=True``).
* A label stops at nothing else: it goes as far as allowed paths go. Cycles are
  safe (a visited set per source label).

The functions are pure. Incremental use: for a change, find the affected source
assets (:func:`sources_affected_by_edge`, or the asset whose label changed), load
their downstream closure (e.g. with :func:`racine.domain.lineage.graph.traverse`),
their assigned labels and the propagated copies they own, and call
:func:`plan_propagation`; it returns what to add and what to remove.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from racine.domain.lineage.model import (
    Transformation,
    TransformationSubtype,
    TransformationType,
)

__all__ = [
    "AssignedLabel",
    "Label",
    "LabelKind",
    "PropagatedLabel",
    "PropagationDelta",
    "PropagationEdge",
    "PropagationPolicy",
    "compute_propagation",
    "edge_allows",
    "plan_propagation",
    "sources_affected_by_edge",
]

A = TypeVar("A", bound=Hashable)


class LabelKind(StrEnum):
    CLASSIFICATION = "CLASSIFICATION"
    GLOSSARY_TERM = "GLOSSARY_TERM"


@dataclass(frozen=True, slots=True, order=True)
class Label:
    kind: LabelKind
    name: str


@dataclass(frozen=True, slots=True)
class AssignedLabel(Generic[A]):
    """A label put on ``asset`` by a person or a rule. ``propagate=False`` keeps it
    local (Atlas' per-classification ``propagate`` flag)."""

    asset: A
    label: Label
    propagate: bool = True


@dataclass(frozen=True, slots=True)
class PropagatedLabel(Generic[A]):
    """``label`` on ``asset``, present because it is assigned on ``source_asset``."""

    asset: A
    label: Label
    source_asset: A


@dataclass(frozen=True, slots=True)
class PropagationEdge(Generic[A]):
    source: A
    target: A
    transformation: Transformation | None = None
    blocked: bool = False


@dataclass(frozen=True, slots=True)
class PropagationPolicy:
    """What stops a label. ``kinds`` limits propagation to these label kinds."""

    block_masking: bool = True
    block_aggregation: bool = True
    kinds: frozenset[LabelKind] = frozenset(LabelKind)


@dataclass(frozen=True, slots=True)
class PropagationDelta(Generic[A]):
    to_add: frozenset[PropagatedLabel[A]]
    to_remove: frozenset[PropagatedLabel[A]]

    @property
    def empty(self) -> bool:
        return not self.to_add and not self.to_remove


def edge_allows(edge: PropagationEdge[A], policy: PropagationPolicy) -> bool:
    """Whether labels cross ``edge``. An edge without a transformation counts as a
    plain DIRECT copy (manual edges usually say nothing more)."""
    if edge.blocked:
        return False
    way = edge.transformation
    if way is None:
        return True
    if way.type is not TransformationType.DIRECT:
        return False
    if way.masking and policy.block_masking:
        return False
    return not (policy.block_aggregation and way.subtype is TransformationSubtype.AGGREGATION)


def compute_propagation(
    assigned: Iterable[AssignedLabel[A]],
    edges: Iterable[PropagationEdge[A]],
    policy: PropagationPolicy | None = None,
) -> frozenset[PropagatedLabel[A]]:
    """Every propagated copy implied by ``assigned`` over ``edges``.

    A label never propagates back onto the asset it is assigned on (a cycle
    returning to its source adds nothing).
    """
    policy = policy or PropagationPolicy()
    downstream: dict[A, list[A]] = {}
    for edge in edges:
        if edge_allows(edge, policy) and edge.source != edge.target:
            downstream.setdefault(edge.source, []).append(edge.target)
    result: set[PropagatedLabel[A]] = set()
    reach_cache: dict[A, frozenset[A]] = {}
    for assignment in assigned:
        if not assignment.propagate or assignment.label.kind not in policy.kinds:
            continue
        source = assignment.asset
        reached = reach_cache.get(source)
        if reached is None:
            reached = reach_cache[source] = _reachable(source, downstream)
        result.update(PropagatedLabel(asset, assignment.label, source) for asset in reached)
    return frozenset(result)


def plan_propagation(
    assigned: Iterable[AssignedLabel[A]],
    edges: Iterable[PropagationEdge[A]],
    current: Iterable[PropagatedLabel[A]],
    policy: PropagationPolicy | None = None,
    *,
    sources: Iterable[A] | None = None,
) -> PropagationDelta[A]:
    """What to add and remove so propagated copies match the assignments.

    Inputs describe an affected subgraph: ``assigned`` are the labels of the
    affected source assets (after the change), ``edges`` their whole downstream
    closure (after the change), ``current`` the stored copies they own. When
    ``sources`` is given, only copies whose ``source_asset`` is in it are added or
    removed, so the caller may pass a wider ``current`` (say, every copy on the
    subgraph's columns) without touching copies owned by other sources.
    """
    wanted = compute_propagation(assigned, edges, policy)
    existing = frozenset(current)
    to_add = wanted - existing
    to_remove = existing - wanted
    if sources is not None:
        in_scope = frozenset(sources)
        to_add = frozenset(p for p in to_add if p.source_asset in in_scope)
        to_remove = frozenset(p for p in to_remove if p.source_asset in in_scope)
    return PropagationDelta(to_add=to_add, to_remove=to_remove)


def sources_affected_by_edge(
    edge_source: A, propagated_at_source: Iterable[PropagatedLabel[A]]
) -> frozenset[A]:
    """Source assets whose copies may change when an edge leaving ``edge_source``
    is added, removed or (un)blocked: the asset itself and the origins of the
    labels propagated onto it."""
    return frozenset({edge_source, *(p.source_asset for p in propagated_at_source)})


def _reachable(source: A, downstream: dict[A, list[A]]) -> frozenset[A]:
    seen: set[A] = {source}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        for target in downstream.get(node, ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    seen.discard(source)
    return frozenset(seen)
