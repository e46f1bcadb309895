"""Search: the query, its ranked hits with highlights, and facet counts.

The ranking (exact name matches first, then full-text relevance, then name) and the
query grammar are the same on both databases; the index itself is dialect-specific
(PostgreSQL ``tsvector`` with a GIN index, SQLite FTS5), see ``persistence/search``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from html import escape

from racine.domain.catalog.model import Asset, AssetFilter
from racine.domain.errors import LimitExceeded

__all__ = [
    "FACET_NAMES",
    "MAX_QUERY",
    "MAX_SUGGESTIONS",
    "FacetValue",
    "Highlight",
    "SearchDocument",
    "SearchHit",
    "SearchQuery",
    "closest_names",
    "highlight",
    "suggestion_key",
    "terms_of",
]

MAX_QUERY = 200
_MAX_TERMS = 8
_WORD = re.compile(r"\w+", re.UNICODE)
FACET_NAMES = (
    "kind",
    "dataSource",
    "tag",
    "classification",
    "owner",
    "glossaryTerm",
    "sensitivity",
)


def terms_of(text: str) -> list[str]:
    """The words of a query, lower-cased, at most eight (underscores split words,
    so ``email_address`` finds a column named so and one named ``email``)."""
    words = [w.lower() for w in _WORD.findall(text.replace("_", " "))]
    seen: list[str] = []
    for word in words:
        if word not in seen:
            seen.append(word)
    return seen[:_MAX_TERMS]


@dataclass(frozen=True)
class SearchQuery:
    text: str
    filter: AssetFilter = field(default_factory=AssetFilter)

    def __post_init__(self) -> None:
        if len(self.text) > MAX_QUERY:
            raise LimitExceeded(f"query longer than {MAX_QUERY} characters", field="query")

    @property
    def terms(self) -> list[str]:
        return terms_of(self.text)


@dataclass(frozen=True)
class SearchDocument:
    """What the index holds for one asset, field by field (highlights use them)."""

    name: str
    qualified_name: str
    description: str = ""
    columns: str = ""
    tags: str = ""
    terms: str = ""
    former_names: str = ""

    def fields(self) -> dict[str, str]:
        return {
            "name": self.name,
            "qualifiedName": self.qualified_name,
            "description": self.description,
            "columns": self.columns,
            "tags": self.tags,
            "glossaryTerms": self.terms,
            "formerNames": self.former_names,
        }


@dataclass(frozen=True)
class Highlight:
    """A field that matched, as HTML: matched words wrapped in ``<mark>`` … ``</mark>``,
    the text itself escaped (a description is anyone's input; a frontend shows the
    snippet as HTML to render the marks)."""

    field: str
    snippet: str


@dataclass
class SearchHit:
    asset: Asset
    score: float
    highlights: list[Highlight] = field(default_factory=list)


@dataclass(frozen=True)
class FacetValue:
    """``value`` is the raw key (a kind, an id, a tag); ``label`` is what to show."""

    facet: str
    value: str
    count: int
    label: str = ""


_SNIPPET = 160


def highlight(doc: SearchDocument, terms: list[str]) -> list[Highlight]:
    """Mark every word that starts with a query term (prefix matching, as the index
    does), in each field that has one; long fields are cut around the first match."""
    if not terms:
        return []
    pattern = re.compile(
        r"(?<![^\W_])(" + "|".join(re.escape(t) for t in terms) + r")[^\W_]*", re.IGNORECASE
    )
    out: list[Highlight] = []
    for name, text in doc.fields().items():
        first = pattern.search(text or "")
        if first is None:
            continue
        start = max(0, first.start() - _SNIPPET // 3)
        piece = text[start : start + _SNIPPET]
        out.append(Highlight(name, ("…" if start else "") + _marked(piece, pattern)))
    return out


def _marked(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` HTML-escaped, each match of ``pattern`` in ``<mark>``."""
    parts: list[str] = []
    at = 0
    for match in pattern.finditer(text):
        parts += (escape(text[at : match.start()]), "<mark>", escape(match.group(0)), "</mark>")
        at = match.end()
    parts.append(escape(text[at:]))
    return "".join(parts)


MAX_SUGGESTIONS = 5
_SIMILAR = 0.75  # difflib's ratio: "ordr" ~ "orders" 0.8, "custmer" ~ "customers" 0.875


def suggestion_key(text: str) -> str | None:
    """The name a query that matched nothing may have meant to type, as names are
    written (words joined by ``_``, lower case); None for a query without words."""
    words = terms_of(text)
    return "_".join(words).lower() if words else None


def closest_names(key: str, names: list[str]) -> list[str]:
    """Up to ``MAX_SUGGESTIONS`` of ``names`` (distinct, lower case) most like ``key``,
    the closest first: what to offer when a search finds nothing (a typo)."""
    return difflib.get_close_matches(key, names, n=MAX_SUGGESTIONS, cutoff=_SIMILAR)
