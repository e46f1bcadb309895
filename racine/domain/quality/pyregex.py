"""REGEX assertions evaluated in Python (SQLite has no regex operator).

Uses the ``regex`` package, whose matching accepts a ``timeout``: a pattern
that backtracks catastrophically (``(a+)+$`` on ``aaaa…b``) stops after its
budget and the assertion ends ERROR instead of pinning a worker. Meant for a
worker thread (``asyncio.to_thread``): it never touches the event loop.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import regex

from racine.domain.errors import ValidationFailed

__all__ = ["RegexTimeout", "SampleOutcome", "compile_pattern", "match_sample"]

PER_VALUE_S = 0.05
TOTAL_S = 2.0


class RegexTimeout(Exception):
    """The pattern ran out of time on some value (likely catastrophic backtracking)."""


@dataclass(frozen=True)
class SampleOutcome:
    total: int
    violations: int


def compile_pattern(pattern: str) -> regex.Pattern[str]:
    try:
        return regex.compile(pattern)
    except regex.error as exc:
        raise ValidationFailed(
            f"invalid regular expression: {exc}", field="params.pattern"
        ) from None


def match_sample(
    pattern: str,
    values: Iterable[object],
    *,
    per_value_s: float = PER_VALUE_S,
    total_s: float = TOTAL_S,
) -> SampleOutcome:
    """Count values that do not match ``pattern`` (searched, like ``~``/REGEXP)."""
    compiled = compile_pattern(pattern)
    deadline = time.monotonic() + total_s
    total = violations = 0
    for value in values:
        if value is None:
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RegexTimeout(f"matching took longer than {total_s:g}s in all")
        try:
            found = compiled.search(str(value), timeout=min(per_value_s, remaining))
        except TimeoutError:
            raise RegexTimeout(
                f"the pattern took longer than {per_value_s:g}s on one value "
                "(catastrophic backtracking?)"
            ) from None
        total += 1
        if found is None:
            violations += 1
    return SampleOutcome(total, violations)
