"""Column profiles: what a column's sampled values look like, in numbers.

``profile_column`` is CPU work over plain data (a few thousand sampled cells),
so callers run it in a process pool: it is a module-level function taking and
returning picklable values, with no I/O and no shared state.

Values are sorted into kinds (number, date, datetime, time of day, string, bytes,
boolean, other). Null, distinct and top-value counts cover every non-null value;
the shape statistics describe the dominant kind only, so a mostly-numeric column
with a few stray strings still gets a mean. Dates and datetimes are measured as
epoch seconds, times of day as seconds since midnight, and reported back as ISO
text; naive datetimes are read as UTC (``temporal``).

A ``sensitive`` column (a classification flagged personal data) keeps no raw
value: whatever its kind it loses top values, min, max, quantiles and the
histogram (whose edges are the min and max, and a quantile of a few values is
one of them), keeping counts, mean, spread and lengths. A card number stored as
a bigint is still a card number. Of fewer than ``MIN_DISTINCT_FOR_MOMENTS``
distinct values it loses mean and spread too: the mean of one value is that
value, and two values are the mean plus and minus the spread.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import numbers
import operator
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from decimal import Decimal
from typing import Any

import numpy as np

from racine.domain.catalog.distribution import (
    MAX_BINS,
    HistogramBin,
    finite_or_none,
    mean_and_std,
    shape,
    sorted_or_none,
)
from racine.domain.catalog.temporal import temporal_stats

__all__ = [
    "MAX_BINS",
    "MAX_TOP_VALUES",
    "MIN_DISTINCT_FOR_MOMENTS",
    "ColumnProfile",
    "HistogramBin",
    "TopValue",
    "ValueKind",
    "profile_column",
]

MAX_TOP_VALUES = 10
# A sensitive column of fewer distinct values keeps no mean or spread (see above).
MIN_DISTINCT_FOR_MOMENTS = 5
_PREVIEW_CHARS = 200  # raw values kept in a profile (top values, min/max) are cut to this
_FORMAT_VERSION = 1


class ValueKind:
    """Kinds of values, as strings so a profile stays plain JSON."""

    NUMBER = "NUMBER"
    BOOLEAN = "BOOLEAN"
    STRING = "STRING"
    BYTES = "BYTES"
    DATE = "DATE"
    DATETIME = "DATETIME"
    TIME = "TIME"
    OTHER = "OTHER"
    EMPTY = "EMPTY"


# When two kinds are equally common, the earlier one describes the column.
_PRECEDENCE = [
    ValueKind.NUMBER,
    ValueKind.DATETIME,
    ValueKind.DATE,
    ValueKind.TIME,
    ValueKind.STRING,
    ValueKind.BOOLEAN,
    ValueKind.BYTES,
    ValueKind.OTHER,
]
_TEMPORAL = (ValueKind.DATE, ValueKind.DATETIME, ValueKind.TIME)

Scalar = int | float | str | bool


@dataclass(frozen=True, slots=True)
class TopValue:
    """A frequent value (text cut to 200 characters, bytes shown as hex) and its count."""

    value: Scalar
    count: int


@dataclass(frozen=True, slots=True)
class ColumnProfile:
    """Statistics of one column's sample; JSON-ready through :meth:`to_json`.

    Ratios are over ``count`` (nulls) or over non-null values (distinct); both are
    0.0 for an empty sample. ``min``/``max``/``mean``/quantiles are numbers for
    numeric columns and ISO text for dates and datetimes; ``std`` is in the
    column's unit (seconds for temporal columns). ``nan_count``/``infinite_count``
    are numeric cells left out of the numeric statistics.
    """

    count: int
    null_count: int
    null_ratio: float
    distinct_count: int
    distinct_ratio: float
    kind: str
    kind_counts: dict[str, int] = field(default_factory=dict)
    sensitive: bool = False
    min: Scalar | None = None
    max: Scalar | None = None
    mean: float | str | None = None
    std: float | None = None
    p25: float | str | None = None
    p50: float | str | None = None
    p75: float | str | None = None
    nan_count: int = 0
    infinite_count: int = 0
    histogram: tuple[HistogramBin, ...] = ()
    length_min: int | None = None
    length_mean: float | None = None
    length_max: int | None = None
    top_values: tuple[TopValue, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A plain ``dict`` of JSON types (no NaN or infinity), versioned for storage.
        Built field by field: ``dataclasses.asdict`` deep-copies every value and
        took half of a profile's time."""
        data = dict(zip(_FIELDS, _field_values(self), strict=True))  # in field order
        data["kind_counts"] = dict(self.kind_counts)
        data["histogram"] = [
            {"lower": b.lower, "upper": b.upper, "count": b.count} for b in self.histogram
        ]
        data["top_values"] = [{"value": t.value, "count": t.count} for t in self.top_values]
        data["version"] = _FORMAT_VERSION
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ColumnProfile:
        """The inverse of :meth:`to_json`."""
        fields = {k: v for k, v in data.items() if k != "version"}
        fields["histogram"] = tuple(HistogramBin(**b) for b in data.get("histogram", ()))
        fields["top_values"] = tuple(TopValue(**t) for t in data.get("top_values", ()))
        return cls(**fields)


