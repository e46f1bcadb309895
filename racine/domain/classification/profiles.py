"""Masking of column profiles: no raw value of a sensitive column leaves the API.

A column needs masking when its live labels make it CONFIDENTIAL or above, or
when a label is CONFIRMED at INTERNAL or above (a steward said so). Its profile
then shows top values, min and max through ``mask_value`` of the most sensitive
label's type (``****1234`` for cards, ``****@example.com`` for emails) and loses
quantiles and the histogram, whose edges are raw values. Counts, ratios, mean,
spread and lengths stay: they describe the column, not a person, unless it has
fewer than ``MIN_DISTINCT_FOR_MOMENTS`` distinct values (the mean of one value is
that value; two are the mean plus and minus the spread), which lose mean and spread.

A profile masked once carries ``masked: true`` and is returned as it is (masking
``****1234`` again would hide the tail a steward needs to recognise a record),
but for the mean and spread of few values, dropped from it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from racine.domain.catalog.model import ColumnClassification
from racine.domain.catalog.profiling import MIN_DISTINCT_FOR_MOMENTS
from racine.domain.classification.masking import mask_value
from racine.domain.classification.types import BUILTIN_TYPES, Sensitivity

__all__ = ["mask_profile", "masking_type"]

_RAW_SHAPE = ("p25", "p50", "p75")


def _level(type_key: str, overrides: Mapping[str, Sensitivity]) -> Sensitivity:
    if type_key in overrides:
        return overrides[type_key]
    known = BUILTIN_TYPES.get(type_key)
    return known.sensitivity if known else Sensitivity.CONFIDENTIAL


def masking_type(
    rows: Iterable[ColumnClassification], overrides: Mapping[str, Sensitivity]
) -> str | None:
    """The type key to mask a column's values with, or None if they may be shown."""
    candidates: list[tuple[int, int, float, str]] = []
    for row in rows:
        if row.state == "REJECTED":
            continue
        level = _level(row.type_key, overrides)
        confirmed = row.state == "CONFIRMED"
        if level >= Sensitivity.CONFIDENTIAL or (confirmed and level >= Sensitivity.INTERNAL):
            candidates.append((int(level), int(confirmed), row.confidence, row.type_key))
    return max(candidates)[3] if candidates else None


def mask_profile(profile: Mapping[str, Any], type_key: str) -> dict[str, Any]:
    """A copy of ``profile`` (``ColumnProfile.to_json()`` shape) with no raw value."""
    out = dict(profile)
    if (out.get("distinct_count") or 0) < MIN_DISTINCT_FOR_MOMENTS:
        out["mean"] = out["std"] = None  # they would give the few values away
    if profile.get("masked"):
        return out
    out["top_values"] = [
        {"value": mask_value(t.get("value"), type_key), "count": t.get("count")}
        for t in profile.get("top_values") or []
        if isinstance(t, Mapping)
    ]
    for name in ("min", "max"):
        if out.get(name) is not None:
            out[name] = mask_value(out[name], type_key)
    for name in _RAW_SHAPE:
        out.pop(name, None)
    out["histogram"] = []
    out["sensitive"] = True
    out["masked"] = True
    return out
