"""Sampled cells as plain Python: what the profiler, classifiers and storage take.

Drivers return their own objects (``Decimal``, ``UUID``, asyncpg ranges,
``IPv4Address``, memoryviews). Those are narrowed to ``None``, bool, int,
float, str, bytes, date, datetime, time, list and dict so a sample can be
pickled into a process pool and stored as JSON. Binary stays binary (a BLOB
is not text, and a non-UTF-8 byte string must not crash a scan); anything past
``MAX_CELL_BYTES`` is cut so one huge cell cannot blow up a sample.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

from racine.domain.scanning.source import MAX_CELL_BYTES

__all__ = ["decode_text", "plain_column", "to_plain"]

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


def plain_column(values: Sequence[object], *, limit: int = MAX_CELL_BYTES) -> list[object]:
    """:func:`to_plain` of every value of one column; the common columns (only
    numbers, or only short strings, with nulls) are taken as they are."""
    kinds = set(map(type, values))
    if kinds <= _SCALARS:
        return list(values)
    if kinds <= _DECIMALS:
        return [None if v is None else _decimal(v) for v in values]  # type: ignore[arg-type]
    if kinds <= _TEXT and max((len(v) for v in values if v is not None), default=0) <= limit:  # type: ignore[arg-type]
        return list(values)
    return [to_plain(v, limit=limit) for v in values]


def decode_text(raw: bytes) -> str | bytes:
    """SQLite ``text_factory``: UTF-8 text as ``str``, anything else kept as bytes
    instead of raising in the middle of a sample."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


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
    if isinstance(value, Mapping):
        return {str(k): _plain(v, limit, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v, limit, depth + 1) for v in value]
    return str(value)[:limit]


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