_FIELDS = tuple(f.name for f in dataclass_fields(ColumnProfile))
_field_values = operator.attrgetter(*_FIELDS)

# A frozen dataclass's __init__ sets each field through object.__setattr__: a
# microsecond per histogram bin or top value, a tenth of a column's profile.
# These make the same objects by their slot descriptors (neither class has a
# __post_init__ to skip).
_new = object.__new__
_set_value, _set_value_count = (vars(TopValue)[name].__set__ for name in ("value", "count"))


def _top_value(value: Scalar, count: int) -> TopValue:
    top = _new(TopValue)
    _set_value(top, value)
    _set_value_count(top, count)
    return top


def profile_column(values: Sequence[object], *, sensitive: bool) -> ColumnProfile:
    """Profile one column from its sampled ``values`` (any plain Python values).

    Never raises on data: empty, all-null, mixed-type, binary, huge-text and
    NaN/infinite samples all produce a profile.
    """
    count = len(values)
    types = set(map(type, values))
    if _NONE in types:
        types.discard(_NONE)
        present = [v for v in values if v is not None]
    else:  # the type pass already showed there is no null to drop
        present = list(values)
    kinds = {_kind_of_type(t) for t in types}
    by_kind: dict[str, list[object]] = {}
    if len(kinds) == 1:  # the common case: no per-value sorting
        by_kind[kinds.pop()] = present
    else:
        for value in present:
            by_kind.setdefault(_kind_of_type(type(value)), []).append(value)
    kind_counts = {k: len(v) for k, v in by_kind.items()}
    kind = _dominant(kind_counts)
    stats: dict[str, Any] = {}
    if kind == ValueKind.NUMBER:
        numeric = by_kind[kind]
        number_types = types if len(by_kind) == 1 else set(map(type, numeric))
        stats = _number_stats(numeric, number_types, sensitive=sensitive)
    elif kind in _TEMPORAL:
        stats = temporal_stats(by_kind[kind], kind=kind, sensitive=sensitive)
    elif kind in (ValueKind.STRING, ValueKind.BYTES):
        stats = _length_stats(by_kind[kind], kind, sensitive=sensitive, plain=types == _STR)
    distinct = stats.pop(_DISTINCT, None)  # known only for a column of numbers alone
    if len(by_kind) == 1:
        keys, keyed = _counting_keys(by_kind, types, has_nan=stats.get("nan_count", 0) > 0)
    else:
        keys, keyed, distinct = [_key(v) for v in present], True, None
    if sensitive:  # a sensitive column keeps no raw value, so no top values
        distinct = len(set(keys))
        if distinct < MIN_DISTINCT_FOR_MOMENTS:  # they would give the values away
            stats.pop("mean", None)
            stats.pop("std", None)
    else:
        distinct, top, top_counts = _top_values(keys, distinct)
        if keyed:
            top = [key[1] for key in top]  # type: ignore[index]
        stats["top_values"] = tuple(map(_top_value, map(_preview, top), top_counts))
    return ColumnProfile(
        count=count,
        null_count=count - len(present),
        null_ratio=(count - len(present)) / count if count else 0.0,
        distinct_count=distinct,
        distinct_ratio=distinct / len(present) if present else 0.0,
        kind=kind,
        kind_counts=kind_counts,
        sensitive=sensitive,
        **stats,
    )


_NONE = type(None)
_STR = {str}
_KINDS: dict[type, str] = {}


def _kind_of_type(type_: type) -> str:
    """The kind of the values of ``type_``, remembered: one dict lookup per value."""
    kind = _KINDS.get(type_)
    if kind is None:
        kind = _KINDS[type_] = _classify_type(type_)
    return kind


def _classify_type(type_: type) -> str:
    if issubclass(type_, bool | np.bool_):
        return ValueKind.BOOLEAN
    if issubclass(type_, numbers.Real | Decimal):
        return ValueKind.NUMBER
    if issubclass(type_, dt.datetime):
        return ValueKind.DATETIME
    if issubclass(type_, dt.date):
        return ValueKind.DATE
    if issubclass(type_, dt.time):
        return ValueKind.TIME
    if issubclass(type_, str):
        return ValueKind.STRING
    if issubclass(type_, bytes | bytearray | memoryview):
        return ValueKind.BYTES
    return ValueKind.OTHER


