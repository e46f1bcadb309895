"""Run checks over a facts snapshot: pure, synchronous, no I/O.

Every (check, asset in scope) pair is one evaluation; a pair for which some
condition fails is a :class:`Violation` whose evidence says which conditions
failed and what the asset looked like. Tallies of evaluations per control and
per data source feed the scores.

Conditions are compiled once per evaluation into plain functions of an asset
id, one per distinct condition (packs repeat the same ones: an owner, a
retention period), each remembering its answer per asset; evidence is written
as canonical JSON from pieces made once per asset and per check.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from racine.domain.classification.types import Sensitivity
from racine.domain.compliance.facts import FactIndex
from racine.domain.compliance.model import json_string as _string
from racine.domain.compliance.model import json_text
from racine.domain.compliance.rules import (
    AllOf,
    AnyOf,
    Check,
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
    RulePack,
    Scope,
    SensitivityAtLeast,
    Severity,
)

__all__ = ["Evaluation", "Tally", "Violation", "evaluate", "iter_evaluate", "select"]

_MAX_LISTED = 5
_SENSITIVITY_NAMES = {int(s): s.name for s in Sensitivity}  # enum attributes are slow


class Violation(NamedTuple):
    """``fingerprint``, ``evidence_json`` (canonical JSON) and ``digest`` are
    computed here so reconciling and writing need not; ``evidence`` is decoded
    from the JSON when asked for. (A named tuple: made 22,566 times in a first
    evaluation of the benchmark's catalog, four times faster than a frozen
    dataclass.)"""

    framework: str
    control_id: str
    check_id: str
    asset_id: uuid.UUID
    severity: Severity
    fingerprint: str
    evidence_json: str
    digest: str

    @property
    def evidence(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.evidence_json)
        return loaded


@dataclass
class Tally:
    """How many (check, asset) pairs a control evaluated, in all and per source
    (``None``: assets outside any source)."""

    evaluated: int = 0
    by_source: Counter[uuid.UUID | None] = field(default_factory=Counter)


@dataclass
class Evaluation:
    violations: list[Violation] = field(default_factory=list)
    tallies: dict[tuple[str, str], Tally] = field(default_factory=dict)


def select(
    index: FactIndex, scope: Scope, source_ids: frozenset[uuid.UUID] | None = None
) -> list[uuid.UUID]:
    """Asset ids in ``scope`` (and, if given, in one of ``source_ids``)."""
    if scope.classification_types:
        pool: Iterable[uuid.UUID] = set().union(
            *(index.by_type.get(t, set()) for t in scope.classification_types)
        )
    elif scope.classification_categories:
        pool = set().union(
            *(index.by_category.get(c, set()) for c in scope.classification_categories)
        )
    elif scope.kinds:
        pool = [i for k in scope.kinds for i in index.by_kind.get(k, ())]
    else:
        pool = index.facts.assets.keys()
    assets = index.facts.assets
    kinds = set(scope.kinds)
    categories = set(scope.classification_categories)
    names = set(scope.sources)
    tags = set(scope.tags)
    minimum = None if scope.min_sensitivity is None else int(Sensitivity[scope.min_sensitivity])
    out = []
    for asset_id in pool:
        a = assets[asset_id]
        if source_ids is not None and a.source_id not in source_ids:
            continue
        if kinds and a.kind not in kinds:
            continue
        if (
            categories
            and scope.classification_types
            and not (categories & index.categories(asset_id))
        ):
            continue
        if names and index.source_name(asset_id) not in names:
            continue
        if tags and not (tags & index.tags(asset_id, inherit=False)):
            continue
        if minimum is not None:
            level = index.sensitivity(asset_id)
            if level is None or level < minimum:
                continue
        out.append(asset_id)
    return out


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


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
    each once (see ``_Evidence.failed``). Keys hold the values' types: ``1`` and
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


class _Compiler:
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
                    "actual": None if level is None else _SENSITIVITY_NAMES[level],
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
            when = _as_datetime(value) if found else None
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


_BUILD: dict[type, Callable[[_Compiler, Any], Judge]] = {
    HasClassification: _Compiler._classification,
    SensitivityAtLeast: _Compiler._sensitivity,
    HasTag: _Compiler._tag,
    HasOwner: _Compiler._owner,
    PropertyPresent: _Compiler._present,
    PropertyEquals: _Compiler._equals,
    PropertyIn: _Compiler._in,
    PropertyAgeAtMost: _Compiler._age,
    DownstreamAll: _Compiler._downstream,
    AllOf: _Compiler._all,
    AnyOf: _Compiler._any,
    Not: _Compiler._not,
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


class _Evidence:
    """Writes a violation's evidence as canonical JSON without building it as a
    dictionary first: sorted keys ``asset``, ``check``, ``description``,
    ``failed``, ``kind``, ``labels``, ``sensitivity``, ``source``, ``tags`` —
    the asset's pieces are encoded once per asset, the check's once per check
    (``tests/unit/compliance`` holds it to ``evidence_text`` of the dictionary)."""

    def __init__(self, index: FactIndex) -> None:
        self.index = index
        self.parts: dict[uuid.UUID, tuple[str, str, bytes]] = {}
        # A judge remembers its answers, so one failure (a dictionary) stands in
        # many violations: each is encoded once. Keyed by identity, kept alive by
        # the judges' memory for as long as this object lives.
        self.encoded: dict[int, str] = {}

    def failed(self, failures: list[dict[str, Any]]) -> str:
        encoded = self.encoded
        texts = []
        for w in failures:
            text = encoded.get(id(w))
            if text is None:
                text = encoded[id(w)] = json_text(w)
            texts.append(text)
        return "[" + ",".join(texts) + "]"

    def asset(self, asset_id: uuid.UUID) -> tuple[str, str, bytes]:
        """(text before the check's keys, text after ``failed``, the id for the
        fingerprint)."""
        found = self.parts.get(asset_id)
        if found is None:
            ix = self.index
            a = ix.facts.assets[asset_id]
            level = ix.sensitivity(asset_id)
            source = ix.source_name(asset_id)
            head = '{"asset":' + _string(a.qualified_name)
            tail = "".join(
                (
                    ',"kind":',
                    _string(a.kind),
                    ',"labels":[',
                    ",".join(map(_string, sorted(ix.labels.get(asset_id, ())))),
                    '],"sensitivity":',
                    "null" if level is None else _string(_SENSITIVITY_NAMES[level]),
                    ',"source":',
                    "null" if source is None else _string(source),
                    ',"tags":[',
                    ",".join(map(_string, sorted(ix.facts.tags.get(asset_id, ())))),
                    "]}",
                )
            )
            found = self.parts[asset_id] = (head, tail, str(asset_id).encode())
        return found

    @staticmethod
    def check(check: Check) -> str:
        return (
            ',"check":'
            + json_text(check.id)
            + ',"description":'
            + json_text(check.description)
            + ',"failed":'
        )


def evaluate(
    index: FactIndex,
    packs: Sequence[RulePack],
    *,
    now: datetime | None = None,
    source_ids: frozenset[uuid.UUID] | None = None,
) -> Evaluation:
    """Evaluate every check of ``packs`` over ``index`` (optionally limited to assets
    of ``source_ids``)."""
    result = Evaluation()
    for part in iter_evaluate(index, packs, now=now, source_ids=source_ids):
        result.tallies.update(part.tallies)
        result.violations.extend(part.violations)
    return result


def iter_evaluate(
    index: FactIndex,
    packs: Sequence[RulePack],
    *,
    now: datetime | None = None,
    source_ids: frozenset[uuid.UUID] | None = None,
) -> Iterator[Evaluation]:
    """``evaluate`` one control at a time, as the caller consumes: a caller can
    write one control's findings while the next is evaluated."""
    compile_ = _Compiler(index, now or index.facts.taken_at)
    evidence = _Evidence(index)
    assets = index.facts.assets
    blake2b = hashlib.blake2b
    # Packs share scopes (21 checks of the five shipped packs have 9 distinct ones):
    # each is selected, and counted per source, once.
    selected: dict[str, tuple[list[uuid.UUID], Counter[uuid.UUID | None]]] = {}
    for pack in packs:
        framework = pack.framework
        for control in pack.controls:
            tally = Tally()
            violations: list[Violation] = []
            severity = control.severity
            level = f"{severity}\x1f"  # a StrEnum member is its own string
            for check in control.checks:
                key = repr(check.scope)
                if key not in selected:
                    ids = select(index, check.scope, source_ids)
                    selected[key] = (ids, Counter([assets[i].source_id for i in ids]))
                ids, by_source = selected[key]
                tally.evaluated += len(ids)
                tally.by_source.update(by_source)
                judges = [compile_(c) for c in check.conditions]
                middle = evidence.check(check)
                fingerprint = f"{framework}\x1f{control.id}\x1f{check.id}\x1f".encode()
                for asset_id in ids:
                    failed = [w for judge in judges if (w := judge(asset_id)) is not None]
                    if not failed:
                        continue
                    head, tail, ident = evidence.asset(asset_id)
                    text = head + middle + evidence.failed(failed) + tail
                    violations.append(
                        Violation(
                            framework,
                            control.id,
                            check.id,
                            asset_id,
                            severity,
                            blake2b(fingerprint + ident, digest_size=16).hexdigest(),
                            text,
                            blake2b((level + text).encode(), digest_size=16).hexdigest(),
                        )
                    )
            yield Evaluation(violations, {(framework, control.id): tally})
