"""Rule tier: name patterns, value validators and thresholds, per type.

Two passes keep the cost bounded on wide scans: a *probe* over the first few
distinct values of every type (cheap, also an ML feature; a character-class
prefilter skips hopeless checks), then the count-weighted match ratio only for
types the probe or the name makes plausible. That pass exits early once the
failures already exceed what the threshold allows, or once at least 32 distinct
values pass clearly (10 points above the threshold): the ratio is then an
estimate from those values.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from operator import itemgetter, truediv

import regex

from racine.domain.classification.config import ClassifierConfig, CustomRule
from racine.domain.classification.prefilter import Signature, admits, signature
from racine.domain.classification.rules import (
    GENERIC_NEGATIVE,
    RULE_SPECS,
    RuleSpec,
    Strength,
)
from racine.domain.classification.sample import Sample
from racine.domain.classification.validators import (
    BATCH_CHECKS,
    EXTRA_CHECKS,
    UNPROBED_CHECKS,
    VALIDATORS,
    Validator,
)

__all__ = ["PROBE_KEYS", "RuleOutcome", "evaluate_custom", "evaluate_rules", "probe"]

PROBE_SIZE = 12
DECIDE_AFTER = 32
DECIDE_MARGIN = 0.1
PROBE_KEYS: tuple[str, ...] = (*VALIDATORS, *EXTRA_CHECKS)
_ALL_CHECKS: dict[str, Validator] = {**VALIDATORS, **EXTRA_CHECKS}


@dataclass(slots=True)
class RuleOutcome:
    """What the rule tier concluded for one type."""

    type_key: str
    confidence: float
    evidence: dict[str, object] = field(default_factory=dict)


def probe(sample: Sample) -> dict[str, float]:
    """Unweighted pass rate of every validator on the first distinct values.

    A check that passes none of the first four values scores 0. Values go to a
    check only when their character classes could pass it (``prefilter``).
    """
    head = [v for v, _ in sample.counts[:PROBE_SIZE]]
    if not head:
        return dict.fromkeys(PROBE_KEYS, 0.0)
    quick = min(4, len(head))
    hits = dict.fromkeys(PROBE_KEYS, 0)
    passing: set[Validator] = set()  # checks that passed a value of the first four
    for sig, values in _by_signature(head[:quick]).items():
        for keys, check in _admitted(sig):
            passed = sum(map(check, values)) if len(values) > 1 else 1 if check(values[0]) else 0
            if passed:
                passing.add(check)
                for key in keys:
                    hits[key] += passed
    # Only keys with a hit go on, and a key's hits come from its own check: a check
    # outside ``passing`` has none of them, and with ``passing`` empty nothing goes on.
    if len(head) > quick and passing:
        for sig, values in _by_signature(head[quick:]).items():
            for keys, check in _admitted(sig):
                if check not in passing:
                    continue
                live = [key for key in keys if hits[key]]
                if live:
                    passed = sum(map(check, values))
                    for key in live:
                        hits[key] += passed
    return dict(zip(hits, map(truediv, hits.values(), repeat(len(head))), strict=False))


def _by_signature(values: list[str]) -> dict[Signature, list[str]]:
    groups: dict[Signature, list[str]] = {}
    for v in values:
        groups.setdefault(signature(v), []).append(v)
    return groups


_ADMITTED: dict[Signature, tuple[tuple[tuple[str, ...], Validator], ...]] = {}


def _admitted(sig: Signature) -> tuple[tuple[tuple[str, ...], Validator], ...]:
    """The checks a value with this signature could pass (cached), grouped by validator:
    CITY, NATIONALITY and MEDICAL_CONDITION share one, as do FIRST_NAME and LAST_NAME."""
    found = _ADMITTED.get(sig)
    if found is None:
        if len(_ADMITTED) > 50_000:
            _ADMITTED.clear()
        by_check: dict[Validator, list[str]] = {}
        for key, check in _ALL_CHECKS.items():
            if admits(key, sig):
                by_check.setdefault(check, []).append(key)
        found = _ADMITTED[sig] = tuple((tuple(keys), check) for check, keys in by_check.items())
    return found


def weighted_ratio(
    sample: Sample, check: Callable[[str], bool], min_ratio: float, known_passing: int = 0
) -> float:
    """Share of non-null cells passing ``check``, count-weighted.

    Stops once ``min_ratio`` is out of reach, and once the verdict is clear: after
    ``DECIDE_AFTER`` distinct values (most frequent first) with a pass rate at least
    ``DECIDE_MARGIN`` above ``min_ratio``, the rate so far is the estimate (a column
    that really is of the type no longer pays the validator on every value).
    ``known_passing``: the first distinct values already known to pass (the probe's
    head when every one of them passed); they are counted, not checked again.
    """
    total = sample.non_null
    allowed = (1.0 - min_ratio) * total
    clear = min_ratio + DECIDE_MARGIN
    ok = sum(c for _, c in sample.counts[:known_passing])
    fail = 0
    rest = sample.counts[known_passing:]
    batch = BATCH_CHECKS.get(check)
    passes = _passes(check, batch, rest) if batch is not None else map(check, map(_first, rest))
    for seen, ((_, count), passed) in enumerate(zip(rest, passes, strict=True), known_passing + 1):
        if passed:
            ok += count
            if seen >= DECIDE_AFTER and ok >= clear * (ok + fail):
                return ok / (ok + fail)
        else:
            fail += count
            if fail > allowed:
                return ok / (ok + fail)
    return ok / total if total else 0.0


_first = itemgetter(0)
_BATCH = 64  # values per batch call: a column decided early wastes at most this many


def _passes(
    check: Validator, batch: Callable[[list[str]], list[bool] | None], counts: list[tuple[str, int]]
) -> Iterator[bool]:
    """``check`` of each value in order, ``batch`` by slices where it applies."""
    for lo in range(0, len(counts), _BATCH):
        values = list(map(_first, counts[lo : lo + _BATCH]))
        flags = batch(values)
        yield from map(check, values) if flags is None else flags


def _common_prefix_share(values: list[str], width: int) -> float:
    if not values:
        return 0.0
    prefixes: dict[str, int] = {}
    for v in values:
        digits = "".join(filter(str.isdigit, v))[:width]
        prefixes[digits] = prefixes.get(digits, 0) + 1
    return max(prefixes.values()) / len(values)


def _rule_confidence(spec: RuleSpec, ratio: float, min_ratio: float, named: bool) -> float:
    q = (ratio - min_ratio) / (1.0 - min_ratio) if min_ratio < 1 else 1.0
    if spec.strength is Strength.STRONG:
        return 0.95 + 0.04 * q if named else 0.86 + 0.08 * q
    if spec.strength is Strength.MEDIUM:
        return 0.92 + 0.06 * q if named else 0.62 + 0.15 * q
    return 0.88 + 0.08 * q if named else 0.0


@lru_cache(maxsize=4096)
def name_context(name: str) -> tuple[tuple[str, RuleSpec, bool, bool], ...]:
    """(key, spec, named, negative) for the built-in types a normalised name leaves in
    play, in ``RULE_SPECS`` order: a WEAK type needs its name, so it is left out without.

    Cached: a scan meets the same column names (``id``, ``email``, ``created_at``) in
    table after table, and these are ~90 regex searches.
    """
    generic_negative = bool(GENERIC_NEGATIVE.search(name))
    out: list[tuple[str, RuleSpec, bool, bool]] = []
    for key, spec in RULE_SPECS.items():
        named = bool(spec.name and spec.name.search(name))
        negative = generic_negative or bool(spec.negative and spec.negative.search(name))
        named = named and not negative
        if spec.strength is Strength.WEAK and not named:
            continue
        out.append((key, spec, named, negative))
    return tuple(out)


def evaluate_rules(
    name: str, sample: Sample, rates: dict[str, float], config: ClassifierConfig
) -> list[RuleOutcome]:
    """Built-in rules for every enabled type; returns only the rules that fired."""
    outcomes: list[RuleOutcome] = []
    min_ratio = config.min_match_ratio
    distinct = sample.distinct
    # The filters below are independent; the probe-rate one, which turns most types
    # away, comes first.
    for key, spec, named, negative in name_context(name):
        check_key = key if named or not spec.unnamed_check else spec.unnamed_check
        check = _ALL_CHECKS.get(check_key)
        probed = check is not None
        if check is None:  # a stricter check the probe does not run: the type's rate admits
            check = UNPROBED_CHECKS[check_key]
        rate = rates.get(check_key if probed else key, 0.0)
        if rate < 0.5 and not named:
            continue
        if not config.is_enabled(key):
            continue
        floor = spec.min_distinct or config.min_distinct
        if distinct < min(floor, config.min_distinct):
            continue
        # A probe rate of 1.0 means every head value passed: no need to check them again.
        known = min(PROBE_SIZE, distinct) if rate == 1.0 and probed else 0
        ratio = weighted_ratio(sample, check, min_ratio, known)
        if ratio < min_ratio:
            continue
        if negative and (
            key == "CREDIT_CARD" or spec.strength is not Strength.STRONG or ratio < 0.95
        ):
            continue
        if (
            key == "CREDIT_CARD"
            and _common_prefix_share([v for v, _ in sample.counts[:64]], 10) >= 0.5
        ):
            continue  # sequential identifiers sharing a long prefix are not PANs
        confidence = 0.55 if negative else _rule_confidence(spec, ratio, min_ratio, named)
        if confidence <= 0:
            continue
        fired = [f"value:{key.lower()}"] + ([f"name:{key.lower()}"] if named else [])
        outcomes.append(
            RuleOutcome(
                key,
                confidence,
                {
                    "rules": fired,
                    "strength": spec.strength.value,
                    "match_ratio": round(ratio, 4),
                    "name_context": "negative" if negative else ("match" if named else "none"),
                },
            )
        )
    return outcomes


def _safe(pattern: regex.Pattern[str], timeout: float) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        try:
            return pattern.fullmatch(value, timeout=timeout) is not None
        except TimeoutError:
            return False

    return check


def _in_dictionary(words: frozenset[str], case_sensitive: bool) -> Callable[[str], bool]:
    if case_sensitive:
        return words.__contains__
    lowered = frozenset(w.lower() for w in words)
    return lambda v: v.lower() in lowered


def evaluate_custom(
    name: str,
    sample: Sample,
    rules: tuple[CustomRule, ...],
    config: ClassifierConfig,
    budget_seconds: float = 0.5,
) -> list[RuleOutcome]:
    """User rules; regexes run under a per-value timeout and a per-column budget."""
    outcomes: list[RuleOutcome] = []
    deadline = time.monotonic() + budget_seconds
    for index, rule in enumerate(rules):
        if not config.is_enabled(rule.type_key):
            continue
        flags = 0 if rule.case_sensitive else regex.IGNORECASE
        named = False
        if rule.name_pattern:
            try:
                named = (
                    regex.search(
                        rule.name_pattern, name.strip("_"), flags, timeout=config.regex_timeout
                    )
                    is not None
                )
            except TimeoutError:
                named = False
            if not named:
                continue
        checks: list[Callable[[str], bool]] = []
        if rule.value_pattern:
            checks.append(_safe(regex.compile(rule.value_pattern, flags), config.regex_timeout))
        if rule.dictionary:
            checks.append(_in_dictionary(rule.dictionary, rule.case_sensitive))
        evidence: dict[str, object] = {"rules": [f"custom:{index}"]}
        if checks:
            if sample.distinct < config.min_distinct:
                continue
            timed_out = False

            def check(v: str, cs: list[Callable[[str], bool]] = checks) -> bool:
                nonlocal timed_out
                if time.monotonic() > deadline:
                    timed_out = True
                    return False
                return all(c(v) for c in cs)

            min_ratio = rule.min_match_ratio or config.min_match_ratio
            ratio = weighted_ratio(sample, check, min_ratio)
            evidence["match_ratio"] = round(ratio, 4)
            if timed_out:
                evidence["note"] = "time budget exhausted"
            if ratio < min_ratio:
                continue
        outcomes.append(RuleOutcome(rule.type_key, rule.confidence, evidence))
    return outcomes
