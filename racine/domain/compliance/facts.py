"""The facts snapshot every check runs over, and the indexes derived from it once.

The repository loads a :class:`Facts` in a handful of bulk queries (assets,
tags, owners, labels, lineage edges): evaluating N checks over M assets then
touches no database at all. :class:`FactIndex` derives what checks ask for
repeatedly — ancestor chains, labels rolled up from columns to their tables,
effective sensitivity, table-level lineage — once per evaluation.
"""

from __future__ import annotations

import contextlib
import gc
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from racine.domain.classification.types import BUILTIN_TYPES, Sensitivity

__all__ = [
    "AssetFact",
    "FactIndex",
    "Facts",
    "TypeInfo",
    "builtin_type_info",
    "gc_paused",
]

TypeInfo = Mapping[str, tuple[str, int]]
"""Classification type key → (category, sensitivity rank 0-3)."""

SENSITIVITY_PROPERTY = "sensitivity"
"""An asset property that overrides the sensitivity derived from its labels."""

_UNKNOWN_TYPE = ("", int(Sensitivity.CONFIDENTIAL))  # a custom type's rank, if not given
_CONTAINERS = ("TABLE", "VIEW", "SCHEMA", "DATABASE", "DATA_SOURCE")


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a snapshot.

    Creating 100,000s of small objects triggers collection after collection, each
    full pass walking every object already built: measured, that was most of the
    load time. Reference counting still frees everything acyclic meanwhile.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def builtin_type_info() -> dict[str, tuple[str, int]]:
    return {k: (t.category.value, int(t.sensitivity)) for k, t in BUILTIN_TYPES.items()}