def _counting_keys(
    by_kind: dict[str, list[object]], types: set[type], *, has_nan: bool
) -> tuple[list[object], bool]:
    """What to count in a column whose values are all of one kind (of ``types``),
    and whether those are :func:`_key` tuples (True) or, where the values are
    their own keys, the values (an int and the float equal to it are one value
    either way): the same counts, in the same order, without a key per value.
    ``has_nan`` says whether the column holds a NaN, which must count as one value."""
    ((kind, values),) = by_kind.items()
    if kind in (ValueKind.STRING, *_TEMPORAL) or (kind == ValueKind.NUMBER and types == {int}):
        return values, False
    if kind == ValueKind.NUMBER and types <= {int, float}:
        return ([_NAN_KEY if v != v else v for v in values] if has_nan else values), False
    return [_key(v) for v in values], True


_NAN_KEY = "NaN"
_DISTINCT = "_distinct"  # _number_stats' count of distinct values, not a profile field


def _top_values(keys: list[object], distinct: int | None) -> tuple[int, list[object], list[int]]:
    """The number of distinct keys (``distinct`` if known), and the most common ones with
    their counts in ``Counter(keys).most_common``'s order (ties first-seen first). All
    distinct (ids, e-mails, hashes): that order is the keys' own, no counts or heap."""
    if distinct is None:
        distinct = len(set(keys))
    if distinct == len(keys):
        top = keys[:MAX_TOP_VALUES]
        return distinct, top, [1] * len(top)
    pairs = Counter(keys).most_common(MAX_TOP_VALUES)
    return distinct, [key for key, _ in pairs], [n for _, n in pairs]


def _kind_of(value: object) -> str:
    return _kind_of_type(type(value))


def _dominant(kind_counts: dict[str, int]) -> str:
    if not kind_counts:
        return ValueKind.EMPTY
    if len(kind_counts) == 1:
        return next(iter(kind_counts))
    return max(_PRECEDENCE, key=lambda k: (kind_counts.get(k, 0), -_PRECEDENCE.index(k)))


def _key(value: object) -> tuple[str, object]:
    """A hashable identity that keeps kinds apart (``True`` is not ``1``) and
    makes every NaN the same value."""
    kind = _kind_of(value)
    if kind == ValueKind.BOOLEAN:
        return kind, bool(value)
    if kind == ValueKind.NUMBER:
        number = _as_float(value)
        if math.isnan(number):
            return kind, _NAN_KEY
        if isinstance(value, numbers.Integral):
            return kind, int(value)
        return kind, number
    if isinstance(value, bytes | bytearray | memoryview):
        return kind, bytes(value)
    if kind in (ValueKind.STRING, *_TEMPORAL):
        return kind, value
    try:
        hash(value)
        return kind, value
    except TypeError:  # a JSON document or an array: one value per distinct JSON text
        return kind, json.dumps(value, ensure_ascii=False, default=_json_default)


def _preview(value: object) -> Scalar:
    type_ = type(value)  # the common types first: a union isinstance costs more
    if type_ is str:
        return value[:_PREVIEW_CHARS]  # type: ignore[index]
    if type_ is int:
        return value  # type: ignore[return-value]
    if type_ is float:
        return value if math.isfinite(value) else str(value)  # type: ignore[arg-type,return-value]
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes):
        return value[: _PREVIEW_CHARS // 2].hex()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = value if isinstance(value, str) else repr(value)
    return text[:_PREVIEW_CHARS]


def _json_default(value: object) -> object:
    """What ``json.dumps`` cannot write itself, as text: dates and times in ISO 8601,
    bytes in hex, anything else as its ``str``."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _as_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:  # an int beyond float range
        return math.inf if value > 0 else -math.inf  # type: ignore[operator]


# Numbers, dates and datetimes
#
# The statistics are those of numpy's mean, std, quantile (method 'linear') and
# histogram, bit for bit, computed with fewer calls: each of those functions
# costs tens of microseconds of argument handling, more than the arithmetic on a
# few hundred values. One sort gives the bounds, quantiles and histogram counts;
# the sums run through the same ``np.add.reduce`` in the same order, and the
# quantile and bin-edge arithmetic repeats numpy's float operations. Where the
# order of equal values could show (a -0.0 beside a 0.0) or a histogram's bins are
# too narrow for its arithmetic to be followed exactly, numpy itself is called.


def _number_stats(values: list[object], types: set[type], *, sensitive: bool) -> dict[str, Any]:
    """Statistics of numbers ``values`` (of ``types``)."""
    floats = _float_array(values, types)
    with np.errstate(all="ignore"):  # infinite sums and spreads are reported as None
        if math.isfinite(np.add.reduce(floats)):  # so no NaN or infinity among them
            finite, finite_mask = floats, None
            stats: dict[str, Any] = {"nan_count": 0, "infinite_count": 0}
        else:
            finite_mask = np.isfinite(floats)
            finite = floats[finite_mask]
            stats = {
                "nan_count": int(np.isnan(floats).sum()),
                "infinite_count": int(np.isinf(floats).sum()),
            }
        if finite.size == 0:
            return stats
        mean, std = mean_and_std(finite)
        stats["mean"], stats["std"] = finite_or_none(mean), finite_or_none(std)
        if sensitive:  # min, max, quantiles and histogram would show raw values
            return stats
        ordered = sorted_or_none(finite)
        # All finite plain ints and floats: within +-2**53 every value is its float
        # exactly, so equal values are equal neighbours of the sorted floats (an int
        # and the float equal to it are one value, as are 0.0 and -0.0, as in a set).
        exact = ordered if finite_mask is None and types <= {int, float} else None
        if exact is not None and max(-exact[0], exact[-1]) < 2.0**53:
            stats[_DISTINCT] = 1 + int(np.count_nonzero(exact[1:] != exact[:-1]))
        stats["min"], stats["max"] = _number_bounds(values, types, finite_mask, ordered)
        stats.update(shape(finite, ordered, render=None))
    return stats


def _float_array(values: list[object], types: set[type]) -> np.ndarray:
    """``values`` as float64 (ints beyond float range as infinities). Plain ints
    that fit int64 convert faster through it; the cast rounds as ``float()`` does."""
    if types == {int}:
        try:
            return np.array(values, dtype=np.int64).astype(np.float64)
        except OverflowError:
            pass
    try:  # plain ints and floats convert in one go; anything else value by value
        return np.array(values, dtype=np.float64)
    except (OverflowError, TypeError, ValueError):
        return np.array([_as_float(v) for v in values], dtype=np.float64)


def _number_bounds(
    values: list[object],
    types: set[type],
    finite_mask: np.ndarray | None,
    ordered: np.ndarray | None,
) -> tuple[Scalar | None, Scalar | None]:
    """The smallest and largest finite value (``ordered`` is the finite values as
    sorted floats, or None): ints stay exact ints if every finite value is an
    int; any other mix of numbers is reported as floats."""
    if finite_mask is None:
        exact = values
    else:  # the types that count are those of the finite values
        exact = [v for v, ok in zip(values, finite_mask, strict=True) if ok]
        types = set(map(type, exact))
    if ordered is not None and types <= {int, float}:
        # Rounding to float keeps order, so the extremes of the sorted floats are
        # the extremes of the values, rounded; ints below 2**53 round exactly.
        lowest, highest = float(ordered[0]), float(ordered[-1])
        if types != {int}:
            return lowest, highest
        if lowest > -(2**53) and highest < 2**53:
            return int(lowest), int(highest)
    if types == {int}:
        all_int, low, high = True, min(exact), max(exact)  # type: ignore[type-var]
    elif types == {float, int} or types == {float}:  # compared exactly, reported as floats
        all_int, low, high = False, min(exact), max(exact)  # type: ignore[type-var]
    else:
        all_int = all(isinstance(v, numbers.Integral) for v in exact)
        low, high = min(exact, key=_as_float), max(exact, key=_as_float)
    if all_int:
        return int(low), int(high)  # type: ignore[call-overload]
    return finite_or_none(_as_float(low)), finite_or_none(_as_float(high))


def _length_stats(
    values: list[object], kind: str, *, sensitive: bool, plain: bool
) -> dict[str, Any]:
    if plain:  # few distinct lengths, and one join sums them all
        lengths: Collection[int] = set(map(len, values))  # type: ignore[arg-type]
        total = len("".join(values))  # type: ignore[arg-type]
    else:  # a memoryview's len need not be its bytes' count, a str subclass's its own
        lengths = list(map(len, values))  # type: ignore[arg-type]
        total = sum(lengths)
    stats: dict[str, Any] = {
        "length_min": min(lengths),
        # An exact int sum divided once: numpy's float64 mean (partial sums are ints < 2**53).
        "length_mean": total / len(values),
        "length_max": max(lengths),
    }
    if kind == ValueKind.STRING and not sensitive:
        texts: list[str] = values  # type: ignore[assignment]
        stats["min"] = min(texts)[:_PREVIEW_CHARS]
        stats["max"] = max(texts)[:_PREVIEW_CHARS]
    return stats
