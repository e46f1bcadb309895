"""Column profiles: what a column's sampled values look like, in numbers.

``profile_column`` is CPU work over plain data (a few thousand sampled cells),
so callers run it in a process pool: it is a module-level function taking and
returning picklable values, with no I/O and no shared state.

Values are sorted into kinds (number, date, datetime, string, bytes, boolean,
other). Null, distinct and top-value counts cover every non-null value; the
shape statistics describe the dominant kind only, so a mostly-numeric column
with a few stray strings still gets a mean. Dates and datetimes are measured as
epoch seconds and reported back as ISO text; naive datetimes are read as UTC.

A ``sensitive`` column (a classification flagged personal data) keeps no raw
value: whatever its kind it loses top values, min, max, quantiles and the
histogram (whose edges are the min and max, and a quantile of a few values is
one of them), keeping counts, mean, spread and lengths. A card number stored as
a bigint is still a card number.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from decimal import Decimal
from typing import Any

import numpy as np

__all__ = [
    "MAX_BINS",
    "MAX_TOP_VALUES",
    "ColumnProfile",
    "HistogramBin",
    "TopValue",
    "ValueKind",
    "profile_column",
]

MAX_BINS = 20
MAX_TOP_VALUES = 10
_PREVIEW_CHARS = 200  # raw values kept in a profile (top values, min/max) are cut to this
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_FORMAT_VERSION = 1


class ValueKind:
    """Kinds of values, as strings so a profile stays plain JSON."""

    NUMBER = "NUMBER"
    BOOLEAN = "BOOLEAN"
    STRING = "STRING"
    BYTES = "BYTES"
    DATE = "DATE"
    DATETIME = "DATETIME"
    OTHER = "OTHER"
    EMPTY = "EMPTY"


# When two kinds are equally common, the earlier one describes the column.
_PRECEDENCE = [
    ValueKind.NUMBER,
    ValueKind.DATETIME,
    ValueKind.DATE,
    ValueKind.STRING,
    ValueKind.BOOLEAN,
    ValueKind.BYTES,
    ValueKind.OTHER,
]
_TEMPORAL = (ValueKind.DATE, ValueKind.DATETIME)

Scalar = int | float | str | bool


@dataclass(frozen=True, slots=True)
class HistogramBin:
    """Values in ``[lower, upper)`` (the last bin includes ``upper``)."""

    lower: float | str
    upper: float | str
    count: int


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
        data = {name: getattr(self, name) for name in _FIELDS}  # in field order
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


def profile_column(values: Sequence[object], *, sensitive: bool) -> ColumnProfile:
    """Profile one column from its sampled ``values`` (any plain Python values).

    Never raises on data: empty, all-null, mixed-type, binary, huge-text and
    NaN/infinite samples all produce a profile.
    """
    count = len(values)
    present = [v for v in values if v is not None]
    types = set(map(type, present))
    kinds = {_kind_of_type(t) for t in types}
    by_kind: dict[str, list[object]] = {}
    if len(kinds) == 1:  # the common case: no per-value sorting
        by_kind[kinds.pop()] = present
    else:
        for value in present:
            by_kind.setdefault(_kind_of_type(type(value)), []).append(value)
    kind_counts = {k: len(v) for k, v in by_kind.items()}
    kind = _dominant(kind_counts)
    if len(by_kind) == 1:
        counts, keyed = _counts(by_kind, types)
    else:
        counts, keyed = Counter(_key(v) for v in present), True
    distinct = len(counts)
    stats: dict[str, Any] = {}
    if kind == ValueKind.NUMBER:
        stats = _number_stats(by_kind[kind])
    elif kind in _TEMPORAL:
        stats = _temporal_stats(by_kind[kind], kind)
    elif kind in (ValueKind.STRING, ValueKind.BYTES):
        stats = _length_stats(by_kind[kind], kind)
    if not sensitive:
        stats["top_values"] = tuple(
            TopValue(_preview(key[1] if keyed else key), n)  # type: ignore[index]
            for key, n in counts.most_common(MAX_TOP_VALUES)
        )
    else:
        for name in ("min", "max", "p25", "p50", "p75", "histogram"):
            stats.pop(name, None)
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
    if issubclass(type_, str):
        return ValueKind.STRING
    if issubclass(type_, bytes | bytearray | memoryview):
        return ValueKind.BYTES
    return ValueKind.OTHER


def _counts(by_kind: dict[str, list[object]], types: set[type]) -> tuple[Counter[object], bool]:
    """Counts of a column whose values are all of one kind (of ``types``), and
    whether they are counted by :func:`_key` (True) or, where the values are their
    own keys, by value (an int and the float equal to it are one value either way):
    the same counts, in the same order, without a key per value."""
    ((kind, values),) = by_kind.items()
    if kind in (ValueKind.STRING, *_TEMPORAL) or (kind == ValueKind.NUMBER and types == {int}):
        return Counter(values), False
    if kind == ValueKind.NUMBER and types <= {int, float}:
        return Counter("NaN" if v != v else v for v in values), False
    return Counter(_key(v) for v in values), True


def _kind_of(value: object) -> str:
    return _kind_of_type(type(value))


def _dominant(kind_counts: dict[str, int]) -> str:
    if not kind_counts:
        return ValueKind.EMPTY
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
            return kind, "NaN"
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
    except TypeError:
        return kind, repr(value)


def _preview(value: object) -> Scalar:
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes):
        return value[: _PREVIEW_CHARS // 2].hex()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = value if isinstance(value, str) else repr(value)
    return text[:_PREVIEW_CHARS]


def _as_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:  # an int beyond float range
        return math.inf if value > 0 else -math.inf  # type: ignore[operator]


def _number_stats(values: list[object]) -> dict[str, Any]:
    try:  # plain ints and floats convert in one go; anything else value by value
        floats = np.array(values, dtype=np.float64)
    except (OverflowError, TypeError, ValueError):
        floats = np.array([_as_float(v) for v in values], dtype=np.float64)
    finite_mask = np.isfinite(floats)
    stats: dict[str, Any] = {
        "nan_count": int(np.isnan(floats).sum()),
        "infinite_count": int(np.isinf(floats).sum()),
    }
    finite = floats[finite_mask]
    if finite.size == 0:
        return stats
    everything = finite.size == len(values)
    exact = values if everything else [v for v, ok in zip(values, finite_mask, strict=True) if ok]
    types = set(map(type, exact))
    if types == {int}:
        all_int, low, high = True, min(exact), max(exact)  # type: ignore[type-var]
    elif types == {float, int} or types == {float}:  # compared exactly, reported as floats
        all_int, low, high = False, min(exact), max(exact)  # type: ignore[type-var]
    else:
        all_int = all(isinstance(v, numbers.Integral) for v in exact)
        low, high = min(exact, key=_as_float), max(exact, key=_as_float)
    stats["min"] = int(low) if all_int else _finite(_as_float(low))  # type: ignore[call-overload]
    stats["max"] = int(high) if all_int else _finite(_as_float(high))  # type: ignore[call-overload]
    stats.update(_distribution(finite, render=_finite))
    return stats


def _temporal_stats(values: list[object], kind: str) -> dict[str, Any]:
    aware = any(isinstance(v, dt.datetime) and v.tzinfo is not None for v in values)
    seconds = np.array([_epoch(v) for v in values], dtype=np.float64)  # type: ignore[arg-type]

    def render(x: float) -> str | None:
        return _iso(x, kind, aware)

    stats = {"min": render(float(seconds.min())), "max": render(float(seconds.max()))}
    stats.update(_distribution(seconds, render=render))
    return stats


def _distribution(data: np.ndarray, *, render: Any) -> dict[str, Any]:
    with np.errstate(all="ignore"):
        mean = float(np.mean(data))
        std = float(np.std(data))
        p25, p50, p75 = (float(q) for q in np.quantile(data, [0.25, 0.5, 0.75]))
    return {
        "mean": render(mean),
        "std": _finite(std),
        "p25": render(p25),
        "p50": render(p50),
        "p75": render(p75),
        "histogram": _histogram(data, render),
    }


def _histogram(data: np.ndarray, render: Any) -> tuple[HistogramBin, ...]:
    bins = min(MAX_BINS, int(np.unique(data).size))
    try:
        with np.errstate(all="ignore"):
            counts, edges = np.histogram(data, bins=bins)
    except ValueError:  # a range too wide for float64 (e.g. -1e308 .. 1e308)
        return ()
    if not np.all(np.isfinite(edges)):
        return ()
    return tuple(
        HistogramBin(render(float(edges[i])), render(float(edges[i + 1])), int(counts[i]))
        for i in range(len(counts))
    )


def _length_stats(values: list[object], kind: str) -> dict[str, Any]:
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))  # type: ignore[arg-type]
    texts: list[str] = values if kind == ValueKind.STRING else []  # type: ignore[assignment]
    stats: dict[str, Any] = {
        "length_min": int(lengths.min()),
        "length_mean": float(lengths.mean()),
        "length_max": int(lengths.max()),
    }
    if texts:
        stats["min"] = min(texts)[:_PREVIEW_CHARS]
        stats["max"] = max(texts)[:_PREVIEW_CHARS]
    return stats


def _epoch(value: dt.date) -> float:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return (moment - _EPOCH).total_seconds()
    return float((value - _EPOCH.date()).days * 86_400)


def _iso(seconds: float, kind: str, aware: bool) -> str | None:
    if not math.isfinite(seconds):
        return None
    try:
        moment = _EPOCH + dt.timedelta(seconds=seconds)
    except OverflowError:
        return None
    if kind == ValueKind.DATE:
        return moment.date().isoformat()
    return moment.isoformat() if aware else moment.replace(tzinfo=None).isoformat()


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