@dataclass(slots=True)
class AssetFact:
    """One asset as checks see it (plain slots: a snapshot holds 100,000s of them)."""

    id: uuid.UUID
    kind: str
    name: str
    qualified_name: str
    source_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Facts:
    """What checks may read: live (not deleted) assets and their metadata.

    ``labels`` holds the type keys of each asset's non-REJECTED classifications;
    ``edges`` are unblocked lineage edges (source, target).
    """

    assets: dict[uuid.UUID, AssetFact]
    tags: dict[uuid.UUID, frozenset[str]] = field(default_factory=dict)
    owners: dict[uuid.UUID, tuple[uuid.UUID, ...]] = field(default_factory=dict)
    labels: dict[uuid.UUID, tuple[str, ...]] = field(default_factory=dict)
    edges: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)
    source_names: dict[uuid.UUID, str] = field(default_factory=dict)
    taken_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class FactIndex:
    """Derived lookups over one :class:`Facts`."""

    def __init__(self, facts: Facts, types: TypeInfo | None = None) -> None:
        self.facts = facts
        self.types = types if types is not None else builtin_type_info()
        assets = facts.assets
        by_kind: dict[str, list[uuid.UUID]] = defaultdict(list)
        for a in assets.values():
            by_kind[a.kind].append(a.id)
        self.by_kind = by_kind
        self._chains: dict[uuid.UUID, tuple[uuid.UUID, ...]] = {}
        # Labels rolled up: a table holds what its columns hold. Gathered per
        # parent first, so each table's chain is walked once, not once per column.
        labels: dict[uuid.UUID, set[str]] = defaultdict(set)
        by_type: dict[str, set[uuid.UUID]] = defaultdict(set)
        by_parent: dict[uuid.UUID, set[str]] = defaultdict(set)
        chain = self.chain
        for asset_id, keys in facts.labels.items():
            labelled = assets.get(asset_id)
            if labelled is None:
                continue
            parent = labelled.parent_id
            if parent is None or parent not in assets or asset_id in chain(parent):
                holders: tuple[uuid.UUID, ...] = chain(asset_id)  # a root, or a cycle
            else:
                holders = (asset_id,)
                by_parent[parent].update(keys)
            for holder in holders:
                labels[holder].update(keys)
            for key in keys:
                by_type[key].update(holders)
        for parent, held in by_parent.items():
            holders = chain(parent)
            for holder in holders:
                labels[holder].update(held)
            for key in held:
                by_type[key].update(holders)
        self.labels = labels
        self.by_type = by_type
        self.by_category: dict[str, set[uuid.UUID]] = defaultdict(set)
        for key, holding in by_type.items():
            info = self.types.get(key)
            if info is not None:
                self.by_category[info[0]] |= holding
        self.downstream_of: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        for src, dst in facts.edges:
            if src not in assets or dst not in assets:
                continue
            self.downstream_of[src].add(dst)
            a, b = assets[src], assets[dst]
            # Column edges imply table edges.
            if (
                a.kind == "COLUMN"
                and b.kind == "COLUMN"
                and a.parent_id
                and b.parent_id
                and a.parent_id != b.parent_id
            ):
                self.downstream_of[a.parent_id].add(b.parent_id)
        self._sensitivity: dict[uuid.UUID, int | None] = {}

    def chain(self, asset_id: uuid.UUID) -> tuple[uuid.UUID, ...]:
        """The asset then its ancestors, nearest first (cycles cut)."""
        cached = self._chains.get(asset_id)
        if cached is not None:
            return cached
        out: list[uuid.UUID] = []
        current: uuid.UUID | None = asset_id
        assets = self.facts.assets
        while current is not None and current in assets and current not in out:
            out.append(current)
            current = assets[current].parent_id
        result = tuple(out)
        self._chains[asset_id] = result
        return result

    def categories(self, asset_id: uuid.UUID) -> set[str]:
        return {self.types[k][0] for k in self.labels.get(asset_id, ()) if k in self.types}

    def sensitivity(self, asset_id: uuid.UUID) -> int | None:
        """An explicit ``sensitivity`` property wins; otherwise the highest of the
        asset's (rolled-up) labels; unknown custom types count as CONFIDENTIAL."""
        if asset_id in self._sensitivity:
            return self._sensitivity[asset_id]
        explicit = self.facts.assets[asset_id].properties.get(SENSITIVITY_PROPERTY)
        level: int | None
        if isinstance(explicit, str) and explicit.upper() in Sensitivity.__members__:
            level = int(Sensitivity[explicit.upper()])
        else:
            types, unknown = self.types, _UNKNOWN_TYPE
            ranks = [types.get(k, unknown)[1] for k in self.labels.get(asset_id, ())]
            level = max(ranks) if ranks else None
        self._sensitivity[asset_id] = level
        return level

    def tags(self, asset_id: uuid.UUID, inherit: bool) -> set[str]:
        ids: Iterable[uuid.UUID] = self.chain(asset_id) if inherit else (asset_id,)
        out: set[str] = set()
        for i in ids:
            out.update(self.facts.tags.get(i, ()))
        return out

    def owners(self, asset_id: uuid.UUID, inherit: bool) -> tuple[uuid.UUID, ...]:
        ids: Iterable[uuid.UUID] = self.chain(asset_id) if inherit else (asset_id,)
        for i in ids:
            found = self.facts.owners.get(i)
            if found:
                return found
        return ()

    def prop(self, asset_id: uuid.UUID, key: str, inherit: bool) -> tuple[bool, Any]:
        """(found, value) of ``key`` on the asset or, with ``inherit``, its nearest
        ancestor that sets it."""
        ids: Iterable[uuid.UUID] = self.chain(asset_id) if inherit else (asset_id,)
        assets = self.facts.assets
        for i in ids:
            props = assets[i].properties
            if key in props and props[key] is not None and props[key] != "":
                return True, props[key]
        return False, None

    def downstream(self, asset_id: uuid.UUID, max_depth: int) -> list[uuid.UUID]:
        """Assets reachable through lineage within ``max_depth`` hops (BFS order)."""
        seen = {asset_id}
        frontier = [asset_id]
        out: list[uuid.UUID] = []
        for _ in range(max_depth):
            nxt: list[uuid.UUID] = []
            for node in frontier:
                for target in self.downstream_of.get(node, ()):
                    if target not in seen:
                        seen.add(target)
                        out.append(target)
                        nxt.append(target)
            if not nxt:
                break
            frontier = nxt
        return out

    def source_name(self, asset_id: uuid.UUID) -> str | None:
        source = self.facts.assets[asset_id].source_id
        return None if source is None else self.facts.source_names.get(source)

    def is_container(self, asset_id: uuid.UUID) -> bool:
        return self.facts.assets[asset_id].kind in _CONTAINERS
