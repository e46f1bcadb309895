"""A column's profile as typed fields: what its sampled values look like.

Values (min, max, mean, quantiles, histogram edges, top values) are text in the
column's ``kind``, as DataHub's field profiles give them: one field type for
numbers, dates and strings, and a client reads ``kind`` to parse them. A stored
profile is a versioned JSON document (``racine.domain.catalog.profiling``); a
key it lacks (a profile stored before the key existed) reads as null or empty.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Self

import strawberry

__all__ = ["ColumnProfile", "ProfileHistogramBin", "ProfileTopValue", "ValueKind"]


@strawberry.enum(description="What a column's values are, as the profiler sorts them.")
class ValueKind(Enum):
    NUMBER = strawberry.enum_value("NUMBER", description="Integers, decimals and floats.")
    BOOLEAN = strawberry.enum_value("BOOLEAN", description="True or false.")
    STRING = strawberry.enum_value("STRING", description="Text.")
    BYTES = strawberry.enum_value("BYTES", description="Binary values (shown as hex).")
    DATE = strawberry.enum_value("DATE", description="Calendar dates.")
    DATETIME = strawberry.enum_value("DATETIME", description="Timestamps (naive ones read as UTC).")
    TIME = strawberry.enum_value(
        "TIME", description="Times of day (in UTC when the sample holds several zones)."
    )
    OTHER = strawberry.enum_value("OTHER", description="Anything else (arrays, JSON, …).")
    EMPTY = strawberry.enum_value("EMPTY", description="No non-null value was sampled.")


@strawberry.type(description="How many sampled values are of one kind.")
class ProfileKindCount:
    kind: ValueKind = strawberry.field(description="The kind.")
    count: int = strawberry.field(description="Non-null sampled values of that kind.")


@strawberry.type(description="Sampled values in `[lower, upper)` (the last bin includes `upper`).")
class ProfileHistogramBin:
    lower: str = strawberry.field(description="Lower edge, in the column's kind.")
    upper: str = strawberry.field(description="Upper edge, in the column's kind.")
    count: int = strawberry.field(description="Sampled values in the bin.")


@strawberry.type(description="A frequent value and how often it was sampled.")
class ProfileTopValue:
    value: str = strawberry.field(
        description="The value as text (cut to 200 characters; bytes as hex; masked, e.g. "
        "`****1234`, for a sensitive column)."
    )
    count: int = strawberry.field(description="Sampled rows holding it.")


@strawberry.type(
    description="Statistics of a column's sampled rows at its last scan. Ratios are over "
    "`sampledRows` (nulls) or over the non-null values (distinct). The shape statistics "
    "(min, max, mean, std, quantiles, histogram, lengths) describe the values of the "
    "dominant `kind` only. A sensitive column (CONFIDENTIAL or above, or a CONFIRMED "
    "label) shows no raw value: `sensitive` or `masked` is true, top values, min and max "
    "are masked or null, quantiles and histogram are empty."
)
class ColumnProfile:
    sampled_rows: int = strawberry.field(
        description="Rows the profile was computed on (the rule set's sample size, or "
        "fewer for a smaller table)."
    )
    null_count: int = strawberry.field(description="Sampled rows where the column is null.")
    null_ratio: float = strawberry.field(description="`nullCount / sampledRows`, 0-1.")
    distinct_count: int = strawberry.field(description="Distinct non-null sampled values.")
    distinct_ratio: float = strawberry.field(
        description="`distinctCount` over the non-null sampled values, 0-1."
    )
    kind: ValueKind = strawberry.field(description="The dominant kind of the values.")
    kind_counts: list[ProfileKindCount] = strawberry.field(
        description="Non-null sampled values per kind (more than one for a mixed column)."
    )
    sensitive: bool = strawberry.field(
        description="Profiled as sensitive (a scan's classification found personal or "
        "secret data): no raw value was stored."
    )
    masked: bool = strawberry.field(
        description="Raw values stored at the scan are masked here, because the column is "
        "sensitive now (a label confirmed or raised since)."
    )
    min: str | None = strawberry.field(description="Smallest value, in the column's kind.")
    max: str | None = strawberry.field(description="Largest value, in the column's kind.")
    mean: str | None = strawberry.field(
        description="Mean of numbers, dates, timestamps or times, in the column's kind (null for a "
        "sensitive column of fewer than 5 distinct values)."
    )
    std: float | None = strawberry.field(
        description="Standard deviation, in the column's unit: seconds for dates, timestamps "
        "and times."
    )
    p25: str | None = strawberry.field(description="First quartile, in the column's kind.")
    median: str | None = strawberry.field(description="Median, in the column's kind.")
    p75: str | None = strawberry.field(description="Third quartile, in the column's kind.")
    nan_count: int = strawberry.field(
        description="Numeric values that are NaN (left out of the numeric statistics)."
    )
    infinite_count: int = strawberry.field(
        description="Numeric values that are infinite (left out of the numeric statistics)."
    )
    histogram: list[ProfileHistogramBin] = strawberry.field(
        description="Up to 20 equal-width bins of numbers, dates, timestamps or times."
    )
    length_min: int | None = strawberry.field(
        description="Shortest text (characters) or binary value (bytes)."
    )
    length_mean: float | None = strawberry.field(description="Mean length, as `lengthMin`.")
    length_max: int | None = strawberry.field(description="Longest length, as `lengthMin`.")
    top_values: list[ProfileTopValue] = strawberry.field(
        description="Up to 10 most frequent values, most frequent first."
    )

    @classmethod
    def from_domain(cls, data: dict[str, Any]) -> Self:
        """From a stored (and, for a sensitive column, masked) profile document."""
        return cls(
            sampled_rows=int(data.get("count", 0)),
            null_count=int(data.get("null_count", 0)),
            null_ratio=float(data.get("null_ratio", 0.0)),
            distinct_count=int(data.get("distinct_count", 0)),
            distinct_ratio=float(data.get("distinct_ratio", 0.0)),
            kind=_kind(data.get("kind")),
            kind_counts=[
                ProfileKindCount(kind=_kind(k), count=int(n))
                for k, n in (data.get("kind_counts") or {}).items()
            ],
            sensitive=bool(data.get("sensitive", False)),
            masked=bool(data.get("masked", False)),
            min=_text(data.get("min")),
            max=_text(data.get("max")),
            mean=_text(data.get("mean")),
            std=data.get("std"),
            p25=_text(data.get("p25")),
            median=_text(data.get("p50")),
            p75=_text(data.get("p75")),
            nan_count=int(data.get("nan_count", 0)),
            infinite_count=int(data.get("infinite_count", 0)),
            histogram=[
                ProfileHistogramBin(
                    lower=_text(b["lower"]) or "", upper=_text(b["upper"]) or "", count=b["count"]
                )
                for b in data.get("histogram") or ()
            ],
            length_min=data.get("length_min"),
            length_mean=data.get("length_mean"),
            length_max=data.get("length_max"),
            top_values=[
                ProfileTopValue(value=_text(t["value"]) or "", count=t["count"])
                for t in data.get("top_values") or ()
            ],
        )


def _kind(value: object) -> ValueKind:
    try:
        return ValueKind(value)
    except ValueError:
        return ValueKind.OTHER


def _text(value: object) -> str | None:
    """A profile value as text: JSON's spelling for booleans, the shortest exact text
    for numbers."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)
