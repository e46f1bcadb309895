"""Id lists cut to fit an ``IN (...)`` list on both databases."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["chunks"]


def chunks(ids: Iterable[Any], size: int = 500) -> list[list[Any]]:
    """``ids`` without repeats, in order, in lists of at most ``size``."""
    items = list(dict.fromkeys(ids))
    return [items[i : i + size] for i in range(0, len(items), size)]
