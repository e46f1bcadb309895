"""Sampled cells as plain Python: what the profiler, classifiers and storage take.

Drivers return their own objects (``Decimal``, ``UUID``, asyncpg ranges,
``IPv4Address``, memoryviews). Those are narrowed to ``None``, bool, int,
float, str, bytes, date, datetime, time, list and dict so a sample can be
stored as JSON. Binary stays binary (a BLOB is not text, and a non-UTF-8 byte
string must not crash a scan); anything past ``MAX_CELL_BYTES`` is cut so one
huge cell cannot blow up a sample.

A scan converts in its process pool, not on the event loop: the connector only
makes a sample *portable* (:func:`portable_column`: oversized cells cut, types
that might not pickle converted on the spot, everything else passed as it
came) and the pool runs :func:`plain_column`. Exact decimals are read as their
text (a ``Decimal`` costs more to decode and to pickle than to convert) and
become numbers in the pool (:func:`exact_column`), exactly as ``plain_column``
would have turned the ``Decimal``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import json
import math
import operator
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from itertools import compress, repeat
from typing import Any

from racine.domain.scanning.source import MAX_CELL_BYTES

__all__ = [
    "exact_column",
    "iso_dates",
    "plain_column",
    "plain_sample",
    "portable_column",
    "to_plain",
]

_MAX_DEPTH = 32


def to_plain(value: object, *, limit: int = MAX_CELL_BYTES) -> object:
    """``value`` as a plain Python value, strings and bytes cut to ``limit``.

    Nested values (arrays, composite and JSON values) stay lists and dicts unless
    their JSON text would exceed ``limit``; then they become that text, cut.
    """
    plain = _plain(value, limit, 0)
    if isinstance(plain, list | dict):
        text = json.dumps(plain, default=str, ensure_ascii=False)
        if len(text) > limit:
            return text[:limit]
    return plain


_SCALARS = frozenset({type(None), bool, int, float})
_TEXT = frozenset({type(None), str})
_DECIMALS = frozenset({type(None), Decimal})
# Cells that pickle cheaply and safely as they are (exact types: a driver's
# subclass may not pickle, or may unpickle differently in the pool).
_PORTABLE = frozenset({*_SCALARS, Decimal, dt.date, dt.datetime, dt.time, dt.timedelta, uuid.UUID})
_SIZED_OR_NONE = frozenset({type(None), str, bytes})


def plain_column(
    values: Sequence[object], *, limit: int = MAX_CELL_BYTES, cut: bool = False
) -> list[object]:
    """:func:`to_plain` of every value of one column; the common columns (only
    numbers, or only short strings, with nulls) are taken as they are. ``cut``:
    the source already cut its text cells to ``limit`` (no need to measure)."""
    kinds = set(map(type, values))
    if kinds <= _SCALARS:
        return list(values)
    if kinds <= _DECIMALS:
        return [None if v is None else _decimal(v) for v in values]  # type: ignore[arg-type]
    if kinds <= _TEXT and (cut or _longest(values) <= limit):
        return list(values)
    return [to_plain(v, limit=limit) for v in values]


def portable_column(
    values: Sequence[object], *, limit: int = MAX_CELL_BYTES, cut: bool = False
) -> list[object]:
    """``values`` ready to be sent to the process pool, where :func:`plain_column`
    finishes them: cells of plain builtin types pass as they are (text and bytes
    within ``limit``); a column with anything else is converted here. ``cut``: the
    source already cut its text or bytes cells to ``limit`` (no need to measure)."""
    kinds = set(map(type, values))
    if kinds <= _PORTABLE or (cut and kinds <= _SIZED_OR_NONE):
        return list(values)
    if kinds <= _SIZED_OR_NONE:
        sized = values
    elif kinds <= _PORTABLE | _SIZED_OR_NONE:  # mixed (SQLite): the rare, slower way
        sized = [v for v in values if type(v) is str or type(v) is bytes]
    else:
        return plain_column(values, limit=limit)
    return list(values) if _longest(sized) <= limit else plain_column(values, limit=limit)


def _longest(values: Sequence[object]) -> int:
    """The longest of ``values``, all of them str, bytes or None (C loops only:
    a generator over each cell cost more than the rest of a sample's handling)."""
    return max(map(len, filter(None, values)), default=0)  # type: ignore[arg-type]


def exact_column(values: Sequence[object], *, limit: int = MAX_CELL_BYTES) -> list[object]:
    """A column of exact decimals read as text (``'12.50'``, ``'NaN'``), as the
    numbers :func:`plain_column` makes of the ``Decimal`` values: int when
    integral, float otherwise. Cells that are not such text go through
    :func:`to_plain`."""
    kinds = set(map(type, values))
    if kinds == _STR:
        numbers = _exact_texts(values, limit)  # type: ignore[arg-type]
        if numbers is not None:
            return numbers
    elif kinds == _STR_OR_NONE:  # the texts in one go, the nulls put back after
        numbers = _exact_texts([v for v in values if v is not None], limit)  # type: ignore[misc]
        if numbers is not None:
            taken = iter(numbers)
            return [None if v is None else next(taken) for v in values]
    return [_exact(v, limit) if type(v) is str else to_plain(v, limit=limit) for v in values]


def plain_sample(
    columns: Mapping[str, Sequence[object]],
    exact_text: frozenset[str] = frozenset(),
    cut: frozenset[str] = frozenset(),
) -> dict[str, list[object]]:
    """A portable sample (see :func:`portable_column`) as plain values, by column;
    the text cells of the ``cut`` columns are already within ``MAX_CELL_BYTES``."""
    return {
        name: exact_column(values) if name in exact_text else plain_column(values, cut=name in cut)
        for name, values in columns.items()
    }


_STR = frozenset({str})
_STR_OR_NONE = frozenset({str, type(None)})


def _exact_texts(texts: Sequence[str], limit: int) -> list[object] | None:
    """:func:`_exact` of every text, or None if one is no float at all. The texts
    are parsed in one C loop (``_exact`` costs twice as much cell by cell): a text
    with a "." whose float is finite and not integral is that float, as in
    ``_exact``; only the other texts (integral decimals, integers, huge ones,
    NaN, infinities) take the rest of ``_exact``'s way."""
    try:
        numbers: list[Any] = list(map(float, texts))
    except ValueError:
        return None
    if all(map(operator.contains, texts, repeat("."))) and math.isfinite(sum(numbers)):
        # A finite sum: no NaN or infinity among them, so only the integral ones are left.
        for i in compress(range(len(numbers)), map(float.is_integer, numbers)):
            numbers[i] = _exact_whole(texts[i], limit)
        return numbers
    for i, number in enumerate(numbers):
        if not math.isfinite(number) or number.is_integer() or "." not in texts[i]:
            numbers[i] = _exact(texts[i], limit)
    return numbers


def _exact(text: str, limit: int) -> object:
    try:
        if "." not in text:
            return int(text)  # ValueError for NaN, Infinity (and over 4,300 digits)
        number = float(text)
    except ValueError:
        return _exact_decimal(text, limit)
    if math.isfinite(number) and not number.is_integer():
        return number  # the common case, without Decimal arithmetic
    return _exact_whole(text, limit)


def _exact_whole(text: str, limit: int) -> object:
    """:func:`_exact` of a text with a "." whose float is integral or not finite."""
    whole, _, fraction = text.partition(".")
    if not fraction.strip("0"):
        with contextlib.suppress(ValueError):  # e.g. "Infinity.0": the Decimal way
            return int(whole)  # an integer written with a scale: "12.000"
    return _exact_decimal(text, limit)


def _exact_decimal(text: str, limit: int) -> object:
    try:
        return _decimal(Decimal(text))
    except InvalidOperation:  # not a number after all: keep the text
        return text[:limit]


def _plain(value: object, limit: int, depth: int) -> object:
    if isinstance(value, enum.Enum):
        return _plain(value.value, limit, depth)
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        return value if type(value) in (bool, int, float) else _number(value)
    if isinstance(value, str):
        value = str.__str__(value)
        return value[:limit] if len(value) > limit else value
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return data[:limit] if len(data) > limit else data
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, dt.date | dt.time):
        return value
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if depth >= _MAX_DEPTH:
        return str(value)[:limit]
    if isinstance(value, Mapping) or _is_record(value):
        return {str(k): _plain(v, limit, depth + 1) for k, v in value.items()}  # type: ignore[attr-defined]
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v, limit, depth + 1) for v in value]
    return _driver_text(value)[:limit]


def _is_record(value: object) -> bool:
    """A row-like driver value (asyncpg's ``Record`` for a composite type): keys and
    items, though not a ``Mapping``."""
    return callable(getattr(value, "items", None)) and callable(getattr(value, "keys", None))


_RANGE_PARTS = ("lower", "upper", "lower_inc", "upper_inc", "isempty")


def _driver_text(value: object) -> str:
    """A driver's own value as the database writes it, not as its ``repr``: a bit
    string ``1010`` (not ``<BitString 1010>``), a range ``[1,5)`` (not ``<Range [1,
    5)>``); anything else as its ``str``."""
    as_string = getattr(value, "as_string", None)
    if callable(as_string):
        return str(as_string())
    if all(hasattr(value, part) for part in _RANGE_PARTS):
        r: Any = value
        if r.isempty:
            return "empty"
        lower = "" if r.lower is None else _bound(r.lower)
        upper = "" if r.upper is None else _bound(r.upper)
        return f"{'[' if r.lower_inc else '('}{lower},{upper}{']' if r.upper_inc else ')'}"
    return str(value)


def _bound(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date | dt.time) else str(value)


def _number(value: bool | int | float) -> bool | int | float:
    """numpy and other int/float subclasses as the builtin type."""
    if isinstance(value, bool):
        return bool(value)
    return int(value) if isinstance(value, int) else float(value)


def _decimal(value: Decimal) -> int | float:
    number = float(value)
    if math.isfinite(number) and not number.is_integer():
        return number  # certainly not integral: the common case, without Decimal arithmetic
    if not value.is_finite():
        return float(value)
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def iso_dates(values: Sequence[object]) -> list[object]:
    """``values`` with each ISO 8601 date text as a ``date``, each timestamp text as a
    ``datetime`` and each time-of-day text as a ``time`` (what SQLite keeps in DATE,
    DATETIME, TIMESTAMP and TIME columns); other cells, numbers and texts that are no
    such thing included, as they are."""
    return [_iso_date(v) if type(v) is str else v for v in values]


def _iso_date(text: str) -> object:
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        if text[2:3] == ":":  # 10:30, 10:30:00.500
            return dt.time.fromisoformat(text)
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return text
