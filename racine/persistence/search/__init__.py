"""Dialect-specific full-text search over ``asset_search``.

Both dialects answer the same question — which assets match every query word as a
prefix, and how well — as a selectable of ``(asset_id, score)``, higher is better:
PostgreSQL through ``to_tsquery`` on a stored tsvector column (GIN index), SQLite
through the FTS5 table ``asset_fts`` and ``bm25``.
"""

from racine.persistence.search.document import index_text
from racine.persistence.search.matching import forget_fts, match_query

__all__ = ["forget_fts", "index_text", "match_query"]
