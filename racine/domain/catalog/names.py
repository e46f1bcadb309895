"""Qualified names: an asset's name after its parent's, joined by dots
(``shop.shop.public.orders.id``).

A name part that holds a dot itself, or starts with a double quote, is written in
double quotes with any quote in it doubled (``shop.shop.public."orders.2024".id``),
as OpenMetadata writes fully qualified names. Every other part is written as it
is, so the names of a catalog without such parts are unchanged. Without the
quotes, table ``a.b`` and column ``b`` of table ``a`` had one qualified name, and a
scan took one for the other.
"""

from __future__ import annotations

__all__ = ["parent_of", "qualify", "quote_part", "split_qualified"]


def quote_part(name: str) -> str:
    """``name`` as one part of a qualified name: quoted if it holds a dot or starts
    with a double quote."""
    if "." in name or name.startswith('"'):
        return '"' + name.replace('"', '""') + '"'
    return name


def qualify(parent: str, name: str) -> str:
    """The qualified name of ``name`` under the asset whose qualified name is
    ``parent``."""
    return f"{parent}.{quote_part(name)}"


def split_qualified(qualified: str) -> list[str]:
    """The name parts of ``qualified``, quotes undone: the inverse of joining
    :func:`quote_part` parts with dots. A quote that is never closed is kept as
    text, so any string splits."""
    parts: list[str] = []
    i, n = 0, len(qualified)
    while True:
        if qualified.startswith('"', i):
            j, text = i + 1, []
            while j < n:
                if qualified[j] == '"':
                    if qualified.startswith('"', j + 1):
                        text.append('"')
                        j += 2
                        continue
                    break
                text.append(qualified[j])
                j += 1
            if j < n and (j + 1 == n or qualified[j + 1] == "."):
                parts.append("".join(text))
                i = j + 2
                if j + 1 == n:
                    return parts
                continue
        end = qualified.find(".", i)
        if end < 0:
            parts.append(qualified[i:])
            return parts
        parts.append(qualified[i:end])
        i = end + 1


def parent_of(qualified: str) -> str:
    """The qualified name of the parent of the asset named ``qualified`` ("" for a
    name of one part)."""
    parts = split_qualified(qualified)[:-1]
    return ".".join(quote_part(p) for p in parts)
