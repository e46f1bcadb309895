"""Name resolution of SQL table references against the catalog's tables.

Catalog keys may have one to three parts (``orders``, ``public.orders``,
``shop.public.orders``) and need not all have the same depth, which sqlglot's
own schema object requires; so we resolve names here and hand sqlglot a flat
schema. Keys are qualified names (a part with a dot in it is quoted:
``racine.domain.catalog.names``). Matching is case-insensitive (an exact-case match wins on a tie),
because catalogs store names as the source reported them while SQL text folds
unquoted identifiers in dialect-specific ways.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from racine.domain.catalog.names import quote_part, split_qualified

__all__ = ["TableCatalog"]


def _fold(parts: Sequence[str]) -> tuple[str, ...]:
    return tuple(part.casefold() for part in parts)


class TableCatalog:
    """Qualified table name -> columns, with the lookups the SQL parser needs."""

    def __init__(self, tables: Mapping[str, Sequence[str]], default_schema: str | None) -> None:
        self._columns: dict[str, tuple[str, ...]] = {}
        self._spelling: dict[str, dict[str, str]] = {}
        self._exact: dict[tuple[str, ...], str] = {}
        self._folded: dict[tuple[str, ...], list[str]] = {}
        self._by_suffix: dict[tuple[str, ...], list[str]] = {}
        for key, columns in tables.items():
            parts = tuple(p for p in split_qualified(key) if p)
            if not parts:
                continue
            self._columns[key] = tuple(columns)
            self._spelling[key] = {}
            for column in columns:
                self._spelling[key].setdefault(column.casefold(), column)
            self._exact[parts] = key
            self._folded.setdefault(_fold(parts), []).append(key)
            for size in range(1, len(parts)):
                self._by_suffix.setdefault(_fold(parts[-size:]), []).append(key)
        self._default = tuple(p for p in (default_schema or "").split(".") if p)

    def resolve(self, parts: Sequence[str]) -> str | None:
        """The catalog key for a table reference, or None when not in the catalog."""
        parts = tuple(parts)
        candidates = [parts]
        if self._default and len(parts) == 1:
            candidates.insert(0, (*self._default, *parts))
        for candidate in candidates:
            key = self._exact.get(candidate)
            if key is not None:
                return key
            folded = self._folded.get(_fold(candidate), [])
            if len(folded) == 1:
                return folded[0]
            exact = [k for k in folded if tuple(split_qualified(k)) == candidate]
            if folded:
                return exact[0] if exact else folded[0]
        suffix = self._by_suffix.get(_fold(parts), [])
        return suffix[0] if len(suffix) == 1 else None

    def resolve_name(self, name: str) -> str | None:
        return self.resolve(tuple(p for p in split_qualified(name) if p))

    def resolve_or_name(self, parts: Sequence[str]) -> str:
        return self.resolve(parts) or self.external_name(parts)

    def external_name(self, parts: Sequence[str]) -> str:
        """How we name a table missing from the catalog: under the default schema
        when unqualified, since that is where the statement would create it."""
        parts = tuple(parts)
        if len(parts) == 1 and self._default:
            parts = (*self._default, *parts)
        return ".".join(quote_part(p) for p in parts)

    def columns(self, key: str) -> tuple[str, ...]:
        return self._columns.get(key, ())

    def spell_column(self, key: str, column: str) -> str | None:
        """The catalog's spelling of ``column`` of table ``key``; None if unknown."""
        spelling = self._spelling.get(key)
        if spelling is None:
            return None
        return spelling.get(column.casefold())
