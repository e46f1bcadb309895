"""SQLite search: FTS5 rows addressed by an integer key, not scanned by asset id

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-23 23:20:00.000000

On SQLite the search index is the FTS5 table ``asset_fts``, whose ``asset_id`` is
an UNINDEXED column: deleting an asset's row ``WHERE asset_id IN (...)`` read the
whole index, once per chunk of ids. A re-scan re-indexes every asset, so its cost
grew with the square of the catalog (3.5 s of a 1,000-table re-scan, 21,000 assets).

``asset_fts_keys`` gives each indexed asset a stable integer (``doc``, an
``INTEGER PRIMARY KEY``: the rowid itself, which ``VACUUM`` keeps), and the FTS row
of an asset is the one with that rowid: found through the FTS5 rowid index. The
upgrade numbers the assets that have a search document and rebuilds ``asset_fts``
from ``asset_search`` under those rowids (its content is the same text). PostgreSQL
has no FTS table: nothing changes there. The downgrade drops the keys; the FTS rows
stay valid as they are.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE asset_fts_keys (doc INTEGER PRIMARY KEY, asset_id TEXT NOT NULL UNIQUE)"
    )
    op.execute("INSERT INTO asset_fts_keys (asset_id) SELECT asset_id FROM asset_search")
    op.execute("DELETE FROM asset_fts")
    op.execute(
        "INSERT INTO asset_fts (rowid, asset_id, name, qualified_name, description, columns, "
        "tags, terms) SELECT k.doc, s.asset_id, s.name, s.qualified_name, s.description, "
        "s.columns, s.tags, s.terms FROM asset_search s JOIN asset_fts_keys k "
        "ON k.asset_id = s.asset_id"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE asset_fts_keys")
