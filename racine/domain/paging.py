"""Cursor pagination shared by every list: ``first`` ≤ 100, opaque ``after``."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from racine.domain.errors import LimitExceeded, ValidationFailed

__all__ = ["MAX_PAGE", "Page", "PageRequest", "decode_cursor", "encode_cursor"]

MAX_PAGE = 100
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
        raise ValidationFailed("malformed cursor", field="after") from None
    if not isinstance(value, list):
        raise ValidationFailed("malformed cursor", field="after")
    return value
