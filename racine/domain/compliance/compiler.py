"""Compile compliance conditions into judges: plain functions of an asset id.

One judge per distinct condition (packs repeat the same ones: an owner, a
retention period), each remembering its answer per asset; a judge returns
``None`` when its condition holds, else a failure dictionary for the evidence.
Failures that are alike are one shared dictionary (see ``_Shared``). Used by
:mod:`racine.domain.compliance.evaluate`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from racine.domain.classification.types import Sensitivity
from racine.domain.compliance.facts import FactIndex
from racine.domain.compliance.rules import (
    AllOf,
    AnyOf,
    Condition,
    DownstreamAll,
    HasClassification,
    HasOwner,
    HasTag,
    Not,
    PropertyAgeAtMost,
    PropertyEquals,
    PropertyIn,
    PropertyPresent,
    SensitivityAtLeast,
)
from racine.domain.moments import as_utc

__all__ = ["SENSITIVITY_NAMES", "Compiler", "Judge"]


_MAX_LISTED = 5
SENSITIVITY_NAMES = {int(s): s.name for s in Sensitivity}  # enum attributes are slow


def _same(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool) or isinstance(value, bool):
        if isinstance(value, str):
            return value.strip().lower() == str(wanted).lower()
        return value is wanted
    if isinstance(value, str) and isinstance(wanted, str):
        return value.strip().lower() == wanted.strip().lower()
    return bool(value == wanted)


Judge = Callable[[uuid.UUID], dict[str, Any] | None]
"""A compiled condition: None when it holds for the asset, else why it fails."""

_MISSING: Any = object()
_NO_LABELS: frozenset[str] = frozenset()
_SCALARS = (str, int, float, bool, type(None))


class _Shared:
    """One failure dictionary per distinct failure of a judge (most are alike:
    the same missing tag, the same labels, the same value), so evidence encodes
    each once (see ``evaluate._Evidence.failed``). Keys hold the values' types: ``1`` and
    ``True`` are equal keys but not the same JSON."""

    def __init__(self) -> None:
        self.failures: dict[Any, dict[str, Any]] = {}

    def __call__(self, key: Any, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        found = self.failures.get(key)
        if found is None:
            found = self.failures[key] = make()
        return found

    def value(self, value: Any, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Shared by (type, value) for scalar values; lists are made each time."""
        if type(value) in _SCALARS:
            return self((type(value), value), make)
        return make()


class Compiler:
    """Compiles conditions into judges, one per distinct condition (by value),
    each remembering its answer per asset: checks of several packs ask the same
    question of the same asset, and lineage asks it of the same downstream assets."""

    def __init__(self, index: FactIndex, now: datetime) -> None:
        self.index = index
        self.now = now
        self.judges: dict[str, Judge] = {}

    def __call__(self, cond: Condition) -> Judge:
        key = repr(cond)
        judge = self.judges.get(key)
        if judge is None:
            try:
                build = _BUILD[type(cond)]
            except KeyError:  # pragma: no cover
                raise TypeError(f"unknown condition {cond!r}") from None
            judge = self.judges[key] = _remembering(build(self, cond))
        return judge

    def _classification(self, cond: HasClassification) -> Judge:
        ix, op = self.index, cond.op
        labels = ix.labels
        types, categories = frozenset(cond.types), frozenset(cond.categories)
        wanted = [*cond.types, *cond.categories]
        any_label = not types and not categories

        shared = _Shared()

        def judge(a: uuid.UUID) -> dict[str, Any] | None:
            held = labels.get(a, _NO_LABELS)
            if any_label:
                ok = bool(held)
            else:
                ok = not held.isdisjoint(types) or not ix.categories(a).isdisjoint(categories)
            if ok:
                return None
            names = sorted(held)
            return shared(tuple(names), lambda: {"op": op, "labels": names, "wanted": wanted})

        return judge

    def _sensitivity(self, cond: SensitivityAtLeast) -> Judge:
        sensitivity, op, name = self.index.sensitivity, cond.op, cond.level
        required = int(Sensitivity[cond.level])

        shared = _Shared()

        def judge(a: uuid.UUID) -> dict[str, Any] | None:
            level = sensitivity(a)
            if level is not None and level >= required:
                return None
            return shared(
                level,
                lambda: {
                    "op": op,
                    "required": name,
                    "actual": None if level is None else SENSITIVITY_NAMES[level],
                },
            )

        return judge

    def _tag(self, cond: HasTag) -> Judge:
        ix, op, inherit = self.index, cond.op, cond.inherit
        any_of, wanted = frozenset(cond.any_of), list(cond.any_of)

        shared = _Shared()

        def judge(a: uuid.UUID) -> dict[str, Any] | None:
            tags = ix.tags(a, inherit)
            if not tags.isdisjoint(any_of):
                return None
            return shared(
                frozenset(tags), lambda: {"op": op, "wanted": wanted, "tags": sorted(tags)}
            )

        return judge

    def _owner(self, cond: HasOwner) -> Judge:
        owners, inherit = self.index.owners, cond.inherit
        failure = {"op": cond.op, "owners": []}
        return lambda a: None if owners(a, inherit) else failure

    def _present(self, cond: PropertyPresent) -> Judge:
        prop, key, inherit = self.index.prop, cond.key, cond.inherit
        failure = {"op": cond.op, "key": key, "value": None}
        return lambda a: None if prop(a, key, inherit)[0] else failure

    def _equals(self, cond: PropertyEquals) -> Judge:
        prop, key, inherit = self.index.prop, cond.key, cond.inherit
        op, expected = cond.op, cond.value

        shared = _Shared()

        def judge(a: uuid.UUID) -> dict[str, Any] | None:
            found, value = prop(a, key, inherit)
            if found and _same(value, expected):
                return None
            return shared.value(
                value, lambda: {"op": op, "key": key, "expected": expected, "value": value}
            )

        return judge

    def _in(self, cond: PropertyIn) -> Judge:
        prop, key, inherit = self.index.prop, cond.key, cond.inherit
        op, allowed = cond.op, cond.values

        shared = _Shared()

        def judge(a: uuid.UUID) -> dict[str, Any] | None:
            found, value = prop(a, key, inherit)
            items = value if isinstance(value, list) else [value]
            if found and items and all(any(_same(v, w) for w in allowed) for v in items):
                return None
            return shared.value(
                value, lambda: {"op": op, "key": key, "allowed": list(allowed), "value": value}
            )

        return judge

    def _age(self, cond: PropertyAgeAtMost) -> Judge:
        prop, key, inherit, op, days = self.index.prop, cond.key, cond.inherit, cond.op, cond.days
        now = self.now

        shared = _Shared()  # the same value has the same age (one ``now``)

        def judge(a: uuid.UUID) -> dict[str, Any] | None:
            found, value = prop(a, key, inherit)
            when = as_utc(value) if found else None
            age = None if when is None else (now - when).total_seconds() / 86400
            if age is not None and age <= days:
                return None
            return shared.value(
                value,
                lambda: {
                    "op": op,
                    "key": key,
                    "maxDays": days,
                    "value": value,
                    "ageDays": None if age is None else round(age, 1),
                },
            )

        return judge

    def _downstream(self, cond: DownstreamAll) -> Judge:
        ix, op, depth = self.index, cond.op, cond.max_depth
        inner = self(cond.condition)
        assets = ix.facts.assets

        def judge(a: uuid.UUID) -> dict[str, Any] | None:
            bad = [d for d in ix.downstream(a, depth) if inner(d) is not None]
            if not bad:
                return None
            return {
                "op": op,
                "count": len(bad),
                "assets": [assets[d].qualified_name for d in bad[:_MAX_LISTED]],
                "failed": inner(bad[0]),
            }

        return judge

    def _all(self, cond: AllOf) -> Judge:
        op, parts = cond.op, [self(c) for c in cond.conditions]

        shared = _Shared()  # parts' failures are shared: keyed by their identities

        def judge(a: uuid.UUID) -> dict[str, Any] | None:
            failed = [w for part in parts if (w := part(a)) is not None]
            if not failed:
                return None
            return shared(tuple(map(id, failed)), lambda: {"op": op, "failed": failed})

        return judge

    def _any(self, cond: AnyOf) -> Judge:
        op, parts = cond.op, [self(c) for c in cond.conditions]

        shared = _Shared()  # parts' failures are shared: keyed by their identities

        def judge(a: uuid.UUID) -> dict[str, Any] | None:
            failed = []
            for part in parts:
                w = part(a)
                if w is None:
                    return None
                failed.append(w)
            return shared(tuple(map(id, failed)), lambda: {"op": op, "failed": failed})

        return judge

    def _not(self, cond: Not) -> Judge:
        inner, failure = self(cond.condition), {"op": cond.op, "matched": cond.condition.op}
        return lambda a: failure if inner(a) is None else None


_BUILD: dict[type, Callable[[Compiler, Any], Judge]] = {
    HasClassification: Compiler._classification,
    SensitivityAtLeast: Compiler._sensitivity,
    HasTag: Compiler._tag,
    HasOwner: Compiler._owner,
    PropertyPresent: Compiler._present,
    PropertyEquals: Compiler._equals,
    PropertyIn: Compiler._in,
    PropertyAgeAtMost: Compiler._age,
    DownstreamAll: Compiler._downstream,
    AllOf: Compiler._all,
    AnyOf: Compiler._any,
    Not: Compiler._not,
}


def _remembering(judge: Judge) -> Judge:
    answers: dict[uuid.UUID, dict[str, Any] | None] = {}
    get = answers.get

    def remembered(a: uuid.UUID) -> dict[str, Any] | None:
        found = get(a, _MISSING)
        if found is _MISSING:
            found = answers[a] = judge(a)
        return found

    return remembered
