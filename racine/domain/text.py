"""Text that can be stored: PostgreSQL text holds no NUL character (U+0000).

A NUL in a name, a description or a search query would otherwise fail deep in a
write or a query, as an internal error. Entry points refuse it first: the GraphQL
schema for every operation (``racine.schema.extensions.NoNulText``), the
OpenLineage endpoint for every event.
"""

from __future__ import annotations

from typing import Any

__all__ = ["NUL_MESSAGE", "has_nul"]

NUL_MESSAGE = "text must not contain NUL characters (U+0000)"


def has_nul(value: Any) -> bool:
    """Whether U+0000 is in ``value``, or in a string nested in it (dict keys and
    values, list items), at any depth."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False
