"""Cursor pagination shared by every list: ``first`` ≤ 100, opaque ``after``."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from racine.domain.errors import LimitExceeded, ValidationFailed

__all__ = ["MAX_PAGE", "Page", "PageRequest", "decode_cursor", "encode_cursor"]

MAX_PAGE = 100
MAX_OFFSET = 2**31 - 1
"""The largest position an offset cursor may hold (far past any list's end)."""
T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    first: int = 20
    after: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.first <= MAX_PAGE:
            raise LimitExceeded(f"first must be between 0 and {MAX_PAGE}", field="first")

    def position(self) -> list[Any] | None:
        return None if self.after is None else decode_cursor(self.after)

    def after_key(self, *kinds: type) -> tuple[Any, ...] | None:
        """The key ``after`` holds, one value of each of ``kinds`` (``str``, ``int``,
        ``uuid.UUID``, ``datetime``), or None on the first page. A cursor of another
        list, edited or made by hand (a value of another kind, a number past
        :data:`MAX_OFFSET`, text with NUL, a moment without its zone taken as UTC
        aside) is INVALID on ``after``, never a database error."""
        position = self.position()
        if position is None:
            return None
        if len(position) != len(kinds):
            raise _malformed()
        return tuple(_key_value(value, kind) for value, kind in zip(position, kinds, strict=True))


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    total_count: int
    has_next_page: bool
    has_previous_page: bool = False


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise _malformed() from None
    if not isinstance(value, list):
        raise _malformed()
    return value


def _malformed() -> ValidationFailed:
    return ValidationFailed("malformed cursor", field="after")


def _key_value(value: Any, kind: type) -> Any:
    if kind is int:
        if type(value) is not int or not 0 <= value <= MAX_OFFSET:
            raise _malformed()
        return value
    if type(value) is not str or "\x00" in value:
        raise _malformed()
    if kind is str:
        return value
    try:
        parsed = uuid.UUID(value) if kind is uuid.UUID else datetime.fromisoformat(value)
    except ValueError:
        raise _malformed() from None
    if isinstance(parsed, datetime) and parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed
